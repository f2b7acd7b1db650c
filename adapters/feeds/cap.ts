import type { AnnouncementId } from "../../src/announcement/announcement.ts";
import { plainText } from "../../src/render/plain.ts";
import type { CapMessage, CapMsgType, FeedMedia, FeedState } from "./state.ts";
import { capTime, rfc3339, xml } from "./text.ts";

export const CAP_CATEGORIES = [
  "Geo",
  "Met",
  "Safety",
  "Security",
  "Rescue",
  "Fire",
  "Health",
  "Env",
  "Transport",
  "Infra",
  "CBRNE",
  "Other",
] as const;
export const CAP_URGENCIES = ["Immediate", "Expected", "Future", "Past", "Unknown"] as const;
export const CAP_SEVERITIES = ["Extreme", "Severe", "Moderate", "Minor", "Unknown"] as const;
export const CAP_CERTAINTIES = ["Observed", "Likely", "Possible", "Unlikely", "Unknown"] as const;

/** CAP 1.2 §3.2.1: sender and identifier carry no spaces, commas, `<` or `&`. */
export const CAP_SAFE = /^[^\s,<&]+$/;

export interface CapOptions {
  /** `sender`, e.g. `pressestelle@achim.de`. */
  sender: string;
  /** `senderName`, e.g. `Stadt Achim`. */
  senderName?: string;
  /** `areaDesc`, e.g. `Stadt Achim`. */
  area: string;
  /** Amtlicher Regionalschlüssel (12 digits) as the area's `geocode`. */
  ars?: string;
  category?: (typeof CAP_CATEGORIES)[number];
  urgency?: (typeof CAP_URGENCIES)[number];
  severity?: (typeof CAP_SEVERITIES)[number];
  certainty?: (typeof CAP_CERTAINTIES)[number];
  /** `status`: `Exercise` or `Test` for a test channel's feed. */
  status?: "Actual" | "Exercise" | "Test";
  /** `event` per announcement category; the category's name where none is given. */
  events?: Readonly<Record<string, string>>;
}

/** What one CAP message says. */
export interface CapDraft {
  announcementId: AnnouncementId;
  version: number;
  msgType: CapMsgType;
  root: AnnouncementId;
  category: string;
  headline: string;
  text: string;
  media: readonly FeedMedia[];
  expiresAt?: string;
  /** Earlier messages this one updates or cancels. */
  references: readonly CapMessage[];
}

export interface CapContext {
  options: CapOptions;
  timeZone: string;
  /** Absolute URL of a path on the feed site. */
  url: (path: string) => string;
  /** Public page of the announcement. */
  web: string;
}

/** Stable per announcement, version and message type: issuing it again finds it already there. */
export const capIdentifier = (id: AnnouncementId, version: number, msgType: CapMsgType): string =>
  `amtsbote.${id}.v${version}.${msgType.toLowerCase()}`;

export const capPath = (identifier: string): string => `/cap/${identifier}.xml`;

/** A retracted post's Cancel says so in its own words. */
export const RETRACTED_PREFIX = "Zurückgenommen: ";
export const RETRACTED_TEXT = "Diese Meldung wurde zurückgenommen und gilt nicht mehr.";

/** The messages of one incident chain (or of one announcement), oldest first. */
export const chainOf = (state: FeedState, root: AnnouncementId): CapMessage[] =>
  state.cap.filter((m) => m.root === root).sort((a, b) => a.sentAt.localeCompare(b.sentAt));

export const messagesOf = (state: FeedState, id: AnnouncementId): CapMessage[] =>
  state.cap.filter((m) => m.announcementId === id).sort((a, b) => a.sentAt.localeCompare(b.sentAt));

/** Builds the CAP 1.2 document for `draft`, sent at `now`. */
export function issueCap(draft: CapDraft, now: Date, ctx: CapContext): CapMessage {
  const o = ctx.options;
  const identifier = capIdentifier(draft.announcementId, draft.version, draft.msgType);
  const sent = capTime(now.toISOString(), ctx.timeZone);
  const references = draft.references.map((m) => `${o.sender},${m.identifier},${m.sent}`).join(" ");
  const tag = (name: string, value: string | undefined) => (value ? `    <${name}>${xml(value)}</${name}>\n` : "");
  const resources = draft.media
    .map(
      (m) =>
        "    <resource>\n" +
        `      <resourceDesc>${xml(m.altText ?? (m.mimeType.startsWith("video/") ? "Video" : "Bild"))}</resourceDesc>\n` +
        `      <mimeType>${xml(m.mimeType)}</mimeType>\n` +
        `      <size>${m.bytes}</size>\n` +
        `      <uri>${xml(ctx.url(`/media/${m.sha256}`))}</uri>\n` +
        "    </resource>\n",
    )
    .join("");
  const geocode = o.ars
    ? `      <geocode>\n        <valueName>ARS</valueName>\n        <value>${xml(o.ars)}</value>\n      </geocode>\n`
    : "";
  const doc =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">\n' +
    `  <identifier>${xml(identifier)}</identifier>\n` +
    `  <sender>${xml(o.sender)}</sender>\n` +
    `  <sent>${sent}</sent>\n` +
    `  <status>${o.status ?? "Actual"}</status>\n` +
    `  <msgType>${draft.msgType}</msgType>\n` +
    "  <scope>Public</scope>\n" +
    (references ? `  <references>${xml(references)}</references>\n` : "") +
    `  <incidents>${xml(draft.root)}</incidents>\n` +
    "  <info>\n" +
    "    <language>de-DE</language>\n" +
    `    <category>${o.category ?? "Safety"}</category>\n` +
    `    <event>${xml(o.events?.[draft.category] ?? draft.category)}</event>\n` +
    (draft.msgType === "Cancel" ? "    <responseType>AllClear</responseType>\n" : "") +
    `    <urgency>${o.urgency ?? "Immediate"}</urgency>\n` +
    `    <severity>${o.severity ?? "Severe"}</severity>\n` +
    `    <certainty>${o.certainty ?? "Observed"}</certainty>\n` +
    (draft.expiresAt ? `    <expires>${capTime(draft.expiresAt, ctx.timeZone)}</expires>\n` : "") +
    tag("senderName", o.senderName) +
    tag("headline", draft.headline) +
    tag("description", plainText(draft.text)) +
    tag("web", ctx.web) +
    resources +
    "    <area>\n" +
    `      <areaDesc>${xml(o.area)}</areaDesc>\n` +
    geocode +
    "    </area>\n" +
    "  </info>\n" +
    "</alert>\n";
  return {
    identifier,
    announcementId: draft.announcementId,
    version: draft.version,
    msgType: draft.msgType,
    sent,
    sentAt: now.toISOString(),
    root: draft.root,
    headline: draft.headline,
    xml: doc,
  };
}

export interface IndexContext {
  title: string;
  author: string;
  url: (path: string) => string;
}

/** The OASIS "CAP Feeds" index: an Atom feed with one entry per CAP message, newest first. */
export function capIndex(state: FeedState, ctx: IndexContext): string {
  const messages = [...state.cap].sort((a, b) => b.sentAt.localeCompare(a.sentAt));
  const self = ctx.url("/cap.atom");
  const updated = messages[0]?.sentAt ?? state.changedAt;
  const entries = messages
    .map((m) => {
      const href = ctx.url(capPath(m.identifier));
      return (
        "  <entry>\n" +
        `    <id>${xml(href)}</id>\n` +
        `    <title>${xml(`${m.msgType}: ${m.headline}`)}</title>\n` +
        `    <published>${rfc3339(m.sentAt)}</published>\n` +
        `    <updated>${rfc3339(m.sentAt)}</updated>\n` +
        `    <category term="${m.msgType}" scheme="urn:oasis:names:tc:emergency:cap:1.2#msgType"/>\n` +
        `    <link rel="alternate" type="application/cap+xml" href="${xml(href)}"/>\n` +
        `    <summary>${xml(m.headline)}</summary>\n` +
        "  </entry>\n"
      );
    })
    .join("");
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de-DE">\n' +
    `  <id>${xml(self)}</id>\n` +
    `  <title>${xml(`${ctx.title} – CAP`)}</title>\n` +
    `  <updated>${rfc3339(updated)}</updated>\n` +
    `  <author><name>${xml(ctx.author)}</name></author>\n` +
    `  <link rel="self" type="application/atom+xml" href="${xml(self)}"/>\n` +
    entries +
    "</feed>\n"
  );
}
