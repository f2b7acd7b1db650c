import type { Announcement } from "../announcement/announcement.ts";
import type { Localized } from "./localized.ts";
import type { OutboundPost } from "./outlet.ts";

/** The approval post of one announcement in a chat: a Slack card, a Matrix preview. */
export interface ApprovalPost {
  /** The room it is in: Slack channel id, Matrix room id. */
  room: string;
  /** Its id in that room: Slack `ts`, Matrix event id. */
  id: string;
  /** When it was posted (ms since the epoch), so reconciliation knows how far back to read. */
  at: number;
}

/** A reaction on an approval post, as the chat shows it now. */
export interface PostReaction {
  /** The chat's user id of who reacted. */
  user: string;
  key: string;
  /** The reaction's own id where the chat has one (Matrix event id); Slack reactions have none. */
  reactionId?: string;
}

/** A form the chat may offer with a notice, e.g. for the reason of a rejection. */
export interface ReasonForm {
  action: "reject" | "withdraw";
  id: Announcement["id"];
  version: number;
}

/**
 * Where approvers see and decide announcements. The core decides what is shown and when;
 * a chat renders the announcement its own way and carries it. Every method may throw; the caller retries
 * or logs. `step` names what is said, the same on a retry, for chats that can make a repeat idempotent.
 */
export interface ApprovalSurface {
  /** The platform name people's identities are kept under in the policy (`slack`, `matrix`). */
  readonly platform: string;
  /** The chat user id of the bot itself; its own reactions never count. */
  botUserId(): string;
  /** The room approval posts are in; reactions anywhere else are chat noise. */
  readonly approvalRoom: string;
  /** Posts the approval post of `a` into the approval room. */
  open(a: Announcement): Promise<ApprovalPost>;
  /**
   * The post of `a` when the bot lost track of it (stopped between posting and noting it): found again in the
   * room, or opened now if it never got out.
   */
  recover(a: Announcement): Promise<ApprovalPost>;
  /** Shows the current state of `a` in its post. */
  update(post: ApprovalPost, a: Announcement): Promise<void>;
  /** One line in the post's thread (in the approval room when there is no post). */
  log(post: ApprovalPost | undefined, line: Localized, step: string): Promise<void>;
  /** A short answer for one person about what they did on a post, seen by them (and, in Matrix, in the thread). */
  notify(post: ApprovalPost, userId: string, message: Localized, form?: ReasonForm): Promise<void>;
  /** A message only this person reads: Slack's direct message, a Matrix direct room. */
  tellPrivately(personId: string, message: Localized, step: string): Promise<void>;
  /** A message to the approval room, not tied to one announcement. */
  toApprovers(message: Localized): Promise<void>;
  /** The copy-ready manual hand-off under the post, with a way to confirm it. */
  handoff(post: ApprovalPost | undefined, outbound: OutboundPost, message: Localized): Promise<void>;
  /**
   * The reactions now on these posts, keyed by post id, read from the approval room's history page by page:
   * the number of calls grows with the history read, not with the number of posts.
   */
  readReactions(posts: readonly ApprovalPost[]): Promise<Map<string, PostReaction[]>>;
}
