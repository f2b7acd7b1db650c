import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import type { Category, DirectoryGroup, OnCallEntry, Person, Policy } from "../../src/policy/policy.ts";
import { WEEKDAYS, type OpeningSpan, type Weekday } from "../../src/time/calendar.ts";
import { nominalMs, type Duration } from "../../src/time/duration.ts";
import { instantOf } from "../../src/time/zoned.ts";
import {
  DEFAULT_READABILITY,
  syllablesFromHyphenation,
  type ReadabilityOptions,
  type SyllableCounter,
} from "../../src/readability/index.ts";
import { OUTLET_NAMES } from "../../src/announcement/outlets.ts";
import { findForbidden } from "../../src/announcement/text-hygiene.ts";
import { placeholders, type Template, type TemplateVariable } from "../../src/templates/templates.ts";
import { SEVERITIES, type Severity } from "../../src/warnings/warning.ts";

/** `2026-12-24 08:00` in the policy's time zone. */
function wallInstant(text: string, timezone: string): Date | undefined {
  const [date = "", time = ""] = text.split(" ");
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  return instantOf(
    { year: year ?? 0, month: month ?? 0, day: day ?? 0, hour: hour ?? 0, minute: minute ?? 0 },
    timezone,
  );
}
import { ConfigError } from "./config-error.ts";

const identity = z.union([z.string().min(1), z.array(z.string().min(1))]).optional();

const PersonSchema = z.strictObject({
  name: z.string().min(1),
  language: z.enum(["de", "en"]).optional(),
  console: identity,
  slack: identity,
  matrix: identity,
});

const DURATION = /^(\d+)\s*(m|h|d)$/;

/** Plain-language hints (`readability:` at the top, and per category where it differs). */
const ReadabilitySchema = z.strictObject({
  enabled: z.boolean().optional(),
  maxSentenceWords: z.number().int().min(5).max(100).optional(),
  maxWordLetters: z.number().int().min(8).max(60).optional(),
  maxEmoji: z.number().int().min(0).max(50).optional(),
  /** Flesch (Amstad) below this: "hard to read"; 0–100, higher is easier. */
  minFleschScore: z.number().min(0).max(100).optional(),
  /** 1st Wiener Sachtextformel above this: "hard to read"; 4 (very easy) to 15 (very hard). */
  maxWstf: z.number().min(1).max(20).optional(),
  /** A picture or video without a description: "hint" asks the author to confirm, "required" refuses it. */
  describeMedia: z.enum(["hint", "required"]).optional(),
});

const CategorySchema = z.strictObject({
  label: z.string().min(1),
  approvers: z.array(z.string().min(1)).min(1),
  quorum: z.number().int().min(1).default(1),
  deadline: z.string().regex(DURATION, 'a duration such as "30m", "48h" or "3d"').optional(),
  /** on: on-call staff may publish at night without approval; free text only with `breakGlass: text`. */
  emergency: z.boolean().default(false),
  breakGlass: z.enum(["template", "text"]).default("template"),
  escalation: z
    .array(
      z.strictObject({
        after: z.string().regex(DURATION, 'a duration such as "30m", "2h" or "1d"'),
        notify: z.array(z.string().min(1)).min(1),
      }),
    )
    .default([]),
  readability: ReadabilitySchema.optional(),
  /** Where its announcements go by default; absent: every configured outlet. Outlets not configured are skipped. */
  outlets: z.array(z.enum(OUTLET_NAMES)).min(1, "name at least one outlet, or leave the line out").optional(),
});

const SPAN = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const WALL = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/;
const weekday = z.enum(WEEKDAYS);

const VariableSchema = z.strictObject({
  type: z.enum(["text", "time", "phone", "number"]).default("text"),
  max: z.number().int().min(1).max(500).default(80),
  default: z.string().optional(),
  hint: z.string().optional(),
});

const TemplateSchema = z.strictObject({
  category: z.string().min(1),
  text: z.string().min(1),
  variables: z
    .record(z.string().regex(/^[a-z][a-z0-9_]*$/, "lower-case letters, digits, _"), VariableSchema)
    .default({}),
});

const CalendarSchema = {
  officeHours: z
    .partialRecord(weekday, z.string().regex(SPAN, 'a span such as "07:30-16:00"'))
    .default({ mon: "08:00-16:00", tue: "08:00-16:00", wed: "08:00-16:00", thu: "08:00-16:00", fri: "08:00-12:00" }),
  holidays: z
    .strictObject({
      preset: z.enum(["niedersachsen", "none"]).default("niedersachsen"),
      add: z.array(z.string().regex(DAY, "a date such as 2026-12-24")).default([]),
      remove: z.array(z.string().regex(DAY, "a date such as 2026-12-24")).default([]),
    })
    .default({ preset: "niedersachsen", add: [], remove: [] }),
  onCall: z
    .array(
      z.union([
        z.strictObject({ person: z.string().min(1), weekdays: z.array(weekday).min(1) }),
        z.strictObject({
          person: z.string().min(1),
          from: z.string().regex(WALL, 'local time such as "2026-12-24 08:00"'),
          to: z.string().regex(WALL, 'local time such as "2026-12-27 08:00"'),
        }),
      ]),
    )
    .default([]),
};

const PolicySchema = z.strictObject({
  language: z.enum(["de", "en"]).default("de"),
  timezone: z
    .string()
    .default("Europe/Berlin")
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, "not a known IANA time zone"),
  people: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "lower-case letters, digits, . _ -"), PersonSchema),
  groups: z.record(z.string(), z.array(z.string().min(1))).default({}),
  slackUsergroups: z
    .record(z.string(), z.string().regex(/^S[A-Z0-9]+$/, "a Slack user group id, e.g. S0LEITUNG"))
    .default({}),
  matrixPowerLevels: z.record(z.string(), z.number().int().min(1)).default({}),
  editors: z.array(z.string().min(1)).default([]),
  admins: z.array(z.string().min(1)).default([]),
  defaultCategory: z.string().min(1),
  categories: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case letters, digits, _ -"), CategorySchema),
  ...CalendarSchema,
  templates: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case letters, digits, _ -"), TemplateSchema)
    .default({}),
  readability: ReadabilitySchema.default({}),
  /** Official warnings (NINA): which category a relayed warning is drafted in. Absent: the first emergency one. */
  warnings: z
    .strictObject({
      categories: z.strictObject({
        byEventCode: z
          .record(z.string().regex(/^[A-Z]+-EVC-\d+$/, "an event code such as BBK-EVC-040"), z.string().min(1))
          .default({}),
        bySeverity: z.partialRecord(z.enum(SEVERITIES), z.string().min(1)).default({}),
        default: z.string().min(1).optional(),
      }),
    })
    .optional(),
});

type Path = (string | number)[];

const toList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const MS = { m: 60_000, h: 3_600_000 } as const;

/** `30m` and `48h` are exact spans; `3d` is three calendar days (the same wall-clock time, whatever DST does). */
const durationOf = (text: string): Duration => {
  const [, n, unit] = DURATION.exec(text) ?? [];
  return unit === "d" ? { days: Number(n), ms: 0 } : { days: 0, ms: Number(n) * (MS[unit as keyof typeof MS] ?? 0) };
};

/** Reads and checks the YAML policy; every problem names the file, line and key. */
export function loadPolicy(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`Cannot read policy file ${file}: ${(error as Error).message}`);
  }
  return parsePolicy(text, file);
}

export function parsePolicy(text: string, file: string): Policy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e?.linePos?.[0]?.line ?? 0;
    throw new ConfigError(`${file}:${line}: not valid YAML: ${e?.message.split("\n")[0] ?? ""}`);
  }
  const lineAt = (path: Path): number => {
    for (let p = path; p.length >= 0; p = p.slice(0, -1)) {
      const node = p.length === 0 ? doc.contents : doc.getIn(p, true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lineCounter.linePos(range[0]).line;
      if (p.length === 0) break;
    }
    return 1;
  };
  const problem = (path: Path, message: string) =>
    `${file}:${lineAt(path)}: ${path.length ? path.join(".") : "(top level)"}: ${message}`;

  const parsed = PolicySchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const path = i.path as Path;
      return i.code === "unrecognized_keys" ? problem([...path, i.keys[0] ?? ""], i.message) : problem(path, i.message);
    });
    throw new ConfigError(`Invalid policy:\n  ${lines.join("\n  ")}`);
  }
  const raw = parsed.data;
  const problems: string[] = [];

  const expand = (refs: string[], path: Path): string[] =>
    refs.flatMap((ref, i) => {
      if (ref.startsWith("@")) {
        const group = raw.groups[ref.slice(1)];
        if (!group) {
          problems.push(problem([...path, i], `unknown group "${ref}"`));
          return [];
        }
        return group;
      }
      if (!raw.people[ref]) {
        problems.push(problem([...path, i], `unknown person "${ref}"`));
        return [];
      }
      return [ref];
    });

  for (const [name, members] of Object.entries(raw.groups)) {
    members.forEach((m, i) => {
      if (!raw.people[m]) problems.push(problem(["groups", name, i], `unknown person "${m}"`));
    });
  }

  const people = new Map<string, Person>();
  const seen = new Map<string, string>();
  for (const [id, p] of Object.entries(raw.people)) {
    const identities: Record<string, string[]> = {};
    for (const platform of ["console", "slack", "matrix"] as const) {
      const list = toList(p[platform]);
      if (list.length) identities[platform] = list;
      for (const userId of list) {
        const key = `${platform}:${userId}`;
        const other = seen.get(key);
        if (other)
          problems.push(problem(["people", id, platform], `${platform} id "${userId}" also belongs to ${other}`));
        seen.set(key, id);
      }
    }
    people.set(id, { id, name: p.name, language: p.language ?? raw.language, identities });
  }

  const categories = new Map<string, Category>();
  for (const [id, c] of Object.entries(raw.categories)) {
    const approvers = [...new Set(expand(c.approvers, ["categories", id, "approvers"]))];
    const fedByDirectory = c.approvers.some(
      (ref) => raw.slackUsergroups[ref.slice(1)] !== undefined || raw.matrixPowerLevels[ref.slice(1)] !== undefined,
    );
    if (c.quorum > approvers.length && !fedByDirectory) {
      problems.push(
        problem(
          ["categories", id, "quorum"],
          `quorum ${c.quorum} needs at least ${c.quorum} approvers, there are ${approvers.length}`,
        ),
      );
    }
    const escalation = c.escalation.map((s, i) => ({
      after: durationOf(s.after),
      notify: [...new Set(expand(s.notify, ["categories", id, "escalation", i, "notify"]))],
    }));
    escalation.forEach((s, i) => {
      const before = escalation[i - 1];
      if (before && nominalMs(s.after) <= nominalMs(before.after)) {
        problems.push(
          problem(["categories", id, "escalation", i, "after"], "each step must come later than the one before"),
        );
      }
    });
    categories.set(id, {
      id,
      label: c.label,
      quorum: c.quorum,
      approvers,
      ...(c.deadline ? { deadline: durationOf(c.deadline) } : {}),
      ...(c.emergency ? { emergency: { freeText: c.breakGlass === "text" } } : {}),
      ...(escalation.length ? { escalation } : {}),
      ...(c.readability ? { readability: definedOnly(c.readability) } : {}),
      ...(c.outlets ? { outlets: [...new Set(c.outlets)] } : {}),
    });
  }
  if (!categories.has(raw.defaultCategory)) {
    problems.push(problem(["defaultCategory"], `no category "${raw.defaultCategory}" is defined`));
  }
  const officeHours: Partial<Record<Weekday, OpeningSpan>> = {};
  for (const [day, span] of Object.entries(raw.officeHours) as [Weekday, string][]) {
    const [, h1, m1, h2, m2] = SPAN.exec(span) ?? [];
    const start = Number(h1) * 60 + Number(m1);
    const end = Number(h2) * 60 + Number(m2);
    if (end <= start) problems.push(problem(["officeHours", day], `"${span}" ends before it starts`));
    officeHours[day] = { start, end };
  }
  const onCall: OnCallEntry[] = raw.onCall.flatMap((entry, i): OnCallEntry[] => {
    if (!raw.people[entry.person]) {
      problems.push(problem(["onCall", i, "person"], `unknown person "${entry.person}"`));
      return [];
    }
    if ("weekdays" in entry) return [{ person: entry.person, weekdays: entry.weekdays }];
    const from = wallInstant(entry.from, raw.timezone);
    const to = wallInstant(entry.to, raw.timezone);
    if (!from || !to || to <= from) {
      problems.push(problem(["onCall", i], "from must be a valid local time before to"));
      return [];
    }
    return [{ person: entry.person, from, to }];
  });
  const templates = new Map<string, Template>();
  for (const [name, t] of Object.entries(raw.templates)) {
    if (!categories.has(t.category))
      problems.push(problem(["templates", name, "category"], `no category "${t.category}"`));
    const hidden = findForbidden(t.text);
    if (hidden) {
      problems.push(
        problem(
          ["templates", name, "text"],
          `invisible ${hidden.kind === "bidi" ? "text-direction" : "control"} character ${hidden.code} at position ${hidden.position}: "${hidden.near}"`,
        ),
      );
    }
    const used = placeholders(t.text);
    for (const gap of used) {
      if (!t.variables[gap]) problems.push(problem(["templates", name, "text"], `{${gap}} is not among its variables`));
    }
    for (const declared of Object.keys(t.variables)) {
      if (!used.includes(declared))
        problems.push(problem(["templates", name, "variables", declared], `{${declared}} does not occur in the text`));
    }
    const variables: Record<string, TemplateVariable> = {};
    for (const [v, rule] of Object.entries(t.variables)) {
      variables[v] = {
        type: rule.type,
        max: rule.max,
        ...(rule.default === undefined ? {} : { default: rule.default }),
        ...(rule.hint === undefined ? {} : { hint: rule.hint }),
      };
    }
    templates.set(name, { name, category: t.category, text: t.text.trim(), variables });
  }
  const directoryGroups = new Map<string, DirectoryGroup>();
  const links: [string, string, "slack" | "matrix", string][] = [
    ...Object.entries(raw.slackUsergroups).map(([g, id]): [string, string, "slack", string] => [
      g,
      id,
      "slack",
      "slackUsergroups",
    ]),
    ...Object.entries(raw.matrixPowerLevels).map(([g, level]): [string, string, "matrix", string] => [
      g,
      String(level),
      "matrix",
      "matrixPowerLevels",
    ]),
  ];
  for (const [name, id, platform, key] of links) {
    if (!raw.groups[name]) {
      problems.push(problem([key, name], `no group "${name}" under groups (an empty list will do)`));
      continue;
    }
    if (directoryGroups.has(name)) {
      problems.push(
        problem([key, name], `group "${name}" is already linked to ${directoryGroups.get(name)?.platform}`),
      );
      continue;
    }
    const named = (refs: readonly string[]) => refs.includes(`@${name}`);
    directoryGroups.set(name, {
      platform,
      id,
      listed: raw.groups[name],
      usedBy: {
        editors: named(raw.editors),
        admins: named(raw.admins),
        categories: Object.entries(raw.categories)
          .filter(([, c]) => named(c.approvers))
          .map(([c]) => c),
      },
    });
  }
  const warningCategories = raw.warnings?.categories;
  const mapped: [Path, string | undefined][] = warningCategories
    ? [
        ...Object.entries(warningCategories.byEventCode).map(([code, c]): [Path, string] => [
          ["warnings", "categories", "byEventCode", code],
          c,
        ]),
        ...Object.entries(warningCategories.bySeverity).map(([sev, c]): [Path, string | undefined] => [
          ["warnings", "categories", "bySeverity", sev],
          c,
        ]),
        [["warnings", "categories", "default"], warningCategories.default],
      ]
    : [];
  for (const [path, category] of mapped) {
    if (category !== undefined && !categories.has(category)) problems.push(problem(path, `no category "${category}"`));
  }
  const editors = new Set(expand(raw.editors, ["editors"]));
  const admins = new Set(expand(raw.admins, ["admins"]));
  if (problems.length > 0) throw new ConfigError(`Invalid policy:\n  ${problems.join("\n  ")}`);

  return {
    language: raw.language,
    timezone: raw.timezone,
    people,
    editors,
    admins,
    categories,
    defaultCategory: raw.defaultCategory,
    calendar: { timezone: raw.timezone, officeHours, holidays: raw.holidays },
    onCall,
    templates,
    ...(directoryGroups.size ? { directoryGroups } : {}),
    ...(warningCategories
      ? {
          warnings: {
            categories: {
              byEventCode: new Map(Object.entries(warningCategories.byEventCode)),
              bySeverity: new Map(
                Object.entries(warningCategories.bySeverity).filter((e): e is [Severity, string] => e[1] !== undefined),
              ),
              ...(warningCategories.default ? { default: warningCategories.default } : {}),
            },
          },
        }
      : {}),
    readability: {
      options: { ...DEFAULT_READABILITY, ...definedOnly(raw.readability) },
      syllables: (word) => germanHyphenation()(word),
    },
  };
}

/** The keys a policy file sets, without the ones it leaves out. */
const definedOnly = (o: z.infer<typeof ReadabilitySchema>): Partial<ReadabilityOptions> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<ReadabilityOptions>;

let hyphenation: SyllableCounter | undefined;

/**
 * Loaded with the first preview, not at start (the patterns cost start time and memory).
 * Syllables counted per piece of the TeX German hyphenation patterns (the `hyphen` package), which knows the
 * boundaries inside compounds that vowel groups alone miss (36 of 40 test words right against 31).
 */
function germanHyphenation(): SyllableCounter {
  if (hyphenation) return hyphenation;
  const { hyphenateSync } = createRequire(import.meta.url)("hyphen/de") as {
    hyphenateSync: (text: string, options?: { hyphenChar?: string; minWordLength?: number }) => string;
  };
  hyphenation = syllablesFromHyphenation((word) =>
    hyphenateSync(word, { hyphenChar: "\u00AD", minWordLength: 1 }).split("\u00AD"),
  );
  return hyphenation;
}
