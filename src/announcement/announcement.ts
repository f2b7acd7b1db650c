import type { OutletErrorCode } from "../ports/outlet.ts";
export type AnnouncementId = `A-${string}`;

export const formatAnnouncementId = (n: number): AnnouncementId => `A-${String(n).padStart(4, "0")}`;

const ID_PATTERN = /^A-?(\d{1,9})$/i;

/** Accepts `A-0042`, `a-42`, `A42`; returns the canonical id or undefined. */
export function parseAnnouncementId(raw: string): AnnouncementId | undefined {
  const match = ID_PATTERN.exec(raw.trim());
  if (!match?.[1]) return undefined;
  const n = Number(match[1]);
  return n > 0 ? formatAnnouncementId(n) : undefined;
}

export const ANNOUNCEMENT_STATES = [
  "draft",
  "pending",
  "approved",
  "scheduled",
  "publishing",
  "published",
  "rejected",
  "withdrawn",
  "expired",
  "failed",
  "corrected",
  "retracted",
] as const;
export type AnnouncementState = (typeof ANNOUNCEMENT_STATES)[number];

export const FINAL_STATES: ReadonlySet<AnnouncementState> = new Set([
  "published",
  "rejected",
  "withdrawn",
  "expired",
  "failed",
  "corrected",
  "retracted",
]);

export interface Poll {
  question: string;
  options: string[];
  multipleChoice: boolean;
}

export interface MediaItem {
  name: string;
  mimeType: string;
  bytes: number;
  sha256: string;
  altText?: string;
}

export interface Content {
  text: string;
  poll?: Poll;
  media: MediaItem[];
}

export interface Version {
  number: number;
  hash: string;
  content: Content;
  createdAt: string;
  createdBy: string;
}

export type ApprovalChannel = "command" | "reaction" | "button";

export interface Approval {
  by: string;
  versionHash: string;
  at: string;
  via: ApprovalChannel;
}

export type DeliveryState = "queued" | "sending" | "awaiting_confirmation" | "sent" | "failed" | "needs_manual_check";

export interface Receipt {
  outlet: string;
  at: string;
  remoteId?: string;
  /** Where people can see the post. */
  url?: string;
  confirmedBy?: string;
}

export interface DeliveryAttempt {
  id: string;
  startedAt: string;
  fingerprint: string;
  /** When the outlet's answer left it unclear whether the post went out; the read-back grace counts from here. */
  unclearAt?: string;
}

/** What a delivery does on its outlet: publish the post, or change one already there. */
export type DeliveryAction = "publish" | "edit" | "remove" | "correction_post";

export interface Delivery {
  outlet: string;
  /** Absent: publish. */
  action?: DeliveryAction;
  /** A person publishes and confirms; they may confirm as soon as they have the copy. */
  handoff?: true;
  /** Handed to a person after an unclear outcome: it may already be out, so they look before posting. */
  checkFirst?: true;
  state: DeliveryState;
  attempts: number;
  attempt?: DeliveryAttempt;
  /** Read-backs of the current attempt that did not find the post. */
  notFound?: number;
  /** Queued: the next attempt; sending: the next read-back. */
  notBefore?: string;
  /** The outlet itself is not ready (logged out, unreachable, key refused): goes out as soon as it is. */
  waitsForOutlet?: true;
  receipt?: Receipt;
  /** The outlet's own words, for IT and the log. */
  lastError?: string;
  /** What kind of refusal it was, for people: shown in their language. */
  lastErrorCode?: OutletErrorCode;
}

export interface Origin {
  platform: string;
  room: string;
  thread?: string;
}

export interface AuditEvent {
  seq: number;
  at: string;
  actor: string;
  event: string;
  from: AnnouncementState | null;
  to: AnnouncementState;
  version: number;
  versionHash: string;
  reason?: string;
  outlet?: string;
  receipt?: Receipt;
}

/** A correction or retraction of a published announcement, approved like a new version. */
export interface ChangeRequest {
  kind: "correct" | "retract";
  /** The corrected content (correct only); becomes a version once it is live. */
  content?: Content;
  /** What approvals bind to. */
  hash: string;
  /** The version number approvers see: the next one for a correction, the current one for a retraction. */
  version: number;
  reason?: string;
  requestedBy: string;
  requestedAt: string;
  approvals: Approval[];
  /** Quorum reached: the deliveries now carry it out. */
  approved?: true;
}

export interface Incident {
  root: AnnouncementId;
  kind: "alert" | "update" | "cancel";
  /** On the alert: its follow-ups, in order. */
  followUps?: AnnouncementId[];
  /** On the alert: an all-clear went out. */
  closed?: true;
}

/** After a break-glass publication: a department head checks it on the next working day. */
export interface Review {
  state: "open" | "ok" | "flagged";
  openedAt: string;
  by?: string;
  at?: string;
  note?: string;
  /** `YYYY-MM-DD` of the last morning reminder. */
  remindedOn?: string;
}

export interface Decision {
  by: string;
  at: string;
  reason: string;
}

export interface Announcement {
  id: AnnouncementId;
  category: string;
  urgent: boolean;
  /** A person posts it by hand even where a gateway is configured. */
  handoff?: true;
  author: string;
  origin: Origin;
  state: AnnouncementState;
  createdAt: string;
  updatedAt: string;
  /** When it goes out; absent means at once after approval. */
  publishAt?: string;
  /** Not approved by then: expired. */
  deadline?: string;
  versions: Version[];
  approvals: Approval[];
  decision?: Decision;
  /** A correction or retraction waiting for approval or being carried out. */
  change?: ChangeRequest;
  /** Escalation steps already pinged (indexes into the category's chain). */
  escalated?: number[];
  /** Published by break-glass: the review afterwards. */
  review?: Review;
  /** Made in exercise mode: marked, and sent to the test channel only. */
  exercise?: true;
  /** Part of an incident: the first alert, an update, or the all-clear (CAP Alert / Update / Cancel). */
  incident?: Incident;
  /** When the notice stops being valid. */
  expiresAt?: string;
  /** The author was asked at `expiresAt` whether to post the all-clear. */
  expiryAsked?: true;
  /** The outlets it goes to, by name (`whatsapp`, `mastodon` …); absent (from before outlets were chosen): all. */
  outlets?: string[];
  /** Rendered from this pre-approved template. */
  template?: { name: string; hash: string };
  /** The outbox: one entry per outlet, written in the same record write that makes it due. */
  deliveries: Delivery[];
  /** Append-only audit trail. */
  events: AuditEvent[];
}

export function currentVersion(a: Announcement): Version {
  const v = a.versions.at(-1);
  if (!v) throw new Error(`announcement ${a.id} has no version`);
  return v;
}

/** Waiting for approvers: a draft up for approval, or a correction or retraction not yet approved. */
export const awaitsDecision = (a: Announcement): boolean =>
  a.state === "pending" || (a.change !== undefined && !a.change.approved);

export const approvalsOfCurrentVersion = (a: Announcement): Approval[] => {
  const hash = currentVersion(a).hash;
  return a.approvals.filter((x) => x.versionHash === hash);
};
