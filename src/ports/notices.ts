import type { Announcement } from "../announcement/announcement.ts";
import type { Localized } from "./localized.ts";
import type { OutboundPost, OutletErrorCode } from "./outlet.ts";

/** Things people must hear about, routed by the chat adapter to the approval room or the author. */
export type Notice =
  | { kind: "approval_requested"; announcement: Announcement }
  | { kind: "approved"; announcement: Announcement; by: string }
  /** One approval counted that did not yet decide it; `remaining` more are needed. */
  | { kind: "approval_given"; announcement: Announcement; by: string; remaining: number }
  | { kind: "approval_revoked"; announcement: Announcement; by: string }
  | { kind: "rejected"; announcement: Announcement }
  | { kind: "withdrawn"; announcement: Announcement }
  | { kind: "expired"; announcement: Announcement }
  | { kind: "published"; announcement: Announcement }
  | { kind: "break_glass"; announcement: Announcement }
  | { kind: "expiry_reached"; announcement: Announcement }
  | { kind: "published_late"; announcement: Announcement; lateMs: number }
  | { kind: "escalated"; announcement: Announcement; people: readonly string[]; waitedMs: number }
  | { kind: "review_due"; announcement: Announcement }
  | { kind: "reviewed"; announcement: Announcement }
  | { kind: "corrected"; announcement: Announcement }
  | { kind: "retracted"; announcement: Announcement }
  | { kind: "change_requested"; announcement: Announcement }
  | { kind: "change_rejected"; announcement: Announcement; change: "correct" | "retract"; by: string; reason: string }
  | { kind: "delivery_failed"; announcement: Announcement; outlet: string; reason: string; code?: OutletErrorCode }
  | { kind: "needs_manual_check"; announcement: Announcement; outlet: string; reason: string }
  /** One outlet moved on (sent, waiting, retrying) while others are still under way: the card shows it. */
  | { kind: "delivery_changed"; announcement: Announcement; outlet: string };

/** Said to the approval room, about the bot as a whole rather than one announcement. */
export interface ModeNotice {
  kind: "mode_changed";
  mode: "crisis" | "exercise";
  on: boolean;
  by: string;
}

/** The manual hand-off: a person should post, edit or delete this on the outlet, then confirm. */
export type HandoffNotice = { kind: "handoff"; message: Localized } & (
  | { step: "publish" | "edit"; post: OutboundPost }
  /** Publication shows the copy-ready post under the approval post; edits and deletions are told the room. */
  | { step: "remove" }
);

/** An outlet went down or came back. */
export interface OutletNotice {
  kind: "outlet_changed";
  outlet: string;
  message: Localized;
}

export type BotNotice = Notice | ModeNotice | HandoffNotice | OutletNotice;

export interface NoticeSink {
  emit(notice: BotNotice): Promise<void>;
}
