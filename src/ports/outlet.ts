import type { AnnouncementId, DeliveryAttempt, MediaItem, Poll } from "../announcement/announcement.ts";

export interface OutletCapabilities {
  text: boolean;
  image: boolean;
  video: boolean;
  poll: boolean;
  edit: boolean;
  delete: boolean;
  maxTextLength: number;
  maxCaptionLength: number;
  /** Where the outlet takes fewer poll options than amtsbote's 12 (Mastodon: 4 by default). */
  maxPollOptions?: number;
  /** Where an option may be shorter than amtsbote's 100 characters (Mastodon: 50 by default). */
  maxPollOptionLength?: number;
}

/** What an outlet is asked to publish: the rendered, approved version. */
export interface OutboundPost {
  announcementId: AnnouncementId;
  version: number;
  category: string;
  text: string;
  poll?: Poll;
  media: MediaItem[];
  /** Content hash of the version; lets read-back recognise the post. */
  fingerprint: string;
  /** An emergency category: feeds also issue it as a CAP alert. */
  emergency?: true;
  /** Part of an incident chain (CAP Alert / Update / Cancel): its first alert and the post it follows. */
  incident?: { kind: "alert" | "update" | "cancel"; root: AnnouncementId; follows?: AnnouncementId };
  /** On this outlet, the earlier post of the incident chain: a follow-up is a reply to it where the outlet threads. */
  replyTo?: RemoteRef;
  /** When the notice stops being valid. */
  expiresAt?: string;
  /** The delivery's outlet; a person handed the post knows where to put it. */
  outlet?: string;
  /** For a person: it may already be out (an unclear outcome), so look before posting. */
  checkFirst?: true;
}

export type PublishOutcome =
  /** `url`: where people can see the post (a status page, a feed entry), for the card and the audit. */
  | { state: "sent"; remoteId?: string; url?: string }
  /** Handed to a person, who confirms when it is out. */
  | { state: "awaiting_confirmation" }
  /** May or may not have gone out: reconcile by read-back, never re-send blindly. */
  | { state: "unknown"; reason: string }
  | { state: "failed"; reason: string; retryable: boolean; code?: OutletErrorCode; retryAfterMs?: number };

/**
 * Why an outlet said no; each asks for a different reaction from IT. `not_supported`: the gateway cannot do this
 * kind of post or change at all (e.g. a poll on a WhatsApp engine without polls); a person does it instead.
 */
export type OutletErrorCode =
  | "unauthorized"
  | "not_found"
  | "bad_request"
  | "session_not_ready"
  | "rate_limited"
  | "unreachable"
  | "not_sent"
  | "not_supported";

/** A post as the outlet knows it, for edits and deletions. */
export interface RemoteRef {
  remoteId: string;
  /** The delivery's outlet, for a person asked to change it by hand. */
  outlet?: string;
}

export type ReadBackOutcome =
  | { state: "found"; remoteId?: string; url?: string }
  | { state: "not_found" }
  | { state: "unavailable"; reason: string };

/** Why an outlet does not work, in terms a person can act on; `reason` has the technical detail for the log. */
export type OutletProblem =
  "unauthorized" | "unreachable" | "session_not_ready" | "channel_unknown" | "not_admin" | "unexpected";

export type OutletHealth = { state: "ok" } | { state: "degraded" | "down"; reason: string; problem: OutletProblem };

export interface Outlet {
  readonly id: string;
  readonly capabilities: OutletCapabilities;
  /** A person completes the publication and confirms it (manual hand-off). */
  readonly handoff: boolean;
  /**
   * Publishing the same post again (same announcement, version and action) cannot make a second post, e.g. by an
   * idempotency key: an unclear outcome is settled by publishing again instead of reading back.
   */
  readonly idempotent?: boolean;
  /** How long after an attempt began a repeat stays harmless (Mastodon keeps its keys an hour); then: read back. */
  readonly idempotencyWindowMs?: number;
  /** How long the outlet counts a text (where it differs from code points of the WhatsApp caption). */
  readonly measure?: (content: Pick<OutboundPost, "text" | "media" | "poll">) => number;
  /** How long after an unknown outcome a "not found" read-back still may be a post in transit. */
  readonly readBackGraceMs: number;
  publish(post: OutboundPost, attempt: DeliveryAttempt): Promise<PublishOutcome>;
  readBack(post: OutboundPost, attempt: DeliveryAttempt): Promise<ReadBackOutcome>;
  /** Replaces the text of a published post. */
  edit(ref: RemoteRef, post: OutboundPost): Promise<PublishOutcome>;
  /** Deletes a published post; `post` is the post as published, for outlets that announce the retraction (mail). */
  remove(ref: RemoteRef, post?: OutboundPost): Promise<PublishOutcome>;
  health(): Promise<OutletHealth>;
}
