import { displayName, type Policy } from "../src/policy/policy.ts";
import type { CardNews } from "../src/ports/warning-board.ts";
import { localTime, plainCapText, providerName } from "../src/warnings/relay-text.ts";
import { officialLink, parseWarningHandle, type Severity, type WarningRecord } from "../src/warnings/warning.ts";
import { words } from "./grammar.ts";
import { failed } from "./handlers.ts";
import type { CommandOutcome } from "./input.ts";
import { joinLocalized, L, type Localized } from "./messages.ts";
import type { CommandContext } from "./registry.ts";
import { when } from "./render.ts";

const SEVERITY_LABELS: Record<Severity, Localized> = {
  Minor: L("gering", "minor"),
  Moderate: L("mäßig", "moderate"),
  Severe: L("schwer", "severe"),
  Extreme: L("extrem", "extreme"),
};

export const severityLabel = (s: Severity | undefined): Localized =>
  s ? SEVERITY_LABELS[s] : L("unbekannt", "unknown");

const EXERCISE = L("🧪 ÜBUNG – ", "🧪 EXERCISE – ");

/** Whether the card waits for a person: the warning itself, or its update or all-clear. */
export const awaitsDecision = (r: WarningRecord): boolean =>
  r.offer !== undefined || (r.state === "offered" && !r.ended);

/** Where the warning stands, in a few words: for the card and for `warnings`. */
export function stateText(policy: Policy, r: WarningRecord): Localized {
  const who = (person: string, at: string) => {
    const t = when(policy, at);
    return L(`${displayName(policy, person)}, ${t.de}`, `${displayName(policy, person)}, ${t.en}`);
  };
  if (r.offer?.kind === "update") {
    return L(
      `Weitergegeben als ${r.relayed?.announcement ?? "–"}; neue Fassung (Version ${r.offer.version}): Update weitergeben?`,
      `Relayed as ${r.relayed?.announcement ?? "–"}; new version (${r.offer.version}): relay the update?`,
    );
  }
  if (r.offer?.kind === "cancel") {
    return L(
      `Weitergegeben als ${r.relayed?.announcement ?? "–"}; die Warnung ist beendet: Entwarnung weitergeben?`,
      `Relayed as ${r.relayed?.announcement ?? "–"}; the warning has ended: relay the all-clear?`,
    );
  }
  switch (r.state) {
    case "offered":
      return L("Angeboten: weitergeben oder ignorieren?", "Offered: relay or dismiss?");
    case "relayed": {
      const by = who(r.relayed?.by ?? "", r.relayed?.at ?? "");
      const follow = r.followUps.length ? ` (+ ${r.followUps.join(", ")})` : "";
      return L(
        `✅ Weitergegeben als ${r.relayed?.announcement ?? "–"}${follow} von ${by.de}${r.ended ? "; Warnung beendet" : ""}`,
        `✅ Relayed as ${r.relayed?.announcement ?? "–"}${follow} by ${by.en}${r.ended ? "; warning ended" : ""}`,
      );
    }
    case "dismissed": {
      const by = who(r.dismissed?.by ?? "", r.dismissed?.at ?? "");
      return L(`🚫 Ignoriert von ${by.de}`, `🚫 Dismissed by ${by.en}`);
    }
    case "below_threshold":
      return L("Unter der Schwelle: nicht angeboten", "Below the threshold: not offered");
    case "provider_filtered":
      return L("Absender nicht ausgewählt: nicht angeboten", "Sender not chosen: not offered");
    case "ended":
      return L("Beendet, bevor jemand entschieden hat", "Ended before anyone decided");
  }
}

/** The card's facts: what, from whom, how severe, valid when and where, the instructions and the link. */
export function warningFacts(policy: Policy, r: WarningRecord): Localized {
  const d = r.details;
  const severity = severityLabel(r.item.severity);
  const mark = r.exercise ? EXERCISE : L("", "");
  const from = localTime(d?.effective ?? r.item.sent, policy.timezone);
  const until = localTime(d?.expires, policy.timezone);
  const instruction = plainCapText(d?.instruction);
  const lines: Localized[] = [
    L(
      `${mark.de}⚠️ Amtliche Warnung ${r.handle} · ${providerName(r.item.provider)} · ${severity.de}`,
      `${mark.en}⚠️ Official warning ${r.handle} · ${providerName(r.item.provider)} · ${severity.en}`,
    ),
    L(`*${d?.headline || r.item.headline}*`, `*${d?.headline || r.item.headline}*`),
  ];
  if (from)
    lines.push(
      L(`Gültig: ab ${from}${until ? ` bis ${until}` : ""}`, `Valid: from ${from}${until ? ` to ${until}` : ""}`),
    );
  if (d?.area) lines.push(L(`Gebiet: ${d.area}`, `Area: ${d.area}`));
  if (d?.senderName) lines.push(L(`Absender: ${d.senderName}`, `Sender: ${d.senderName}`));
  if (instruction) lines.push(L(`Handlungsempfehlungen:\n${instruction}`, `Instructions:\n${instruction}`));
  lines.push(L(`Offizielle Meldung: ${officialLink(r.item.id)}`, `Official warning: ${officialLink(r.item.id)}`));
  return joinLocalized(lines);
}

/** The commands that act on an open card, for chats without buttons (`prefix`: `!announce ` in Matrix). */
export function warningCommands(r: WarningRecord, prefix: string): Localized {
  const what =
    r.offer?.kind === "cancel"
      ? L("Entwarnung weitergeben", "relay the all-clear")
      : r.offer?.kind === "update"
        ? L("Update weitergeben", "relay the update")
        : L("weitergeben", "relay");
  return L(
    `\`${prefix}relay ${r.handle}\` ${what.de} · \`${prefix}dismiss ${r.handle}\` ignorieren`,
    `\`${prefix}relay ${r.handle}\` ${what.en} · \`${prefix}dismiss ${r.handle}\` dismiss`,
  );
}

/** The whole card as text: facts, state and, while it waits for a person, the commands. */
export function warningCardText(policy: Policy, r: WarningRecord, prefix: string): Localized {
  return joinLocalized([
    warningFacts(policy, r),
    stateText(policy, r),
    ...(awaitsDecision(r) ? [warningCommands(r, prefix)] : []),
  ]);
}

/** One line saying what changed, for chats that post it as a new message. */
export function cardNewsText(policy: Policy, r: WarningRecord, news: CardNews, prefix: string): Localized {
  const head =
    news === "updated" || news === "update_offered"
      ? L(`🔄 ${r.handle} wurde vom Absender aktualisiert.`, `🔄 ${r.handle} was updated by its sender.`)
      : news === "allclear_offered" || news === "ended"
        ? L(`✅ ${r.handle} ist beendet.`, `✅ ${r.handle} has ended.`)
        : L(`${r.handle}:`, `${r.handle}:`);
  return joinLocalized([
    L(`${head.de} ${stateText(policy, r).de}`, `${head.en} ${stateText(policy, r).en}`),
    ...(awaitsDecision(r) ? [warningCommands(r, prefix)] : []),
  ]);
}

export const serviceChangedText = (state: "down" | "back"): Localized =>
  state === "down"
    ? L(
        "⚠️ Der Warndienst des Bundes (NINA) ist seit mehreren Abfragen nicht erreichbar; neue amtliche Warnungen kommen gerade nicht an. Bitte NINA oder warnung.bund.de direkt im Blick behalten.",
        "⚠️ The federal warning service (NINA) has not answered for several polls; new official warnings are not coming in. Please keep an eye on NINA or warnung.bund.de directly.",
      )
    : L(
        "✅ Der Warndienst des Bundes (NINA) antwortet wieder; amtliche Warnungen kommen wieder an.",
        "✅ The federal warning service (NINA) answers again; official warnings are coming in again.",
      );

function handleArgument(ctx: CommandContext, usage: string) {
  const [raw, ...extra] = words(ctx.rest);
  if (!raw) return { error: failed({ code: "MISSING_ID", params: { usage } }) };
  if (extra.length > 0)
    return { error: failed({ code: "UNEXPECTED_ARGUMENTS", params: { extra: extra.join(" "), usage } }) };
  const handle = parseWarningHandle(raw);
  if (!handle) return { error: failed({ code: "INVALID_WARNING_HANDLE", params: { value: raw } }) };
  return { handle };
}

export async function warnings(ctx: CommandContext): Promise<CommandOutcome> {
  if (ctx.rest.trim())
    return failed({ code: "UNEXPECTED_ARGUMENTS", params: { extra: ctx.rest.trim(), usage: "warnings" } });
  if (!ctx.warnings) return failed({ code: "WARNINGS_OFF" });
  const [current, down] = await Promise.all([ctx.warnings.current(), ctx.warnings.serviceDown()]);
  const lines: Localized[] = down
    ? [
        L(
          "⚠️ Der Warndienst ist gerade nicht erreichbar; die Liste ist vom letzten Abruf.",
          "⚠️ The warning service is unreachable right now; this list is from the last poll.",
        ),
      ]
    : [];
  if (current.length === 0) {
    lines.push(L("Keine amtlichen Warnungen für den Landkreis.", "No official warnings for the district."));
  } else {
    lines.push(L("Amtliche Warnungen für den Landkreis:", "Official warnings for the district:"));
    for (const r of current) {
      const state = stateText(ctx.policy, r);
      const severity = severityLabel(r.item.severity);
      const headline = r.details?.headline || r.item.headline;
      lines.push(
        L(
          `• ${r.handle} ${providerName(r.item.provider)}, ${severity.de}: ${headline} – ${state.de}`,
          `• ${r.handle} ${providerName(r.item.provider)}, ${severity.en}: ${headline} – ${state.en}`,
        ),
      );
    }
  }
  return { kind: "reply", message: joinLocalized(lines) };
}

export async function relay(ctx: CommandContext): Promise<CommandOutcome> {
  const arg = handleArgument(ctx, "relay W-0007");
  if (arg.error) return arg.error;
  if (!ctx.warnings) return failed({ code: "WARNINGS_OFF" });
  const result = await ctx.warnings.relay(ctx.person.id, arg.handle, ctx.input.origin);
  if (!result.ok) return failed(result.error);
  const a = result.value.value;
  const next =
    a.state === "pending"
      ? L("wartet auf Freigabe", "awaits approval")
      : L(
          "geht ohne Freigabe raus (Bereitschaft); die Leitung prüft es am nächsten Arbeitstag",
          "goes out without approval (on duty); a department head reviews it on the next working day",
        );
  return {
    kind: "reply",
    message: L(
      `${arg.handle} ist als ${a.id} angelegt und ${next.de}.`,
      `${arg.handle} is drafted as ${a.id} and ${next.en}.`,
    ),
    announcement: a,
    effect: { kind: "drafted", id: a.id },
  };
}

export async function dismiss(ctx: CommandContext): Promise<CommandOutcome> {
  const arg = handleArgument(ctx, "dismiss W-0007");
  if (arg.error) return arg.error;
  if (!ctx.warnings) return failed({ code: "WARNINGS_OFF" });
  const result = await ctx.warnings.dismiss(ctx.person.id, arg.handle);
  if (!result.ok) return failed(result.error);
  return {
    kind: "reply",
    message: L(
      `${arg.handle} ist ignoriert; vermerkt mit Ihrem Namen.`,
      `${arg.handle} is dismissed; recorded with your name.`,
    ),
  };
}
