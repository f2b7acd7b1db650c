import type { AnnouncementId } from "../announcement/announcement.ts";

/** CAP severities, lowest first. */
export const SEVERITIES = ["Minor", "Moderate", "Severe", "Extreme"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The senders the federal warning service carries. */
export const PROVIDERS = ["MOWAS", "KATWARN", "BIWAPP", "DWD", "LHP", "POLICE"] as const;
export type Provider = (typeof PROVIDERS)[number];

/** One entry of the district's dashboard (`GET /dashboard/{ARS}.json`), as the watcher needs it. */
export interface DashboardItem {
  /** The service's id, e.g. `mow.DE-NI-VER-W001-20260101-000`. */
  id: string;
  version: number;
  hash: string;
  /** Upper case as the dashboard sends it; an unknown sender is kept as sent. */
  provider: string;
  /** Undefined when the service sends a value CAP does not know. */
  severity: Severity | undefined;
  msgType: "Alert" | "Update" | "Cancel" | string;
  /** `BBK-EVC-…`, when given. */
  eventCode?: string;
  headline: string;
  sent?: string;
}

/** The full warning (`GET /warnings/{id}.json`, CAP-shaped), its first info block. */
export interface WarningDetails {
  id: string;
  headline: string;
  senderName?: string;
  /** Plain text: `<br/>` as line breaks, other markup taken out. */
  description: string;
  /** The official instructions, unchanged apart from markup. */
  instruction?: string;
  effective?: string;
  expires?: string;
  /** Area names joined. */
  area?: string;
  eventCode?: string;
}

/** Short and human, as announcements are: `W-0007`. */
export type WarningHandle = `W-${string}`;

/** Where a warning's record is kept (in the store's settings): one key per handle, handles drawn from `warning`. */
export const warningRecordKey = (handle: WarningHandle): string => `warning:${handle}`;

export const formatWarningHandle = (n: number): WarningHandle => `W-${String(n).padStart(4, "0")}`;

export function parseWarningHandle(raw: string): WarningHandle | undefined {
  const m = /^W-?(\d{1,9})$/i.exec(raw.trim());
  const n = m?.[1] ? Number(m[1]) : 0;
  return n > 0 ? formatWarningHandle(n) : undefined;
}

/**
 * Where a warning stands for the town: offered on a card; relayed (as an announcement), dismissed; not offered
 * because below the threshold or from a sender not chosen; ended before anyone decided.
 */
export type WarningState = "offered" | "relayed" | "dismissed" | "below_threshold" | "provider_filtered" | "ended";

/** A follow-up the card offers for a relayed warning: its update, or the all-clear once it ended. */
export interface FollowUpOffer {
  kind: "update" | "cancel";
  version: number;
  hash: string;
  offeredAt: string;
}

/** Who decided what, and when: kept with the warning, exported with the audit. */
export interface WarningDecision {
  action: "relay" | "dismiss" | "relay_update" | "dismiss_update" | "relay_allclear" | "dismiss_allclear";
  by: string;
  at: string;
  version: number;
  announcement?: AnnouncementId;
}

/** Everything the bot remembers about one official warning; one record per warning, keyed by handle. */
export interface WarningRecord {
  handle: WarningHandle;
  item: DashboardItem;
  details?: WarningDetails;
  state: WarningState;
  firstSeen: string;
  /** Gone from the dashboard, or cancelled. */
  ended?: { at: string; how: "cancelled" | "gone" };
  /** The relayed announcement: the root of the incident chain. */
  relayed?: { announcement: AnnouncementId; by: string; at: string };
  dismissed?: { by: string; at: string };
  /** The follow-up waiting for a person. */
  offer?: FollowUpOffer;
  /** Follow-ups sent, in order. */
  followUps: AnnouncementId[];
  decisions: WarningDecision[];
  /** The card in the approval room; absent until it is shown (or when the chat cannot update posts). */
  card?: { room: string; id: string };
  /** The card got out (chats that do not update posts give no `card`). */
  shown?: boolean;
  /** Made while exercise mode was on. */
  exercise?: boolean;
}

export const severityRank = (s: Severity | undefined): number => (s ? SEVERITIES.indexOf(s) : -1);

/** The public page of a warning, for people (the API's JSON is for programs). */
export const officialLink = (id: string): string => `https://warnung.bund.de/meldungen/${encodeURIComponent(id)}/`;

/** How the policy maps a warning to a category: by event code, then by severity, then the default. */
export interface WarningCategories {
  byEventCode: ReadonlyMap<string, string>;
  bySeverity: ReadonlyMap<Severity, string>;
  default?: string;
}
