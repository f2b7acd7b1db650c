/**
 * Property-based tests (issue 7): generated command text, Slack markup and Matrix HTML thrown at the
 * parsers and renderers. Nothing may crash, and nothing may come out unescaped.
 *
 * Under CI the seed is fixed, so a run there fails only when the code changes; elsewhere every run draws a
 * new seed (`FC_SEED=<n>` repeats one) and keeps exploring.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matrixHtmlToWhatsApp } from "../../adapters/markup/matrix-html.ts";
import { escapeSlack, slackToWhatsApp, type SlackNames } from "../../adapters/markup/slack.ts";
import { escapeHtml, textToHtml } from "../../adapters/matrix/html.ts";
import { dispatch } from "../../commands/dispatch.ts";
import { takeFlags, words, type FlagSpec } from "../../commands/grammar.ts";
import type { CommandInput, CommandOutcome } from "../../commands/input.ts";
import type { Content, MediaItem } from "../../src/announcement/announcement.ts";
import { codePoints, LIMITS, normaliseText, validateContent } from "../../src/announcement/content.ts";
import { ERROR_CODES, type Result } from "../../src/errors.ts";
import type { Logger } from "../../src/ports/logger.ts";
import { postText, renderForWhatsApp } from "../../src/render/whatsapp.ts";
import { aWorld, origin } from "../fakes/world.ts";

const RUNS = 300;
const seed = process.env.FC_SEED ?? (process.env.CI ? "20261129" : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });

const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

/** The converted text; a refusal fails the test (the generated link targets are all ones a post may carry). */
const accepted = (read: Result<string>): string => {
  if (!read.ok) throw new Error(`refused: ${JSON.stringify(read.error)}`);
  return read.value;
};
const LINK_ERRORS = ["UNSAFE_LINK", "INSECURE_LINK"];

// ---------------------------------------------------------------------------------------------------------------
// Text generators
// ---------------------------------------------------------------------------------------------------------------

/** Code points that break naive text handling: lone surrogates, bidi controls, emoji sequences, odd line breaks. */
const NASTY = [
  "\uD800",
  "\uDBFF",
  "\uDC00",
  "\uDFFF",
  "\u200E",
  "\u200F",
  "\u202E",
  "\u2066",
  "\u2069",
  "\u061C",
  "\u200D",
  "\uFE0F",
  "\u00A0",
  "\u2028",
  "\u2029",
  "\u0000",
  "\r\n",
  "\r",
  "\n",
  "\t",
  "👍🏽",
  "👩‍👩‍👧‍👦",
  "🇩🇪",
  "🏳️‍🌈",
  "e\u0301",
  "ẞ",
  "İ",
  "ﷺ",
  "𝔘",
  "שלום",
  "مرحبا",
];

const nastyUnit = fc.oneof(
  { arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), weight: 3 },
  { arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }), weight: 2 },
  { arbitrary: fc.constantFrom(...NASTY), weight: 2 },
);
const nastyText = (maxLength = 40) => fc.string({ unit: nastyUnit, maxLength });

/** Text as a person types it into a chat, markup characters and look-alike entities included. */
const typedUnit = fc.oneof(
  { arbitrary: nastyUnit, weight: 4 },
  {
    arbitrary: fc.constantFrom(
      "&",
      "<",
      ">",
      "|",
      '"',
      "'",
      "&amp;",
      "&lt;",
      "&gt;",
      "&quot;",
      "&#39;",
      "&nbsp;",
      "<@U0ANNA>",
      "<!here>",
      "<b>",
      "</b>",
      "*",
      "_",
      "~",
      "`",
      "```",
      " ",
      "  ",
    ),
    weight: 3,
  },
);
const typedText = (maxLength = 30) => fc.string({ unit: typedUnit, maxLength });

// ---------------------------------------------------------------------------------------------------------------
// Command grammar and dispatch
// ---------------------------------------------------------------------------------------------------------------

const COMMAND_WORDS = [
  "announce",
  "approve",
  "reject",
  "edit",
  "poll",
  "status",
  "list",
  "template",
  "withdraw",
  "posted",
  "correct",
  "retract",
  "history",
  "update",
  "allclear",
  "crisis",
  "exercise",
  "review",
  "whatsapp",
  "help",
  "freigeben",
  "ok",
  "ablehnen",
  "umfrage",
  "bearbeiten",
  "vorlage",
  "hilfe",
  "?",
  "--",
  "show",
  "list",
  "approve",
  "on",
  "off",
  "status",
  "flag",
  "pair",
  "qr",
  "v1",
  "v2",
  "v0",
  "v999999999999",
];
const FLAG_WORDS = [
  "--category",
  "--at",
  "--now",
  "--urgent",
  "--handoff",
  "--expires",
  "--template",
  "--multiple",
  "--category=krise",
  "--at=morgen",
  "--at=",
  "--now=1",
  "--CATEGORY",
  "--x",
  "---",
  "—category",
];
const IDS = ["A-0001", "A-0002", "A-0003", "a-1", "A1", "A-0000", "A-99999999999", "A-", "B-0001"];
const QUOTES = ["„", "“", "”", "«", "»", '"', "'"];
const VALUES = [
  "baustelle",
  "krise",
  "sturm",
  "allgemein",
  "nope",
  "wasserrohrbruch",
  "morgen",
  "morgen 09:00",
  "heute 23:59",
  "18:00",
  "25:99",
  "2026-12-01 10:00",
  "2026-02-30",
  "31.02.2027",
  "2099-01-01",
  "2026-03-29 02:30",
  'street="Obernstraße"',
  "until=„18 Uhr“",
  "phone='1'",
  "street=",
  "http://insecure.example",
  "https://achim.de/baustellen",
  "**fett**",
  "*fett*",
  "~~weg~~",
  "[Link](https://achim.de)",
  "• Punkt",
  "\n",
  "\n\n\n",
  "\t",
];

const commandToken = fc.oneof(
  { arbitrary: fc.constantFrom(...COMMAND_WORDS), weight: 4 },
  { arbitrary: fc.constantFrom(...FLAG_WORDS), weight: 3 },
  { arbitrary: fc.constantFrom(...IDS), weight: 3 },
  { arbitrary: fc.constantFrom(...QUOTES), weight: 2 },
  { arbitrary: fc.constantFrom(...VALUES), weight: 2 },
  { arbitrary: nastyText(8), weight: 3 },
);
const SEPARATORS = [" ", " ", " ", "", "\n", "\t", "  ", " \n "];
const tokens = fc
  .array(fc.tuple(commandToken, fc.constantFrom(...SEPARATORS)), { maxLength: 10 })
  .map((parts) => parts.map(([token, sep]) => token + sep).join(""));
/** Mostly shaped like a command (`approve A-0001 …`), sometimes any mix of the same tokens. */
const commandText = fc.oneof(
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom(...COMMAND_WORDS),
        fc.option(fc.constantFrom(...IDS), { nil: "" }),
        fc.option(tokens, { nil: "", freq: 2 }),
      )
      .map(([command, id, rest]) => `${command} ${id} ${rest}`),
    weight: 3,
  },
  { arbitrary: tokens, weight: 2 },
);

const FLAG_SPEC: Readonly<Record<string, FlagSpec>> = {
  category: { takesValue: true },
  at: { takesValue: true },
  now: { takesValue: false },
  urgent: { takesValue: false },
  template: { takesValue: true },
};
const FLAG_ERRORS = new Set(["UNKNOWN_FLAG", "FLAG_REPEATED", "FLAG_NEEDS_VALUE", "UNEXPECTED_ARGUMENTS"]);

describe("command grammar: generated command text", () => {
  it("words() never throws and, without quote characters, splits exactly on white space", () => {
    fc.assert(
      fc.property(fc.oneof(commandText, nastyText(60)), (raw) => {
        const out = words(raw);
        expect(Array.isArray(out)).toBe(true);
        for (const w of out) expect(typeof w).toBe("string");
        if (!QUOTES.some((q) => raw.includes(q))) {
          expect(out).toEqual(raw.split(/\s+/).filter(Boolean));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("takeFlags() never throws; it returns only known flags with proper values, or a named flag error", () => {
    fc.assert(
      fc.property(fc.oneof(commandText, nastyText(60)), fc.boolean(), (raw, keepUnknown) => {
        const result = takeFlags(raw, FLAG_SPEC, { keepUnknown });
        if (!result.ok) {
          expect(FLAG_ERRORS.has(result.error.code)).toBe(true);
          expect(String(result.error.params?.flag ?? "")).toMatch(/^--[a-z][\w-]*$/);
          if (keepUnknown) expect(result.error.code).not.toBe("UNKNOWN_FLAG");
          return;
        }
        const { rest, values } = result.value;
        for (const [name, value] of values) {
          const spec = FLAG_SPEC[name];
          expect(spec).toBeDefined();
          if (spec?.takesValue) {
            expect(typeof value).toBe("string");
            expect(String(value).trim()).not.toBe("");
          } else {
            expect(value).toBe(true);
          }
        }
        for (const line of rest.split("\n")) {
          expect(line).toBe(line.trim());
          expect(line).not.toMatch(/[ \t]{2,}/);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** A logger that remembers what it was told, so a crash that `dispatch` turns into a polite error still shows. */
function recordingLogger(lines: { level: string; obj: object; msg?: string }[]): Logger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push(msg === undefined ? { level, obj } : { level, obj, msg });
    };
  const log: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => log,
  };
  return log;
}

const ACTORS = ["anna", "ben", "carla", "dieter", "erik", "zora", "nobody", ""];
const REACTIONS = [
  "✅",
  "✔️",
  "☑",
  "❌",
  "✖",
  ":white_check_mark:",
  "x",
  "+1",
  "👍🏽",
  "white_check_mark::skin-tone-3",
  "",
];
const JPEG: MediaItem = { name: "bild.jpg", mimeType: "image/jpeg", bytes: 120_000, sha256: "a".repeat(64) };

type Step =
  | { kind: "text"; user: string; text: string; attach: boolean }
  | { kind: "reaction"; user: string; id: string; reaction: string; removed: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("text" as const),
      user: fc.constantFrom(...ACTORS),
      text: commandText,
      attach: fc.boolean(),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("reaction" as const),
      user: fc.constantFrom(...ACTORS),
      id: fc.constantFrom("A-0001", "A-0002"),
      reaction: fc.oneof(fc.constantFrom(...REACTIONS), nastyText(4)),
      removed: fc.boolean(),
    }),
    weight: 1,
  },
);

const isLocalized = (m: unknown): boolean =>
  typeof m === "object" &&
  m !== null &&
  typeof (m as { de?: unknown }).de === "string" &&
  typeof (m as { en?: unknown }).en === "string" &&
  (m as { de: string }).de.trim() !== "" &&
  (m as { en: string }).en.trim() !== "";

function checkContentLimits(content: Content): void {
  const max = content.media.length > 0 ? LIMITS.caption : LIMITS.text;
  expect(codePoints(postText(content))).toBeLessThanOrEqual(max);
  expect(content.media.length).toBeLessThanOrEqual(1);
  if (content.poll) {
    expect(content.media).toHaveLength(0);
    expect(codePoints(content.poll.question)).toBeLessThanOrEqual(LIMITS.pollQuestion);
    expect(content.poll.options.length).toBeGreaterThanOrEqual(LIMITS.pollOptionsMin);
    expect(content.poll.options.length).toBeLessThanOrEqual(LIMITS.pollOptionsMax);
    for (const o of content.poll.options) expect(codePoints(o)).toBeLessThanOrEqual(LIMITS.pollOption);
  }
}

describe("dispatch: generated command text and reactions", () => {
  it("never throws, never crashes inside, and always answers with a known outcome in German and English", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 5 }), async (steps) => {
        const w = aWorld();
        // A pending draft to act on first, so approvals, rejections and edits reach the service.
        const seed: Step = { kind: "text", user: "anna", text: "Hauptstraße ab Montag gesperrt.", attach: false };
        const lines: { level: string; obj: object; msg?: string }[] = [];
        const deps = { service: w.service, policy: w.policy, clock: w.clock, log: recordingLogger(lines) };
        for (const s of [seed, ...steps]) {
          const actor = { platform: "console", userId: s.user };
          const input: CommandInput =
            s.kind === "text"
              ? { kind: "text", actor, origin, text: s.text, ...(s.attach ? { attachments: [JPEG] } : {}) }
              : {
                  kind: "reaction",
                  actor,
                  origin,
                  target: { id: s.id as `A-${string}` },
                  reaction: s.reaction,
                  removed: s.removed,
                };
          const outcome: CommandOutcome = await dispatch(input, deps);
          expect(["reply", "error", "ignored", "needs_reason", "needs_text"]).toContain(outcome.kind);
          if (outcome.kind === "needs_reason" || outcome.kind === "needs_text") {
            expect(isLocalized(outcome.message)).toBe(true);
          }
          if (outcome.kind === "error") {
            expect(ERROR_CODES).toContain(outcome.code);
            expect(isLocalized(outcome.message)).toBe(true);
            // The in-memory store never fails: this code would mean an exception was swallowed.
            expect(outcome.code).not.toBe("TEMPORARILY_UNAVAILABLE");
          }
          if (outcome.kind === "reply") {
            expect(isLocalized(outcome.message)).toBe(true);
            for (const v of outcome.announcement?.versions ?? []) checkContentLimits(v.content);
          }
          if (outcome.kind !== "ignored" && !/undefined|NaN|\[object/.test(s.kind === "text" ? s.text : s.reaction)) {
            expect(outcome.message.de).not.toMatch(/\bundefined\b|\bNaN\b|\[object Object\]/);
            expect(outcome.message.en).not.toMatch(/\bundefined\b|\bNaN\b|\[object Object\]/);
          }
        }
        expect(lines.filter((l) => l.level === "error")).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Slack markup → WhatsApp text
// ---------------------------------------------------------------------------------------------------------------

/** One piece of a Slack message: what arrives on the wire, and what WhatsApp must show for it. */
interface SlackPart {
  wire: string;
  shown: string;
}

const KNOWN_USERS: Record<string, string> = { U0ANNA: "Anna Schmidt", W0ORGUSER1: "Ben Org" };
const KNOWN_CHANNELS: Record<string, string> = { C0PRESS: "pressestelle" };
const names: SlackNames = { user: (id) => KNOWN_USERS[id], channel: (id) => KNOWN_CHANNELS[id] };

/** Link labels and mention names: typed text, so Slack escapes them; never empty. */
const labelText = (pipes: boolean) =>
  typedText(12)
    .filter((t) => t.length > 0)
    .filter((t) => pipes || !t.includes("|"));
const optionalLabel = (pipes: boolean) => fc.option(labelText(pipes), { nil: undefined });

const userId = fc.oneof(fc.constantFrom("U0ANNA", "W0ORGUSER1"), fc.stringMatching(/^[UW][A-Z0-9]{1,10}$/));
const channelId = fc.oneof(fc.constant("C0PRESS"), fc.stringMatching(/^[CG][A-Z0-9]{1,10}$/));
const url = fc
  .tuple(
    fc.constant("https://"),
    fc.stringMatching(/^[a-z0-9-]{1,12}(\.[a-z]{2,4}){1,2}$/),
    fc.string({ unit: fc.constantFrom(..."abcXYZ019/-._~?=&#%+!*'()$,;:@"), maxLength: 20 }),
  )
  .map(([scheme, host, path]) => `${scheme}${host}/${path}`);

const withLabel = (target: string, label: string | undefined) =>
  label === undefined ? `<${target}>` : `<${target}|${escapeSlack(label)}>`;

function slackPart(pipes: boolean): fc.Arbitrary<SlackPart> {
  const label = optionalLabel(pipes);
  return fc.oneof(
    { arbitrary: typedText(20).map((t) => ({ wire: escapeSlack(t), shown: t })), weight: 6 },
    {
      arbitrary: fc.tuple(userId, label).map(([id, l]) => ({
        wire: withLabel(`@${id}`, l),
        shown: `@${l ?? KNOWN_USERS[id] ?? id}`,
      })),
      weight: 2,
    },
    {
      arbitrary: fc.tuple(channelId, label).map(([id, l]) => ({
        wire: withLabel(`#${id}`, l),
        shown: `#${l ?? KNOWN_CHANNELS[id] ?? id}`,
      })),
      weight: 2,
    },
    {
      arbitrary: fc.tuple(url, label).map(([u, l]) => ({
        wire: withLabel(escapeSlack(u), l),
        shown: l === undefined || l === u ? u : `${l}: ${u}`,
      })),
      weight: 2,
    },
    {
      arbitrary: fc.tuple(fc.stringMatching(/^[a-z]{1,6}@[a-z]{1,6}\.de$/), label).map(([a, l]) => ({
        wire: withLabel(`mailto:${a}`, l),
        shown: l ?? a,
      })),
      weight: 1,
    },
    {
      arbitrary: fc
        .tuple(fc.constantFrom("here", "channel", "everyone"), fc.boolean())
        .map(([b, labelled]) => ({ wire: labelled ? `<!${b}|@${b}>` : `<!${b}>`, shown: "" })),
      weight: 1,
    },
    {
      arbitrary: fc.tuple(fc.stringMatching(/^S[A-Z0-9]{1,8}$/), label).map(([id, l]) => ({
        wire: withLabel(`!subteam^${id}`, l),
        shown: l ?? "",
      })),
      weight: 1,
    },
    {
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: 2_000_000_000 }), fc.constantFrom("{date_short}", "{date_long} {time}"), label)
        .map(([ts, format, l]) => ({ wire: withLabel(`!date^${ts}^${format}`, l), shown: l ?? "" })),
      weight: 1,
    },
  );
}

/** What slackToWhatsApp promises after the tokens and entities: runs of blanks collapse, the ends are trimmed. */
const tidySlack = (text: string) => text.replace(/[ \t]{2,}/g, " ").trim();

const slackMessage = (pipes: boolean) =>
  fc.array(slackPart(pipes), { maxLength: 8 }).map((parts) => ({
    wire: parts.map((p) => p.wire).join(""),
    shown: tidySlack(parts.map((p) => p.shown).join("")),
  }));

/** Slack-ish text that Slack would never send: stray brackets, half tokens, bare ampersands. */
const brokenSlack = fc
  .array(
    fc.oneof(
      nastyText(6),
      fc.constantFrom(
        "<",
        ">",
        "&",
        "|",
        "&amp;",
        "&lt;",
        "&gt;",
        "&amp;lt;",
        "<@U0ANNA",
        "<@U0ANNA|",
        "<#C0PRESS|",
        "<!here",
        "<!subteam^S1|@bau>",
        "<!date^1^{date_short}|heute>",
        "<https://x.de",
        "<https://x.de|x>",
        "<>",
        "<|>",
        "<@>",
        "<#>",
        "<!>",
        "<mailto:|>",
      ),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(""));

describe("slackToWhatsApp: generated Slack markup", () => {
  it("turns every control sequence into its plain text and undoes exactly the escaping layer (slack.md §11)", () => {
    fc.assert(
      fc.property(slackMessage(false), ({ wire, shown }) => {
        expect(slackToWhatsApp(wire, names)).toEqual({ ok: true, value: shown });
      }),
      { numRuns: RUNS },
    );
  });

  it("leaves no control sequence and no entity of the escaping layer when the person typed none", () => {
    const plainTyped = fc.string({ unit: nastyUnit, maxLength: 20 }).filter((t) => !/[<>&]/.test(t));
    const part = fc.oneof(
      plainTyped.map((t) => ({ wire: escapeSlack(t), shown: t })),
      slackPart(false).filter((p) => !/[<>&]/.test(p.shown)),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 8 }), (parts) => {
        const out = accepted(slackToWhatsApp(parts.map((p) => p.wire).join(""), names));
        expect(out).not.toMatch(/<[@#!]/);
        expect(out).not.toMatch(/&(amp|lt|gt);/);
        expect(out).not.toMatch(/[<>]/);
      }),
      { numRuns: RUNS },
    );
  });

  it("a typed `&lt;` (on the wire `&amp;lt;`) survives as `&lt;`; a typed `<@U1>` stays literal text", () => {
    fc.assert(
      fc.property(typedText(20), (typed) => {
        expect(slackToWhatsApp(escapeSlack(`&lt;${typed}<@U0ANNA>`), names)).toEqual({
          ok: true,
          value: tidySlack(`&lt;${typed}<@U0ANNA>`),
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("never throws on broken markup, and every `<`/`>` left over is a stray one or an escaped one", () => {
    fc.assert(
      fc.property(fc.oneof(brokenSlack, nastyText(40)), (wire) => {
        const read = slackToWhatsApp(wire, names);
        // Text between `<` and `>` is a link target to Slack: one a post may not carry is refused.
        if (!read.ok) return void expect(LINK_ERRORS).toContain(read.error.code);
        const out = read.value;
        const untokened = wire.replace(/<[^<>]*>/g, "");
        expect(count(out, "<")).toBeLessThanOrEqual(count(untokened, "<") + count(wire, "&lt;"));
        expect(count(out, ">")).toBeLessThanOrEqual(count(untokened, ">") + count(wire, "&gt;"));
      }),
      { numRuns: RUNS },
    );
  });

  // Found by this property: a label is everything after the first `|` (Slack escapes only & < >).
  it("a label containing `|` is kept whole", () => {
    fc.assert(
      fc.property(slackMessage(true), ({ wire, shown }) => {
        expect(slackToWhatsApp(wire, names)).toEqual({ ok: true, value: shown });
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Matrix HTML → WhatsApp text
// ---------------------------------------------------------------------------------------------------------------

/** A fragment of Matrix `formatted_body`, built as a tree so the generated HTML is well formed. */
type Html = string;

const INLINE_TAGS = ["b", "i", "em", "strong", "del", "s", "strike", "code", "span", "font", "u", "sup", "sub"];
const BLOCK_TAGS = ["p", "div", "h1", "h3", "blockquote", "pre"];
const ATTRS = [
  ' class="x"',
  ' data-mx-color="#ff0000"',
  ' style="color:red"',
  ' onclick="alert(1)"',
  " title='&quot;Titel&quot;'",
  ' id="a&amp;b"',
  " hidden",
];

/**
 * Text inside HTML: escaped, plus named and numeric entities. With `lt`, the text may carry `<` and `&` (escaped);
 * without, it has neither, so any `<` or entity in the output would have to come from the markup.
 */
const htmlText = (lt: boolean) =>
  fc.oneof(
    { arbitrary: typedText(16).map((t) => escapeHtml(lt ? t : t.replace(/[<&]/g, ""))), weight: 5 },
    { arbitrary: fc.constantFrom("&nbsp;", "&eacute;", "&#8364;", "&#x1F600;", "&quot;", "&apos;", "&gt;"), weight: 1 },
    ...(lt ? [{ arbitrary: fc.constantFrom("&amp;lt;", "&lt;b&gt;", "&#60;", "&#x3C;script&#x3E;"), weight: 1 }] : []),
  );

const attrs = fc.array(fc.constantFrom(...ATTRS), { maxLength: 2 }).map((a) => a.join(""));

function htmlTree(lt: boolean, extra: fc.Arbitrary<Html> | undefined): fc.Arbitrary<Html> {
  return fc.letrec<{ node: Html; nodes: Html }>((tie) => ({
    nodes: fc.array(tie("node"), { maxLength: 4 }).map((n) => n.join("")),
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      { arbitrary: htmlText(lt), weight: 4 },
      { arbitrary: fc.constant("<br>"), weight: 1 },
      { arbitrary: fc.constant("<br/>"), weight: 1 },
      {
        arbitrary: fc
          .tuple(fc.constantFrom(...INLINE_TAGS, ...BLOCK_TAGS), attrs, tie("nodes"))
          .map(([tag, a, inner]) => `<${tag}${a}>${inner}</${tag}>`),
        weight: 3,
      },
      {
        arbitrary: fc
          .tuple(fc.constantFrom("ul", "ol"), fc.option(fc.integer({ min: -3, max: 99 })), fc.array(tie("nodes")))
          .map(
            ([tag, start, items]) =>
              `<${tag}${start === null ? "" : ` start="${start}"`}>${items.map((i) => `<li>${i}</li>`).join("")}</${tag}>`,
          ),
        weight: 1,
      },
      {
        arbitrary: fc
          .tuple(
            fc.oneof(
              (lt ? url : url.map((u) => u.replace(/&/g, ""))).map(escapeHtml),
              fc.constant("https://matrix.to/#/@anna:achim.de"),
              fc.constant(""),
              fc.constantFrom("mailto:presse@achim.de", "tel:+495111234"),
            ),
            tie("nodes"),
          )
          .map(([href, inner]) => `<a href="${href}">${inner}</a>`),
        weight: 1,
      },
      {
        arbitrary: htmlText(lt).map((alt) => `<img src="mxc://achim.de/x" alt="${alt}">`),
        weight: 1,
      },
      ...(extra ? [{ arbitrary: extra, weight: 1 }] : []),
    ),
  })).nodes;
}

/** A marker that generated text never contains, so it can only show up if the reply fallback leaked. */
const REPLY_MARK = "\u2603REPLY\u2603";
const SCRIPT_MARK = "\u2604SCRIPT\u2604";

const replyFallback = htmlTree(true, undefined).map(
  (inner) =>
    `<mx-reply><blockquote><a href="https://matrix.to/#/!r:x/$e">${REPLY_MARK}</a>${inner}</blockquote></mx-reply>`,
);
const scriptOrStyle = fc
  .tuple(fc.constantFrom("script", "style", "SCRIPT", "Style"), fc.constantFrom("", ' type="text/javascript"'))
  .map(([tag, a]) => `<${tag}${a}>${SCRIPT_MARK} alert(1)</${tag}>`);

/** Half tags, stray brackets, comments and unknown elements in any order. */
const brokenHtml = fc
  .array(
    fc.oneof(
      nastyText(6),
      fc.constantFrom(
        "<",
        ">",
        "</",
        "<b>",
        "</b>",
        "<i",
        "</i>",
        "<a href='",
        "<a href=https://x.de>",
        "</a>",
        "<p>",
        "</p",
        "<br",
        "<br/>",
        "<li>",
        "<ul>",
        "</ol>",
        "<blockquote>",
        "<mx-reply>",
        "</mx-reply>",
        "<pre>",
        "<code>",
        "<!--",
        "-->",
        "<!DOCTYPE html>",
        "<?xml?>",
        "<![CDATA[",
        "]]>",
        "&",
        "&lt",
        "&#",
        "&#x;",
        '"',
        "'",
        "=",
        "<x-y z=1>",
        "<svg><b>",
      ),
    ),
    { maxLength: 14 },
  )
  .map((parts) => parts.join(""));

describe("matrixHtmlToWhatsApp: generated Matrix HTML", () => {
  it("never throws on broken HTML or arbitrary text", () => {
    fc.assert(
      fc.property(fc.oneof(brokenHtml, nastyText(60)), (html) => {
        const read = matrixHtmlToWhatsApp(html);
        if (read.ok) expect(typeof read.value).toBe("string");
        else expect(LINK_ERRORS).toContain(read.error.code);
      }),
      { numRuns: RUNS },
    );
  });

  it("leaves no tag and no `<` in the output when the text itself has none", () => {
    fc.assert(
      fc.property(htmlTree(false, undefined), (html) => {
        const out = accepted(matrixHtmlToWhatsApp(html));
        expect(out).not.toContain("<");
        expect(out).not.toContain("&");
      }),
      { numRuns: RUNS },
    );
  });

  it("shows at most the `<` characters the text itself carries (escaped as &lt; or &#60;)", () => {
    fc.assert(
      fc.property(htmlTree(true, undefined), (html) => {
        const out = accepted(matrixHtmlToWhatsApp(html));
        const textual = count(html, "&lt;") + count(html, "&#60;") + count(html, "&#x3C;");
        expect(count(out, "<")).toBeLessThanOrEqual(textual);
      }),
      { numRuns: RUNS },
    );
  });

  it("drops the reply fallback: `<mx-reply>` content never appears", () => {
    fc.assert(
      fc.property(replyFallback, htmlTree(true, undefined), (reply, body) => {
        expect(accepted(matrixHtmlToWhatsApp(reply + body))).not.toContain(REPLY_MARK);
      }),
      { numRuns: RUNS },
    );
  });

  it("drops `<mx-reply>` wherever it sits in formatting (outside code and pre)", () => {
    const nested = htmlTree(true, replyFallback).filter((h) => !/<(code|pre)\b/.test(h));
    fc.assert(
      fc.property(nested, (html) => {
        expect(accepted(matrixHtmlToWhatsApp(html))).not.toContain(REPLY_MARK);
      }),
      { numRuns: RUNS },
    );
  });

  it("without script or style, a well-formed body keeps every word of its text", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9äöüß]{1,12}$/), htmlTree(false, undefined), (word, html) => {
        expect(accepted(matrixHtmlToWhatsApp(`<p>${html}<b>${word}</b></p>`))).toContain(`*${word}*`);
      }),
      { numRuns: RUNS },
    );
  });

  // Found by this property: a public announcement shows only what the sender's client rendered, and Matrix
  // clients never render script or style content, e.g. "<script>alert(1)</script>Hallo" is "Hallo".
  it("script and style content never reaches the announcement", () => {
    fc.assert(
      fc.property(htmlTree(false, scriptOrStyle), (html) => {
        expect(accepted(matrixHtmlToWhatsApp(html))).not.toContain(SCRIPT_MARK);
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Escaping for Slack and Matrix
// ---------------------------------------------------------------------------------------------------------------

const unescapeSlack = (s: string) =>
  s.replace(/&(amp|lt|gt);/g, (_m, e: string) => ({ amp: "&", lt: "<", gt: ">" })[e] ?? "");
const unescapeHtml = (s: string) =>
  s.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_m, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e] ?? "",
  );

/** Text with the markup textToHtml reads: WhatsApp marks, code spans and fences. */
const markedText = fc
  .array(
    fc.oneof(
      { arbitrary: typedText(8), weight: 3 },
      { arbitrary: fc.constantFrom("*", "_", "~", "`", "```", "```\n", "\n```", "(", ")", ".", " ", "\n"), weight: 3 },
      { arbitrary: typedText(6).map((t) => `*${t}*`), weight: 1 },
      { arbitrary: typedText(6).map((t) => `\`${t}\``), weight: 1 },
    ),
    { maxLength: 10 },
  )
  .map((p) => p.join(""));

const ALLOWED_TAG = /<\/?(b|i|del|code|pre)>|<br>/g;

/** The allowed tags of `html` in order, as a stack machine sees them: true when every tag closes what it opened. */
function properlyNested(html: string): boolean {
  const open: string[] = [];
  for (const [, close, tag] of html.matchAll(/<(\/?)(b|i|del|code|pre)>/g)) {
    if (!close) open.push(tag ?? "");
    else if (open.pop() !== tag) return false;
  }
  return open.length === 0;
}

describe("escaping for Slack and Matrix", () => {
  it("escapeSlack: no raw < or >, every & starts one of its entities, and unescaping gives the input back", () => {
    fc.assert(
      fc.property(fc.oneof(typedText(60), nastyText(60)), (text) => {
        const out = escapeSlack(text);
        expect(out).not.toMatch(/[<>]/);
        expect(out.replace(/&(amp|lt|gt);/g, "")).not.toContain("&");
        expect(unescapeSlack(out)).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it("escapeHtml: no raw < > \" ', every & starts one of its entities, and unescaping gives the input back", () => {
    fc.assert(
      fc.property(fc.oneof(typedText(60), nastyText(60)), (text) => {
        const out = escapeHtml(text);
        expect(out).not.toMatch(/[<>"']/);
        expect(out.replace(/&(amp|lt|gt|quot|#39);/g, "")).not.toContain("&");
        expect(unescapeHtml(out)).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it("textToHtml: only b, i, del, code, pre and br appear; everything else is escaped text", () => {
    fc.assert(
      fc.property(fc.oneof(markedText, nastyText(60)), (text) => {
        const html = textToHtml(text);
        const bare = html.replace(ALLOWED_TAG, "");
        expect(bare).not.toMatch(/[<>]/);
        expect(bare.replace(/&(amp|lt|gt|quot|#39);/g, "")).not.toContain("&");
        // Taking the tags out and unescaping leaves the typed text minus its markup characters.
        const letters = (s: string) => s.replace(/[*_~`\n]/g, "");
        expect(letters(unescapeHtml(bare))).toBe(letters(text));
      }),
      { numRuns: RUNS },
    );
  });

  it("textToHtml: every tag it opens, it closes", () => {
    fc.assert(
      fc.property(fc.oneof(markedText, nastyText(60)), (text) => {
        const html = textToHtml(text);
        for (const tag of ["b", "i", "del", "code", "pre"]) {
          expect(count(html, `<${tag}>`)).toBe(count(html, `</${tag}>`));
        }
      }),
      { numRuns: RUNS },
    );
  });

  // Found by this property: marks crossed <code> boundaries, e.g. "*a `b* c`" gave "<b>a <code>b</b> c</code>".
  it("textToHtml nests its tags properly", () => {
    const denseMarks = fc.string({
      unit: fc.constantFrom("*", "_", "~", "`", "```", " ", "a", "b", "\n"),
      maxLength: 14,
    });
    fc.assert(
      fc.property(fc.oneof(denseMarks, markedText), (text) => {
        expect(properlyNested(textToHtml(text))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// WhatsApp rendering and content validation
// ---------------------------------------------------------------------------------------------------------------

/** Lengths around the limits, so the boundaries are actually reached. */
const sizedText = (limit: number) =>
  fc.oneof(
    { arbitrary: nastyText(40), weight: 3 },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom("a", "ß", "👍🏽", "\uD800", "e\u0301", "\u200F", " ", "\n"),
          fc.integer({ min: 0, max: 12 }),
        )
        .map(([unit, delta]) => unit.repeat(Math.max(0, Math.ceil((limit - 6 + delta) / codePoints(unit))))),
      weight: 2,
    },
  );

const media: fc.Arbitrary<MediaItem> = fc
  .record({
    name: nastyText(10),
    mimeType: fc.constantFrom("image/jpeg", "video/mp4", "image/png", "application/pdf", ""),
    bytes: fc.oneof(
      fc.integer({ min: 0, max: 20 * 1024 * 1024 }),
      fc.constantFrom(LIMITS.imageBytes, LIMITS.imageBytes + 1, LIMITS.videoBytes, LIMITS.videoBytes + 1),
    ),
    sha256: fc.constant("b".repeat(64)),
    altText: fc.option(sizedText(LIMITS.caption), { nil: undefined }),
  })
  .map(({ altText, ...m }) => (altText === undefined ? m : { ...m, altText }));

const content: fc.Arbitrary<Content> = fc
  .record({
    text: fc.oneof(sizedText(LIMITS.text), sizedText(LIMITS.caption)),
    media: fc.array(media, { maxLength: 2 }),
    poll: fc.option(
      fc.record({
        question: sizedText(LIMITS.pollQuestion),
        options: fc.array(fc.oneof(sizedText(LIMITS.pollOption), fc.constantFrom("Ja", "ja ", "Nein", "")), {
          maxLength: 14,
        }),
        multipleChoice: fc.boolean(),
      }),
      { nil: undefined },
    ),
  })
  .map(({ poll, ...c }) => (poll === undefined ? c : { ...c, poll }));

describe("WhatsApp rendering and content limits: arbitrary unicode", () => {
  it("normaliseText, postText and renderForWhatsApp never throw, lone surrogates and bidi marks included", () => {
    fc.assert(
      fc.property(content, (c) => {
        const text = normaliseText(c.text);
        expect(typeof text).toBe("string");
        expect(text).toBe(text.trim());
        const r = renderForWhatsApp({ ...c, text });
        expect(r.text).toBe(postText({ ...c, text }));
        expect(r.media).toHaveLength(c.media.length);
        if (c.poll) expect(r.poll).toEqual(c.poll);
      }),
      { numRuns: RUNS },
    );
  });

  it("validateContent never throws, and what it accepts stays within the documented limits", () => {
    fc.assert(
      fc.property(content, fc.boolean(), (c, normalise) => {
        const candidate = normalise ? { ...c, text: normaliseText(c.text) } : c;
        const result = validateContent(candidate);
        if (!result.ok) {
          expect(ERROR_CODES).toContain(result.error.code);
          return;
        }
        checkContentLimits(result.value);
        expect(result.value.text || result.value.poll || result.value.media.length).toBeTruthy();
        expect(result.value.text).not.toMatch(/\bhttp:\/\/\S/i);
        for (const m of result.value.media) {
          expect(["image/jpeg", "video/mp4"]).toContain(m.mimeType);
          expect(m.bytes).toBeLessThanOrEqual(m.mimeType === "image/jpeg" ? LIMITS.imageBytes : LIMITS.videoBytes);
        }
        if (result.value.poll) {
          const keys = result.value.poll.options.map((o) => o.trim().toLocaleLowerCase("de"));
          expect(new Set(keys).size).toBe(keys.length);
          expect(keys).not.toContain("");
        }
      }),
      { numRuns: RUNS },
    );
  });
});
