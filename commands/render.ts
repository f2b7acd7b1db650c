import {
  awaitsDecision,
  currentVersion,
  type Announcement,
  type AuditEvent,
  type Delivery,
} from "../src/announcement/announcement.ts";
import { toOutboundPost } from "../src/outbox/outbox.ts";
import type { OutletErrorCode } from "../src/ports/outlet.ts";
import { approvalProgress, displayName, quorumOf, readabilityFor, type Policy } from "../src/policy/policy.ts";
import { hintsFor } from "./hints.ts";
import { plainFirstLine, renderForWhatsApp, shortened } from "../src/render/whatsapp.ts";
import { formatWallTime } from "../src/time/zoned.ts";
import { capitalised, joinLocalized, L, outletLabel, outletTitle, STATE_LABELS, type Localized } from "./messages.ts";
import { outletName, outletsOf, PLAIN_TEXT_OUTLETS, type ConfiguredOutlet } from "../src/announcement/outlets.ts";
import { plainText } from "../src/render/plain.ts";

/**
 * The last results of a costly rendering, per policy: a draft's reply, its approval request and its card each
 * show the same times and hints, and a card is drawn again on every approval. Oldest out first.
 */
class Recent<V> {
  static readonly LIMIT = 256;
  readonly #byPolicy = new WeakMap<Policy, Map<string, V>>();

  get(policy: Policy, key: string, compute: () => V): V {
    let entries = this.#byPolicy.get(policy);
    if (!entries) this.#byPolicy.set(policy, (entries = new Map()));
    const hit = entries.get(key);
    if (hit !== undefined) return hit;
    const value = compute();
    entries.set(key, value);
    if (entries.size > Recent.LIMIT) entries.delete(entries.keys().next().value as string);
    return value;
  }
}

const recentTimes = new Recent<Localized>();
const recentHints = new Recent<readonly Localized[]>();

/** A time as people read it, in the policy's zone: every reply, card and notice shows times through this. */
export const when = (policy: Policy, at: string | Date): Localized => {
  const instant = new Date(at);
  return recentTimes.get(policy, String(instant.getTime()), () =>
    Object.freeze(L(formatWallTime(instant, policy.timezone, "de"), formatWallTime(instant, policy.timezone, "en"))),
  );
};

/** When it goes out, by when it must be approved (while that is open), until when it is valid. */
export function timeLines(policy: Policy, a: Announcement): Localized[] {
  const lines: Localized[] = [];
  if (a.publishAt) lines.push(joinLocalized([L("Geplant für", "Scheduled for"), when(policy, a.publishAt)], " "));
  if (a.state === "pending" && a.deadline)
    lines.push(joinLocalized([L("Freigabe bis", "Approve by"), when(policy, a.deadline)], " "));
  if (a.expiresAt) lines.push(joinLocalized([L("Gilt bis", "Valid until"), when(policy, a.expiresAt)], " "));
  return lines;
}

const categoryLabel = (policy: Policy, id: string): string => policy.categories.get(id)?.label ?? id;

/** The post as citizens will see it, between rules, so nobody mistakes the frame for content. */
export function whatsappBlock(a: Announcement): Localized {
  const r = renderForWhatsApp(toOutboundPost(a));
  const lines: Localized[] = [L("─── WhatsApp ───", "─── WhatsApp ───")];
  if (r.text) lines.push(L(r.text, r.text));
  if (r.poll) {
    const head = r.poll.multipleChoice
      ? L("📊 Umfrage (mehrere Antworten)", "📊 Poll (multiple answers)")
      : L("📊 Umfrage", "📊 Poll");
    lines.push(joinLocalized([head, L(r.poll.question, r.poll.question)], ": "));
    r.poll.options.forEach((o) => lines.push(L(`  ○ ${o}`, `  ○ ${o}`)));
  }
  for (const m of r.media) lines.push(L(`📎 ${m}`, `📎 ${m}`));
  lines.push(L("────────────────", "────────────────"));
  return joinLocalized(lines);
}

/** The hints for the post as approvers will see it: each a line under the preview, in every chat. */
export function previewHints(policy: Policy, a: Announcement): readonly Localized[] {
  const post = toOutboundPost(a);
  // The fingerprint covers text, poll and media with their descriptions: all the hints look at.
  return recentHints.get(policy, `${a.category}\n${post.fingerprint}`, () =>
    Object.freeze(hintsFor(post, readabilityFor(policy, a.category), policy.readability?.syllables).lines),
  );
}

/** Hints as lines under a "💡" heading, or nothing when there are none. */
export function hintsBlock(hints: readonly Localized[]): Localized[] {
  return hints.length ? [L("💡 Hinweise:", "💡 Hints:"), ...hints.map((h) => L(`  • ${h.de}`, `  • ${h.en}`))] : [];
}

/** The version approvers decide on: the next one while a correction waits. */
export const shownVersion = (a: Announcement): number => a.change?.version ?? currentVersion(a).number;

function stateLabel(a: Announcement): Localized {
  const byHand = a.deliveries.some((d) => d.state === "awaiting_confirmation");
  if (a.change) {
    const retract = a.change.kind === "retract";
    if (!a.change.approved) {
      return retract
        ? L("Löschung wartet auf Freigabe", "retraction awaits approval")
        : L("Korrektur wartet auf Freigabe", "correction awaits approval");
    }
    if (byHand) return L("Änderung wartet auf Übergabe (von Hand)", "change awaiting hand-off (by hand)");
    return retract ? L("wird gelöscht", "being retracted") : L("wird korrigiert", "being corrected");
  }
  if (a.state === "publishing" && byHand)
    return L("wartet auf Übergabe (von Hand posten)", "awaiting hand-off (post by hand)");
  return STATE_LABELS[a.state];
}

export function headline(policy: Policy, a: Announcement): Localized {
  const version = shownVersion(a);
  const state = stateLabel(a);
  const cat = categoryLabel(policy, a.category);
  const urgent = a.urgent ? L(" · DRINGEND", " · URGENT") : L("", "");
  return L(
    `${a.id} · ${cat} · Fassung ${version} · ${state.de}${urgent.de}`,
    `${a.id} · ${cat} · version ${version} · ${state.en}${urgent.en}`,
  );
}

export function approvalLine(policy: Policy, a: Announcement): Localized {
  const { have, needed } = approvalProgress(policy, a);
  const names = have.map((p) => displayName(policy, p)).join(", ");
  const quorum = quorumOf(policy, a.category);
  return L(
    `Freigaben: ${have.length}/${quorum}${names ? ` (${names})` : ""}${needed > 0 ? ` – es fehlen ${needed}` : ""}`,
    `Approvals: ${have.length}/${quorum}${names ? ` (${names})` : ""}${needed > 0 ? ` – ${needed} still needed` : ""}`,
  );
}

/** What approvers see: the exact post, who wrote it, and how to decide. */
export function approvalRequest(policy: Policy, a: Announcement): Localized {
  const requester = a.change?.requestedBy ?? a.author;
  const approvers = (policy.categories.get(a.category)?.approvers ?? [])
    .filter((p) => p !== requester)
    .map((p) => displayName(policy, p))
    .join(", ");
  const title =
    a.change?.kind === "correct"
      ? L("✏️ Korrektur erbeten:", "✏️ Correction requested:")
      : a.change?.kind === "retract"
        ? L("🗑️ Löschung erbeten:", "🗑️ Retraction requested:")
        : L("📝 Freigabe erbeten:", "📝 Approval requested:");
  const parts: Localized[] = [
    joinLocalized([title, headline(policy, a)], " "),
    L(`Von ${displayName(policy, requester)}`, `By ${displayName(policy, requester)}`),
  ];
  if (a.change?.reason) parts.push(L(`Grund: ${a.change.reason}`, `Reason: ${a.change.reason}`));
  parts.push(...timeLines(policy, a));
  parts.push(whatsappBlock(a), ...hintsBlock(previewHints(policy, a)), approvalLine(policy, a));
  if (approvers) parts.push(L(`Freigeben können: ${approvers}`, `Can approve: ${approvers}`));
  parts.push(
    L(
      `✅ \`approve ${a.id} v${shownVersion(a)}\`  ❌ \`reject ${a.id} <Grund>\``,
      `✅ \`approve ${a.id} v${shownVersion(a)}\`  ❌ \`reject ${a.id} <reason>\``,
    ),
  );
  return joinLocalized(parts);
}

/** `held`: crisis mode keeps this routine post back although its time has come. */
export function statusText(policy: Policy, a: Announcement, held = false): Localized {
  const parts: Localized[] = [
    headline(policy, a),
    L(`Von ${displayName(policy, a.author)}`, `By ${displayName(policy, a.author)}`),
  ];
  if (awaitsDecision(a)) parts.push(approvalLine(policy, a));
  parts.push(...timeLines(policy, a));
  if (a.decision) {
    parts.push(
      L(
        `Grund (${displayName(policy, a.decision.by)}): ${a.decision.reason}`,
        `Reason (${displayName(policy, a.decision.by)}): ${a.decision.reason}`,
      ),
    );
  }
  parts.push(...outletsLine(a), ...deliveryLines(policy, a, held));
  parts.push(whatsappBlock(a));
  return joinLocalized(parts);
}

/**
 * One line per outlet: where the post stands there (queued, sent, failed, …). A scheduled post's deliveries wait
 * for its time, or, once it has come, for crisis mode to end (`held`).
 */
export const deliveryLines = (policy: Policy, a: Announcement, held = false): Localized[] =>
  a.deliveries.map((d) => deliveryLine(policy, d, a.state === "scheduled" && d.state === "queued", held));

const DELIVERY_LABELS: Record<string, Localized> = {
  scheduled: L("geplant", "scheduled"),
  held: L(
    "wegen der Krisenlage zurückgehalten – geht raus, sobald sie endet",
    "held back by crisis mode – goes out once it ends",
  ),
  queued: L("in der Warteschlange", "queued"),
  retrying: L("neuer Versuch folgt", "will be retried"),
  waiting: L("wartet, bis der Kanal wieder erreichbar ist", "waiting until the outlet works again"),
  sending: L("wird gesendet", "sending"),
  unclear: L("Ergebnis unklar – wird geprüft", "outcome unclear – being checked"),
  handing_over: L("wird an eine Person übergeben", "being handed to a person"),
  awaiting_confirmation: L("wartet auf manuelle Veröffentlichung (Übergabe)", "awaiting hand-off confirmation"),
  sent: L("veröffentlicht", "published"),
  failed: L("fehlgeschlagen", "failed"),
  needs_manual_check: L("unklar – bitte im Kanal prüfen", "unclear – please check the channel"),
};

/** The longest technical reason shown on a card; the log has all of it. */
const MAX_REASON = 140;

/** Why the outlet refused, in the reader's language where the kind is known. */
const REFUSALS: Record<OutletErrorCode, Localized> = {
  unauthorized: L("Zugang abgelehnt", "access refused"),
  not_found: L("Kanal oder Beitrag unbekannt", "channel or post unknown"),
  bad_request: L("als ungültig abgelehnt", "refused as invalid"),
  session_not_ready: L("Sitzung nicht verbunden", "session not linked"),
  rate_limited: L("zu viele Anfragen, der Dienst bremst", "too many requests, the service slows down"),
  unreachable: L("nicht erreichbar", "unreachable"),
  not_sent: L("nicht angenommen", "not accepted"),
  not_supported: L("kann das nicht", "cannot do this"),
};

/** ` – nicht erreichbar (connect ECONNREFUSED …)`: the kind in words, the outlet's own words for IT. */
function reasonOf(d: Delivery): Localized {
  if (!d.lastError) return L("", "");
  const detail = shortened(d.lastError, MAX_REASON);
  const kind = d.lastErrorCode ? REFUSALS[d.lastErrorCode] : undefined;
  return kind ? L(` – ${kind.de} (${detail})`, ` – ${kind.en} (${detail})`) : L(` – ${detail}`, ` – ${detail}`);
}

/** What a delivery is doing, as people need to know it: waiting, retrying, unclear, with a person, … */
function shownState(d: Delivery): string {
  if (d.state === "queued" && d.handoff) return "handing_over";
  if (d.state === "queued" && d.waitsForOutlet) return "waiting";
  if (d.state === "queued" && d.attempts > 0) return "retrying";
  // An answer that left open whether the post went out: read back, or asked again where that is harmless.
  if (d.state === "sending" && d.attempt?.unclearAt) return "unclear";
  return d.state;
}

function deliveryLine(policy: Policy, d: Delivery, scheduled: boolean, held: boolean): Localized {
  const state = scheduled ? (held ? "held" : "scheduled") : shownState(d);
  const label = DELIVERY_LABELS[state] ?? L(state, state);
  const byHand = d.handoff && d.state !== "sent" ? L(" (von Hand)", " (by hand)") : L("", "");
  const confirmedBy = d.receipt?.confirmedBy;
  const by = confirmedBy
    ? L(` (bestätigt von ${displayName(policy, confirmedBy)})`, ` (confirmed by ${displayName(policy, confirmedBy)})`)
    : L("", "");
  const link = d.state === "sent" && d.receipt?.url ? ` – ${d.receipt.url}` : "";
  const why = d.state !== "sent" && state !== "scheduled" ? reasonOf(d) : L("", "");
  const outlet = outletTitle(d.outlet);
  return L(
    `→ ${outlet.de}: ${label.de}${byHand.de}${by.de}${link}${why.de}`,
    `→ ${outlet.en}: ${label.en}${byHand.en}${by.en}${link}${why.en}`,
  );
}

/** Where it goes, before the deliveries exist: the chosen outlets. */
export function outletsLine(a: Announcement): Localized[] {
  if (a.deliveries.length > 0 || !a.outlets) return [];
  const names = a.outlets.map(outletTitle);
  return [L(`Geht an: ${names.map((n) => n.de).join(", ")}`, `Goes to: ${names.map((n) => n.en).join(", ")}`)];
}

/**
 * How the other chosen outlets differ from the WhatsApp preview: without formatting, the picture description as
 * alt text, their own length limit, a poll as text.
 */
export function outletsPreview(a: Announcement, outlets: readonly ConfiguredOutlet[]): Localized[] {
  const chosen = outletsOf(a, outlets).filter((o) => outletName(o.id) !== "whatsapp");
  if (chosen.length === 0) return [];
  const post = toOutboundPost(a);
  const lines: Localized[] = [];
  const plain = plainText(post.text);
  const unformatted = chosen.filter((o) => PLAIN_TEXT_OUTLETS.has(outletName(o.id)));
  if (plain !== post.text && unformatted.length > 0) {
    const names = unformatted.map((o) => outletLabel(o.id));
    lines.push(
      L(
        `─── ohne Formatierung (${names.map((n) => n.de).join(", ")}) ───`,
        `─── without formatting (${names.map((n) => n.en).join(", ")}) ───`,
      ),
      L(plain, plain),
      L("────────────────", "────────────────"),
    );
  }
  for (const o of chosen) {
    const outlet = outletLabel(o.id);
    const notes: Localized[] = [];
    // Outlets that count differently from WhatsApp (Mastodon's links, Telegram's UTF-16) say how long it is there.
    if (o.measure) {
      const max = post.media.length > 0 ? o.capabilities.maxCaptionLength : o.capabilities.maxTextLength;
      const length = o.measure(post);
      notes.push(L(`${length} von ${max} Zeichen`, `${length} of ${max} characters`));
    }
    if (post.media.some((m) => m.altText) && o.capabilities.image && ALT_TEXT_OUTLETS.has(outletName(o.id))) {
      notes.push(L("Bildbeschreibung als Alternativtext", "picture description as alt text"));
    }
    if (post.poll && POLL_AS_TEXT.has(outletName(o.id))) {
      notes.push(L("Umfrage als Text mit den Antworten", "poll as text with its options"));
    }
    if (a.incident && a.incident.kind !== "alert" && THREADED.has(outletName(o.id))) {
      notes.push(L("als Antwort auf die erste Meldung", "as a reply to the first alert"));
    }
    if (notes.length > 0) {
      lines.push(
        L(
          `${capitalised(outlet.de)}: ${notes.map((n) => n.de).join(", ")}`,
          `${capitalised(outlet.en)}: ${notes.map((n) => n.en).join(", ")}`,
        ),
      );
    }
  }
  return lines;
}

const ALT_TEXT_OUTLETS: ReadonlySet<string> = new Set(["mastodon", "feeds"]);
const POLL_AS_TEXT: ReadonlySet<string> = new Set(["feeds", "press"]);
const THREADED: ReadonlySet<string> = new Set(["mastodon", "telegram", "press"]);

/**
 * How a list names an announcement: its first line, without WhatsApp markup; a poll without text by its question,
 * a picture without text by its description.
 */
function titleOf(a: Announcement): string {
  const content = currentVersion(a).content;
  const title = plainFirstLine(content.text) || content.poll?.question.trim() || content.media[0]?.altText?.trim();
  return shortened(title || "–", 60);
}

export function listText(
  policy: Policy,
  open: readonly Announcement[],
  incidents: readonly Announcement[] = [],
): Localized {
  const lagen = incidents.map((a) => {
    const first = titleOf(a);
    const n = a.incident?.followUps?.length ?? 0;
    return L(
      `• ${a.id} – ${first} (${n} Folgemeldung${n === 1 ? "" : "en"})`,
      `• ${a.id} – ${first} (${n} follow-up${n === 1 ? "" : "s"})`,
    );
  });
  const head = lagen.length
    ? [L(`Offene Lagen (${lagen.length}):`, `Open incidents (${lagen.length}):`), ...lagen]
    : [];
  if (open.length === 0) return joinLocalized([...head, L("Keine offenen Meldungen.", "No open announcements.")]);
  const lines = open.map((a) => {
    const first = titleOf(a);
    const h = headline(policy, a);
    const at = a.publishAt ? when(policy, a.publishAt) : undefined;
    return at
      ? L(`• ${h.de} · geplant für ${at.de} – ${first}`, `• ${h.en} · scheduled for ${at.en} – ${first}`)
      : L(`• ${h.de} – ${first}`, `• ${h.en} – ${first}`);
  });
  return joinLocalized([
    ...head,
    L(`Offene Meldungen (${open.length}):`, `Open announcements (${open.length}):`),
    ...lines,
  ]);
}

const EVENT_LABELS: Record<string, Localized> = {
  create: L("angelegt", "created"),
  submit: L("zur Freigabe eingereicht", "submitted for approval"),
  edit: L("geändert (neue Fassung, Freigaben verfallen)", "edited (new version, approvals void)"),
  approve: L("freigegeben", "approved"),
  revoke_approval: L("Freigabe zurückgenommen", "approval revoked"),
  quorum_reached: L("alle nötigen Freigaben erteilt", "all approvals given"),
  schedule: L("eingeplant", "scheduled"),
  start_publishing: L("Veröffentlichung begonnen", "publishing started"),
  delivery_started: L("Zustellung begonnen", "delivery started"),
  delivery_unknown: L("Zustellung unklar – wird geprüft", "delivery outcome unknown – checking"),
  delivery_retry: L("Zustellung wird wiederholt", "delivery will be retried"),
  handoff_requested: L("zur manuellen Veröffentlichung übergeben", "handed off for manual posting"),
  handoff_fallback: L("wird stattdessen von Hand gepostet", "to be posted by hand instead"),
  delivery_sent: L("veröffentlicht", "published"),
  delivery_failed: L("Zustellung fehlgeschlagen", "delivery failed"),
  delivery_needs_manual_check: L("Zustellung muss geprüft werden", "delivery needs a manual check"),
  published: L("überall veröffentlicht", "published everywhere"),
  failed: L("fehlgeschlagen", "failed"),
  reject: L("abgelehnt", "rejected"),
  withdraw: L("zurückgezogen", "withdrawn"),
  expire: L("abgelaufen", "expired"),
  escalate: L("weitergeleitet (Eskalation)", "escalated"),
  break_glass: L("im Bereitschaftsdienst ohne Freigabe veröffentlicht", "published on duty without approval"),
  review_ok: L("nachgeprüft", "reviewed"),
  follow_up_linked: L("Folgemeldung verknüpft", "follow-up linked"),
  incident_closed: L("Lage abgeschlossen (Entwarnung veröffentlicht)", "incident closed (all-clear published)"),
  expiry_asked: L("Ende der Gültigkeit: Autor/in gefragt", "end of validity: author asked"),
  review_flagged: L("bei der Nachprüfung beanstandet", "flagged in review"),
  review_reminded: L("an die Nachprüfung erinnert", "review reminded"),
  request_correction: L("Korrektur beantragt", "correction requested"),
  request_retraction: L("Löschung beantragt", "retraction requested"),
  approve_change: L("Änderung freigegeben", "change approved"),
  revoke_change_approval: L("Freigabe der Änderung zurückgenommen", "change approval revoked"),
  change_approved: L("alle nötigen Freigaben der Änderung erteilt", "all approvals of the change given"),
  change_rejected: L("Änderung abgelehnt", "change rejected"),
  change_withdrawn: L("Änderung zurückgezogen", "change withdrawn"),
  change_failed: L("Änderung nicht überall angekommen", "change did not reach every outlet"),
  corrected: L("überall korrigiert", "corrected everywhere"),
  retracted: L("überall gelöscht", "retracted everywhere"),
};

/**
 * An audit event's reason as people read it: what the system wrote is said in the reader's language, what a
 * person typed (a rejection's reason) as they typed it.
 */
function reasonText(policy: Policy, event: string, reason: string): Localized {
  const names = (ids: string) =>
    ids
      .split(", ")
      .map((id) => displayName(policy, id))
      .join(", ");
  const pinged = /^pinged (.+)$/.exec(reason);
  if (event === "escalate" && pinged?.[1]) {
    return L(`erinnert: ${names(pinged[1])}`, `reminded: ${names(pinged[1])}`);
  }
  const late = /^late by (\d+) min$/.exec(reason);
  if (late) return L(`${late[1]} min verspätet`, `${late[1]} min late`);
  const chained = /^(update|cancel|all-clear) (A-\d+)$/.exec(reason);
  if (chained?.[2]) {
    return chained[1] === "update"
      ? L(`Update ${chained[2]}`, `update ${chained[2]}`)
      : L(`Entwarnung ${chained[2]}`, `all-clear ${chained[2]}`);
  }
  const missed = /^(correct|retract) did not reach every outlet$/.exec(reason);
  if (missed) {
    return missed[1] === "correct"
      ? L("Korrektur nicht überall angekommen", "correction did not reach every outlet")
      : L("Löschung nicht überall angekommen", "retraction did not reach every outlet");
  }
  const fixed = SYSTEM_REASONS[reason];
  if (fixed) return fixed;
  return L(`Grund: ${reason}`, `reason: ${reason}`);
}

const SYSTEM_REASONS: Record<string, Localized> = {
  "on duty outside office hours": L("Bereitschaft außerhalb der Dienstzeit", "on duty outside office hours"),
  "deadline passed": L("Frist abgelaufen", "deadline passed"),
};

function eventLine(policy: Policy, a: Announcement, e: AuditEvent): Localized {
  const label = EVENT_LABELS[e.event] ?? L(e.event, e.event);
  const at = when(policy, e.at);
  const actor =
    e.actor === "system" ? L("System", "system") : L(displayName(policy, e.actor), displayName(policy, e.actor));
  const extras: Localized[] = [];
  if (e.outlet) extras.push(L(e.outlet, e.outlet));
  if (e.receipt?.confirmedBy) {
    const by = displayName(policy, e.receipt.confirmedBy);
    extras.push(L(`bestätigt von ${by}`, `confirmed by ${by}`));
  }
  if (e.receipt?.remoteId) extras.push(L(`ID ${e.receipt.remoteId}`, `id ${e.receipt.remoteId}`));
  if (e.reason) extras.push(reasonText(policy, e.event, e.reason));
  const extra = extras.length ? joinLocalized(extras, ", ") : undefined;
  return L(
    `${at.de} ${a.id} v${e.version} #${e.versionHash.slice(0, 8)} ${label.de} – ${actor.de}${extra ? ` (${extra.de})` : ""}`,
    `${at.en} ${a.id} v${e.version} #${e.versionHash.slice(0, 8)} ${label.en} – ${actor.en}${extra ? ` (${extra.en})` : ""}`,
  );
}

export function historyText(policy: Policy, a: Announcement): Localized {
  return joinLocalized([
    L(`Verlauf von ${a.id}:`, `History of ${a.id}:`),
    ...a.events.map((e) => eventLine(policy, a, e)),
  ]);
}

export function recentHistoryText(policy: Policy, recent: readonly Announcement[], limit: number): Localized {
  const all = recent
    .flatMap((a) => a.events.map((e) => ({ a, e })))
    .sort((x, y) => y.e.at.localeCompare(x.e.at))
    .slice(0, limit)
    .reverse();
  if (all.length === 0) return L("Noch keine Meldungen.", "No announcements yet.");
  return joinLocalized([L("Letzte Schritte:", "Latest steps:"), ...all.map(({ a, e }) => eventLine(policy, a, e))]);
}
