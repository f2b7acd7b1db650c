import {
  parseAnnouncementId,
  type AnnouncementId,
  type Content,
  type MediaItem,
} from "../src/announcement/announcement.ts";
import { fail, ok, type DomainError, type Result } from "../src/errors.ts";
import type { Announcement } from "../src/announcement/announcement.ts";
import type { OutletChoice } from "../src/announcement/outlets.ts";
import { approvalProgress, displayName, type Policy } from "../src/policy/policy.ts";
import { inRepeatedHour } from "../src/time/zoned.ts";
import { parseWhen } from "./dates.ts";
import { isOpenIncident } from "../src/incidents/incidents.ts";
import { renderTemplate, templateHash, type Template } from "../src/templates/templates.ts";
import { takeFlags, words, type FlagSpec } from "./grammar.ts";
import { helpText } from "./help.ts";
import type { CommandOutcome } from "./input.ts";
import { engineReportText, errorText, joinLocalized, L, outletPlace, type Localized } from "./messages.ts";
import { outletProblemText } from "./notices.ts";
import type { CommandContext } from "./registry.ts";
import {
  hintsBlock,
  historyText,
  listText,
  previewHints,
  recentHistoryText,
  statusText,
  timeLines,
  whatsappBlock,
  outletsPreview,
  outletsLine,
  when,
} from "./render.ts";

export const failed = (error: DomainError): CommandOutcome => ({
  kind: "error",
  code: error.code,
  message: errorText(error),
});

const reply = (message: Localized, announcement?: Announcement): CommandOutcome =>
  announcement ? { kind: "reply", message, announcement } : { kind: "reply", message };

export const DRAFT_FLAGS = {
  category: { takesValue: true },
  at: { takesValue: true },
  urgent: { takesValue: false },
  handoff: { takesValue: false },
  now: { takesValue: false },
  expires: { takesValue: true },
  template: { takesValue: true },
  /** The description of the attached picture or video (its text alternative, shown in the caption). */
  alt: { takesValue: true },
  /** Draft a picture or video without a description on purpose. */
  "no-description": { takesValue: false },
  /** Only these outlets, e.g. `--to mastodon,telegram`. */
  to: { takesValue: true },
  /** Not these outlets, e.g. `--not whatsapp`. */
  not: { takesValue: true },
} as const satisfies Record<string, FlagSpec>;

const POLL_FLAGS = { ...DRAFT_FLAGS, multiple: { takesValue: false } } as const satisfies Record<string, FlagSpec>;

interface DraftOptions {
  category?: string;
  /** Confirmed: pictures and videos without a description may go out. */
  withoutDescription?: boolean;
  publishAt?: Date;
  urgent: boolean;
  handoff: boolean;
  breakGlass: boolean;
  template?: { name: string; hash: string };
  expiresAt?: Date;
  outlets?: OutletChoice;
}

/** What was typed and the local time it means. */
const pastParams = (ctx: CommandContext, typed: string, at: Date) => ({
  value: typed.trim(),
  at: at.toISOString(),
  timeZone: ctx.policy.timezone,
});

function draftOptions(ctx: CommandContext, values: Map<string, string | true>): Result<DraftOptions> {
  const options: DraftOptions = {
    ...(values.get("no-description") === true ? { withoutDescription: true } : {}),
    urgent: values.get("urgent") === true,
    handoff: values.get("handoff") === true,
    breakGlass: values.get("now") === true,
  };
  const category = values.get("category");
  if (typeof category === "string") options.category = category.toLowerCase();
  const to = values.get("to");
  const not = values.get("not");
  if (typeof to === "string" || typeof not === "string") {
    options.outlets = {
      ...(typeof to === "string" ? { to: outletList(to) } : {}),
      ...(typeof not === "string" ? { not: outletList(not) } : {}),
    };
  }
  const at = values.get("at");
  if (typeof at === "string") {
    const when = parseWhen(at, ctx.clock.now(), ctx.policy.timezone);
    if (!when.ok) return when;
    if (when.value.getTime() <= ctx.clock.now().getTime()) return fail("DATE_IN_PAST", pastParams(ctx, at, when.value));
    options.publishAt = when.value;
  }
  const expires = values.get("expires");
  if (typeof expires === "string") {
    const until = parseWhen(expires, ctx.clock.now(), ctx.policy.timezone);
    if (!until.ok) return until;
    if (until.value.getTime() <= ctx.clock.now().getTime())
      return fail("DATE_IN_PAST", pastParams(ctx, expires, until.value));
    options.expiresAt = until.value;
  }
  return ok(options);
}

/** `mastodon,telegram` or `mastodon telegram`, as outlet names. */
const outletList = (typed: string): string[] =>
  typed
    .split(/[\s,;]+/)
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");

/** The attachments, with `--alt` as the description of those that have none. */
function described(ctx: CommandContext, values: Map<string, string | true>): MediaItem[] {
  const alt = values.get("alt");
  const media = ctx.input.attachments ?? [];
  return typeof alt === "string" && alt.trim()
    ? media.map((m) => (m.altText ? m : { ...m, altText: alt.trim() }))
    : media;
}

/** `typed`: the draft's text is the command's own text (not a template's or a poll's), so editing it edits the draft. */
async function submitDraft(
  ctx: CommandContext,
  content: Content,
  options: DraftOptions,
  typed = false,
): Promise<CommandOutcome> {
  const result = await ctx.service.draft(ctx.person.id, { content, ...options, origin: ctx.input.origin });
  if (!result.ok) return failed(result.error);
  const a = result.value;
  return {
    kind: "reply",
    message: joinLocalized([
      draftedLine(a),
      whatsappBlock(a),
      ...outletsPreview(a, ctx.service.outlets),
      ...outletsLine(a),
      ...timeLines(ctx.policy, a),
      ...repeatedHourNote(ctx.policy, options),
      ...hintsBlock(previewHints(ctx.policy, a)),
    ]),
    announcement: a,
    effect: { kind: "drafted", id: a.id, ...(typed ? { typed } : {}) },
  };
}

/** What happens next to a new draft: approval, or (break-glass at night) publication without waiting. */
function draftedLine(a: Announcement): Localized {
  if (a.state === "pending") {
    return L(
      `${a.id} ist angelegt und wartet auf Freigabe. So wird es aussehen:`,
      `${a.id} is drafted and awaits approval. This is how it will look:`,
    );
  }
  return a.state === "scheduled"
    ? L(
        `${a.id} ist angelegt und geht ohne Freigabe zur angegebenen Zeit raus; die Leitung prüft es am nächsten Arbeitstag. So wird es aussehen:`,
        `${a.id} is drafted and goes out at the given time without approval; a department head reviews it on the next working day. This is how it will look:`,
      )
    : L(
        `${a.id} geht jetzt ohne Freigabe raus; die Leitung prüft es am nächsten Arbeitstag. So wird es aussehen:`,
        `${a.id} is going out now without approval; a department head reviews it on the next working day. This is how it will look:`,
      );
}

/** A time typed in the hour the clocks show twice means the first; the reply says so. */
function repeatedHourNote(policy: Policy, options: DraftOptions): Localized[] {
  const typed = [options.publishAt, options.expiresAt].filter((t) => t !== undefined);
  return typed.some((t) => inRepeatedHour(t, policy.timezone))
    ? [
        L(
          "Diese Uhrzeit gibt es am Tag der Zeitumstellung zweimal; es gilt die erste (vor dem Zurückstellen).",
          "That time occurs twice on the day the clocks go back; the first one counts (before they go back).",
        ),
      ]
    : [];
}

export async function announce(ctx: CommandContext): Promise<CommandOutcome> {
  const flags = takeFlags(ctx.rest, DRAFT_FLAGS);
  if (!flags.ok) return failed(flags.error);
  const options = draftOptions(ctx, flags.value.values);
  if (!options.ok) return failed(options.error);
  const templateName = flags.value.values.get("template");
  if (typeof templateName === "string") {
    const filled = fillTemplate(ctx, templateName.toLowerCase(), flags.value.rest);
    if (!filled.ok) return failed(filled.error);
    const { text, template } = filled.value;
    const category = options.value.category ?? template.category;
    return submitDraft(
      ctx,
      { text, media: described(ctx, flags.value.values) },
      { ...options.value, category, template: { name: template.name, hash: templateHash(template) } },
    );
  }
  const text = literalBody(ctx) ?? flags.value.rest;
  return submitDraft(ctx, { text, media: described(ctx, flags.value.values) }, options.value, true);
}

const literalBody = (ctx: CommandContext): string | undefined =>
  ctx.input.kind === "text" ? ctx.input.body : undefined;

const ASSIGNMENT = /([a-z][a-z0-9_]*)=(?:"([^"]*)"|„([^“”]*)[“”]|'([^']*)'|(\S+))/gi;

/** `street="Obernstraße" until="18 Uhr"` into the template's gaps; anything else is refused. */
function fillTemplate(ctx: CommandContext, name: string, rest: string): Result<{ text: string; template: Template }> {
  const template = ctx.policy.templates.get(name);
  if (!template) {
    return fail("UNKNOWN_TEMPLATE", { template: name, known: [...ctx.policy.templates.keys()].join(", ") });
  }
  const values: Record<string, string> = {};
  const leftover = rest
    .replace(ASSIGNMENT, (_m, key: string, ...quoted: (string | undefined)[]) => {
      values[key.toLowerCase()] = quoted.slice(0, 4).find((v) => v !== undefined) ?? "";
      return " ";
    })
    .trim();
  if (leftover) {
    return fail("UNEXPECTED_ARGUMENTS", { extra: leftover, usage: `announce --template ${name} name="Wert" …` });
  }
  const text = renderTemplate(template, values);
  return text.ok ? ok({ text: text.value, template }) : text;
}

/** `update A-0042 <text>` and `allclear A-0042 <text>`: linked follow-ups of a published alert. */
async function followUp(ctx: CommandContext, kind: "update" | "cancel", usage: string): Promise<CommandOutcome> {
  const target = takeTarget(ctx.rest, usage, false);
  if (!target.ok) return failed(target.error);
  const flags = takeFlags(target.value.rest, DRAFT_FLAGS);
  if (!flags.ok) return failed(flags.error);
  const options = draftOptions(ctx, flags.value.values);
  if (!options.ok) return failed(options.error);
  // A follow-up keeps its alert's category; the service sets it.
  const content = { text: flags.value.rest, media: described(ctx, flags.value.values) };
  const result = await ctx.service.draft(ctx.person.id, {
    content,
    ...options.value,
    followUp: { root: target.value.id, kind },
    origin: ctx.input.origin,
  });
  if (!result.ok) return failed(result.error);
  const a = result.value;
  const what = kind === "cancel" ? L("Entwarnung", "all-clear") : L("Update", "update");
  const state =
    a.state === "pending"
      ? L("wartet auf Freigabe", "awaits approval")
      : L("wird veröffentlicht", "is being published");
  return reply(
    joinLocalized([
      L(
        `${what.de} ${a.id} zu ${target.value.id} ${state.de}. So wird es aussehen:`,
        `${what.en} ${a.id} to ${target.value.id} ${state.en}. This is how it will look:`,
      ),
      whatsappBlock(a),
      ...outletsPreview(a, ctx.service.outlets),
      ...outletsLine(a),
    ]),
    a,
  );
}

// Function declarations, not consts: the command table reads them while this module may still be loading.
export function update(ctx: CommandContext): Promise<CommandOutcome> {
  return followUp(ctx, "update", "update A-0042 <Text>");
}

export function allclear(ctx: CommandContext): Promise<CommandOutcome> {
  return followUp(ctx, "cancel", "allclear A-0042 <Text>");
}

async function switchMode(ctx: CommandContext, mode: "crisis" | "exercise"): Promise<CommandOutcome> {
  const [verb = "status", ...extra] = words(ctx.rest);
  const usage = `${mode} on | ${mode} off | ${mode} status`;
  const v = verb.toLowerCase();
  if (extra.length > 0 || !["on", "off", "status", "an", "aus"].includes(v)) {
    return failed({ code: "UNEXPECTED_ARGUMENTS", params: { extra: ctx.rest.trim(), usage } });
  }
  const name = mode === "crisis" ? L("Krisenmodus", "Crisis mode") : L("Übungsmodus", "Exercise mode");
  if (v === "status") {
    const on = await ctx.service.mode(mode);
    return reply(
      on
        ? L(
            `${name.de} ist AN (seit ${when(ctx.policy, on.at).de}, ${displayName(ctx.policy, on.by)}).`,
            `${name.en} is ON (since ${when(ctx.policy, on.at).en}, ${displayName(ctx.policy, on.by)}).`,
          )
        : L(`${name.de} ist aus.`, `${name.en} is off.`),
    );
  }
  const result = await ctx.service.setMode(ctx.person.id, mode, v === "on" || v === "an");
  if (!result.ok) return failed(result.error);
  return reply(
    result.value.on ? L(`${name.de} ist AN.`, `${name.en} is ON.`) : L(`${name.de} ist aus.`, `${name.en} is off.`),
  );
}

export function crisis(ctx: CommandContext): Promise<CommandOutcome> {
  return switchMode(ctx, "crisis");
}

export function exercise(ctx: CommandContext): Promise<CommandOutcome> {
  return switchMode(ctx, "exercise");
}

export async function template(ctx: CommandContext): Promise<CommandOutcome> {
  const [verb = "list", name, ...extra] = words(ctx.rest);
  const usage = "template list | template show <Name> | template approve <Name>";
  if (extra.length > 0) return failed({ code: "UNEXPECTED_ARGUMENTS", params: { extra: extra.join(" "), usage } });
  const all = await ctx.service.templates();
  if (verb === "list") {
    if (all.length === 0) return reply(L("Es sind keine Vorlagen eingerichtet.", "No templates are set up."));
    return reply(
      joinLocalized([
        L("Vorlagen:", "Templates:"),
        ...all.map(({ template: t, approved, approval }) => {
          const state = approved
            ? L("freigegeben", "approved")
            : approval
              ? L("geändert – wartet auf Freigabe", "changed – awaits approval")
              : L("noch nicht freigegeben", "not approved yet");
          const vars = Object.keys(t.variables).join(", ");
          return L(
            `• ${t.name} (${t.category}; ${vars}) – ${state.de}`,
            `• ${t.name} (${t.category}; ${vars}) – ${state.en}`,
          );
        }),
      ]),
    );
  }
  const entry = all.find((x) => x.template.name === name?.toLowerCase());
  if (!entry) {
    return failed({
      code: "UNKNOWN_TEMPLATE",
      params: { template: name ?? "", known: all.map((x) => x.template.name).join(", ") },
    });
  }
  if (verb === "show") {
    const t = entry.template;
    const vars = Object.entries(t.variables).map(([v, rule]) => {
      const extra = `${rule.type}, max. ${rule.max}${rule.default ? `, "${rule.default}"` : ""}${rule.hint ? ` – ${rule.hint}` : ""}`;
      return L(`  ${v}: ${extra}`, `  ${v}: ${extra}`);
    });
    const approval = entry.approval
      ? L(
          `freigegeben von ${entry.approval.by}${entry.approved ? "" : " (ältere Fassung)"}`,
          `approved by ${entry.approval.by}${entry.approved ? "" : " (an older text)"}`,
        )
      : L("noch nie freigegeben", "never approved");
    return reply(
      joinLocalized([
        L(`Vorlage ${t.name} · ${t.category} · ${approval.de}`, `Template ${t.name} · ${t.category} · ${approval.en}`),
        L(t.text, t.text),
        L("Angaben:", "Fields:"),
        ...vars,
        L(
          `\`announce --template ${t.name} ${Object.keys(t.variables)
            .map((v) => `${v}="…"`)
            .join(" ")}\``,
          `\`announce --template ${t.name} ${Object.keys(t.variables)
            .map((v) => `${v}="…"`)
            .join(" ")}\``,
        ),
      ]),
    );
  }
  if (verb === "approve") {
    const approved = await ctx.service.approveTemplate(ctx.person.id, entry.template.name);
    if (!approved.ok) return failed(approved.error);
    return reply(
      L(
        `Vorlage ${entry.template.name} ist freigegeben; die Bereitschaft darf sie nachts sofort veröffentlichen.`,
        `Template ${entry.template.name} is approved; staff on duty may publish it at once at night.`,
      ),
    );
  }
  return failed({ code: "UNKNOWN_COMMAND", params: { command: `template ${verb}` } });
}

export async function poll(ctx: CommandContext): Promise<CommandOutcome> {
  const flags = takeFlags(ctx.rest, POLL_FLAGS);
  if (!flags.ok) return failed(flags.error);
  const options = draftOptions(ctx, flags.value.values);
  if (!options.ok) return failed(options.error);
  const [question = "", ...answers] = words(flags.value.rest);
  const content: Content = {
    text: "",
    poll: {
      question: question.trim(),
      options: answers.map((o) => o.trim()),
      multipleChoice: flags.value.values.get("multiple") === true,
    },
    media: ctx.input.attachments ?? [],
  };
  return submitDraft(ctx, content, options.value);
}

interface Target {
  id: AnnouncementId;
  version?: number;
  rest: string;
}

/** Reads `A-0042 [v2] rest…`. */
function takeTarget(rest: string, usage: string, withVersion: boolean): Result<Target> {
  const trimmed = rest.trim();
  const idWord = /^\S+/.exec(trimmed)?.[0];
  if (!idWord) return fail("MISSING_ID", { usage });
  const id = parseAnnouncementId(idWord);
  if (!id) return fail("INVALID_ID", { value: idWord });
  let remaining = trimmed.slice(idWord.length).trim();
  const target: Target = { id, rest: remaining };
  const version = withVersion ? /^v(\d+)(?=\s|$)/i.exec(remaining) : null;
  if (version?.[1]) {
    target.version = Number(version[1]);
    remaining = remaining.slice(version[0].length).trim();
    target.rest = remaining;
  }
  return ok(target);
}

/** Reads `A-0042 [v2]` and nothing after it. */
function takeOnlyTarget(rest: string, usage: string, withVersion: boolean): Result<Target> {
  const target = takeTarget(rest, usage, withVersion);
  if (target.ok && target.value.rest) return fail("UNEXPECTED_ARGUMENTS", { extra: target.value.rest, usage });
  return target;
}

/** The one announcement `A-0042` names, for commands that only read it. */
async function loadOne(ctx: CommandContext, usage: string): Promise<Result<Announcement>> {
  const target = takeOnlyTarget(ctx.rest, usage, false);
  if (!target.ok) return target;
  const a = await ctx.service.get(target.value.id);
  return a ? ok(a) : fail("NOT_FOUND", { id: target.value.id });
}

export async function status(ctx: CommandContext): Promise<CommandOutcome> {
  const a = await loadOne(ctx, "status A-0042");
  if (!a.ok) return failed(a.error);
  const due = a.value.publishAt !== undefined && Date.parse(a.value.publishAt) <= ctx.clock.now().getTime();
  const held = a.value.state === "scheduled" && due && (await ctx.service.holds(a.value));
  return reply(statusText(ctx.policy, a.value, held), a.value);
}

export async function list(ctx: CommandContext): Promise<CommandOutcome> {
  if (ctx.rest.trim())
    return failed({ code: "UNEXPECTED_ARGUMENTS", params: { extra: ctx.rest.trim(), usage: "list" } });
  const all = await ctx.service.listOpen();
  const incidents = all.filter(isOpenIncident);
  return reply(
    listText(
      ctx.policy,
      all.filter((a) => !isOpenIncident(a)),
      incidents,
    ),
  );
}

export async function history(ctx: CommandContext): Promise<CommandOutcome> {
  if (!ctx.rest.trim()) return reply(recentHistoryText(ctx.policy, await ctx.service.recent(10), 30));
  const a = await loadOne(ctx, "history A-0042");
  return a.ok ? reply(historyText(ctx.policy, a.value), a.value) : failed(a.error);
}

export async function edit(ctx: CommandContext): Promise<CommandOutcome> {
  const target = takeTarget(ctx.rest, "edit A-0042 <Text>", false);
  if (!target.ok) return failed(target.error);
  const body = literalBody(ctx);
  const flags = takeFlags(body === undefined ? target.value.rest : "", {});
  if (!flags.ok) return failed(flags.error);
  const result = await ctx.service.edit(ctx.person.id, target.value.id, {
    text: body ?? flags.value.rest,
    media: ctx.input.attachments ?? [],
  });
  if (!result.ok) return failed(result.error);
  const a = result.value;
  return {
    ...editedReply(a),
    message: joinLocalized([
      editedText(a),
      whatsappBlock(a),
      ...outletsPreview(a, ctx.service.outlets),
      ...hintsBlock(previewHints(ctx.policy, a)),
    ]),
  };
}

export const editedText = (a: Announcement): Localized =>
  L(
    `${a.id} ist jetzt Fassung ${a.versions.length}; frühere Freigaben gelten nicht mehr.`,
    `${a.id} is now version ${a.versions.length}; earlier approvals no longer count.`,
  );

export const editedReply = (a: Announcement): Extract<CommandOutcome, { kind: "reply" }> => ({
  kind: "reply",
  message: editedText(a),
  announcement: a,
  effect: { kind: "edited", id: a.id, version: a.versions.length },
});

export async function withdraw(ctx: CommandContext): Promise<CommandOutcome> {
  const target = takeTarget(ctx.rest, "withdraw A-0042 <Grund>", false);
  if (!target.ok) return failed(target.error);
  const result = await ctx.service.withdraw(ctx.person.id, target.value.id, target.value.rest);
  return result.ok ? withdrawnReply(result.value) : failed(result.error);
}

export const withdrawnReply = (a: Announcement): CommandOutcome => ({
  kind: "reply",
  message: L(`${a.id} ist zurückgezogen.`, `${a.id} is withdrawn.`),
  announcement: a,
  effect: { kind: "withdrawn", id: a.id },
});

export async function approve(ctx: CommandContext): Promise<CommandOutcome> {
  const checked = takeOnlyTarget(ctx.rest, "approve A-0042 [v2]", true);
  if (!checked.ok) return failed(checked.error);
  const { id, version } = checked.value;
  const result = await ctx.service.approve(ctx.person.id, id, {
    via: "command",
    ...(version === undefined ? {} : { version }),
  });
  return result.ok ? approvedReply(ctx.policy, result.value) : failed(result.error);
}

/** An approval counted: how many are still needed, for a chat to act on. */
export const approvedReply = (policy: Policy, a: Announcement): CommandOutcome => ({
  kind: "reply",
  message: approvedText(policy, a),
  announcement: a,
  effect: { kind: "approved", id: a.id, remaining: approvalProgress(policy, a).needed },
});

export function approvedText(policy: Policy, a: Announcement): Localized {
  if (a.state === "pending") {
    return L(
      `Ihre Freigabe für ${a.id} ist vermerkt; es fehlen noch weitere.`,
      `Your approval of ${a.id} is recorded; more are needed.`,
    );
  }
  if (a.state === "scheduled" && a.publishAt) {
    const at = when(policy, a.publishAt);
    return L(`${a.id} ist freigegeben und für ${at.de} eingeplant.`, `${a.id} is approved and scheduled for ${at.en}.`);
  }
  return L(`${a.id} ist freigegeben und wird veröffentlicht.`, `${a.id} is approved and being published.`);
}

export async function reject(ctx: CommandContext): Promise<CommandOutcome> {
  const target = takeTarget(ctx.rest, "reject A-0042 <Grund>", true);
  if (!target.ok) return failed(target.error);
  const { id, version, rest } = target.value;
  const result = await ctx.service.reject(ctx.person.id, id, rest, version === undefined ? {} : { version });
  return result.ok ? rejectedReply(result.value) : failed(result.error);
}

export const rejectedReply = (a: Announcement): CommandOutcome => ({
  kind: "reply",
  message: L(
    `${a.id} ist abgelehnt. Die Autorin oder der Autor erfährt den Grund.`,
    `${a.id} is rejected. The author is told the reason.`,
  ),
  announcement: a,
  effect: { kind: "rejected", id: a.id },
});

/** `posted A-0042 [telegram]`: the outlet is named where several wait for a person. */
export async function posted(ctx: CommandContext): Promise<CommandOutcome> {
  const usage = "posted A-0042 [Kanal]";
  const target = takeTarget(ctx.rest, usage, false);
  if (!target.ok) return failed(target.error);
  const words = target.value.rest.split(/\s+/).filter(Boolean);
  if (words.length > 1) return failed({ code: "UNEXPECTED_ARGUMENTS", params: { extra: target.value.rest, usage } });
  const outlet = words[0]?.toLowerCase();
  const result = await ctx.service.confirmHandoff(ctx.person.id, target.value.id, outlet);
  return result.ok ? postedReply(result.value) : failed(result.error);
}

/** Names where it was confirmed when the announcement goes to more than one outlet. */
export const postedReply = (a: Announcement): CommandOutcome => {
  const outlet = a.deliveries.length > 1 ? a.events.findLast((e) => e.event === "delivery_sent")?.outlet : undefined;
  const place = outlet ? outletPlace(outlet) : L("", "");
  return reply(
    L(
      `Danke – die Veröffentlichung von ${a.id}${place.de ? ` ${place.de}` : ""} ist vermerkt.`,
      `Thanks – the publication of ${a.id}${place.en ? ` ${place.en}` : ""} is recorded.`,
    ),
    a,
  );
};

export async function correct(ctx: CommandContext): Promise<CommandOutcome> {
  const target = takeTarget(ctx.rest, "correct A-0042 <Text>", false);
  if (!target.ok) return failed(target.error);
  const flags = takeFlags(target.value.rest, {});
  if (!flags.ok) return failed(flags.error);
  const result = await ctx.service.requestCorrection(ctx.person.id, target.value.id, {
    text: flags.value.rest,
    media: ctx.input.attachments ?? [],
  });
  if (!result.ok) return failed(result.error);
  const a = result.value;
  return reply(
    joinLocalized([
      L(
        `Die Korrektur von ${a.id} wartet auf Freigabe; danach wird der Beitrag im Kanal geändert. So wird er aussehen:`,
        `The correction of ${a.id} awaits approval; then the post is changed on the channel. This is how it will look:`,
      ),
      whatsappBlock(a),
    ]),
    a,
  );
}

export async function retract(ctx: CommandContext): Promise<CommandOutcome> {
  const target = takeTarget(ctx.rest, "retract A-0042 <Grund>", false);
  if (!target.ok) return failed(target.error);
  const result = await ctx.service.requestRetraction(ctx.person.id, target.value.id, target.value.rest);
  if (!result.ok) return failed(result.error);
  return reply(
    L(
      `Die Löschung von ${result.value.id} wartet auf Freigabe; danach wird der Beitrag überall gelöscht.`,
      `The retraction of ${result.value.id} awaits approval; then the post is deleted everywhere.`,
    ),
    result.value,
  );
}

const PHONE = /^\+?(\d{8,15})$/;

export async function whatsapp(ctx: CommandContext): Promise<CommandOutcome> {
  const [sub = "status", arg, ...extra] = words(ctx.rest);
  const usage = "whatsapp status | whatsapp pair <Telefonnummer> | whatsapp qr";
  if (extra.length > 0) return failed({ code: "UNEXPECTED_ARGUMENTS", params: { extra: extra.join(" "), usage } });
  const channel = ctx.channel;
  if (!channel) return failed({ code: "NO_GATEWAY" });
  const verb = sub.toLowerCase();
  if (verb === "status") {
    if (arg) return failed({ code: "UNEXPECTED_ARGUMENTS", params: { extra: arg, usage } });
    const status = await channel.status();
    const link =
      status.state === "ok"
        ? L(`WhatsApp (${channel.name}): verbunden.`, `WhatsApp (${channel.name}): connected.`)
        : L(
            `WhatsApp (${channel.name}): funktioniert nicht – ${outletProblemText(status.problem).de}.`,
            `WhatsApp (${channel.name}): not working – ${outletProblemText(status.problem).en}.`,
          );
    return reply(status.engine ? joinLocalized([link, engineReportText(status.engine)]) : link);
  }
  if (verb !== "pair" && verb !== "qr")
    return failed({ code: "UNKNOWN_COMMAND", params: { command: `whatsapp ${sub}` } });
  if (!ctx.policy.admins.has(ctx.person.id)) return failed({ code: "NOT_ADMIN" });
  if (verb === "pair") {
    const phone = PHONE.exec(arg ?? "")?.[1];
    if (!phone) return failed({ code: "INVALID_PHONE", params: { value: arg ?? "" } });
    const paired = await channel.pairingCode(phone);
    if (!paired.ok) return refusedPairing(ctx, paired.reason);
    const code = paired.kind === "code" ? paired.code : paired.value;
    return {
      kind: "reply",
      private: true,
      message: L(
        `Kopplungscode: ${code}\nAuf dem Admin-Telefon: WhatsApp → Verknüpfte Geräte → Gerät hinzufügen → „Stattdessen mit Telefonnummer verknüpfen“ → Code eingeben.`,
        `Pairing code: ${code}\nOn the admin phone: WhatsApp → Linked devices → Link a device → "Link with phone number instead" → enter the code.`,
      ),
    };
  }
  if (arg) return failed({ code: "UNEXPECTED_ARGUMENTS", params: { extra: arg, usage } });
  const qr = await channel.pairingQr();
  if (!qr.ok) return refusedPairing(ctx, qr.reason);
  return {
    kind: "reply",
    private: true,
    qr: qr.kind === "qr" ? qr.value : qr.code,
    message: L(
      "Mit dem Admin-Telefon scannen: WhatsApp → Verknüpfte Geräte → Gerät hinzufügen.",
      "Scan with the admin phone: WhatsApp → Linked devices → Link a device.",
    ),
  };
}

export async function review(ctx: CommandContext): Promise<CommandOutcome> {
  const usage = "review A-0042 ok | review A-0042 flag <Notiz>";
  const target = takeTarget(ctx.rest, usage, false);
  if (!target.ok) return failed(target.error);
  const [verdict = "", ...note] = target.value.rest.split(/\s+/);
  const v = verdict.toLowerCase();
  if (v !== "ok" && v !== "flag") {
    return failed({ code: "UNEXPECTED_ARGUMENTS", params: { extra: target.value.rest || "–", usage } });
  }
  const result = await ctx.service.review(ctx.person.id, target.value.id, v, note.join(" "));
  if (!result.ok) return failed(result.error);
  return reply(reviewedText(result.value.id, v), result.value);
}

export function reviewedText(id: string, verdict: "ok" | "flag"): Localized {
  return verdict === "ok"
    ? L(`${id} ist nachgeprüft.`, `${id} is reviewed.`)
    : L(`${id} ist beanstandet; die Autorin oder der Autor erfährt es.`, `${id} is flagged; the author is told.`);
}

export async function help(ctx: CommandContext): Promise<CommandOutcome> {
  return reply(helpText("", [...ctx.policy.categories.keys()], ctx.service.outlets));
}

/** The gateway's own words go to the log; the person reads what it means in their language. */
function refusedPairing(ctx: CommandContext, reason: string): CommandOutcome {
  ctx.log.warn({ reason }, "gateway refused pairing");
  return failed({ code: "GATEWAY_REFUSED" });
}
