import type { AnnouncementId } from "../src/announcement/announcement.ts";
import type { ApprovalPost, PostReaction, ReasonForm } from "../src/ports/approval-surface.ts";
import type { ChatStateStore } from "../src/ports/store.ts";

const DAY_MS = 24 * 3_600_000;
/** Posts are kept well past the 30 days in which a published post can still be corrected. */
const POST_TTL_MS = 60 * DAY_MS;
/** A chat may deliver an event again for a day (Slack retries, a Matrix sync replayed after a crash). */
const EVENT_TTL_MS = DAY_MS;
const DIALOGUE_TTL_MS = 3_600_000;

/** A reaction whose effect is stored: counted reactions are never counted again after a restart. */
export type SeenReaction = PostReaction;

export interface ReactionRecord {
  id: AnnouncementId;
  user: string;
  key: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isPost = (v: unknown): v is ApprovalPost =>
  isObject(v) && typeof v.room === "string" && typeof v.id === "string" && typeof v.at === "number";
const isSeen = (v: unknown): v is SeenReaction =>
  isObject(v) && typeof v.user === "string" && typeof v.key === "string";
const isForm = (v: unknown): v is ReasonForm =>
  isObject(v) && (v.action === "reject" || v.action === "withdraw") && typeof v.id === "string";

/**
 * What one chat remembers about its approval posts, typed, each entry with an expiry, under keys
 * `<kind>:<platform>:<key>`: which post shows which announcement, which reactions were counted,
 * which events were handled, which reason dialogues are open.
 */
export class ApprovalState {
  readonly #store: ChatStateStore;
  readonly #platform: string;

  constructor(store: ChatStateStore, platform: string) {
    this.#store = store;
    this.#platform = platform;
  }

  #key(kind: string, key: string): string {
    return `${kind}:${this.#platform}:${key}`;
  }

  async post(id: AnnouncementId): Promise<ApprovalPost | undefined> {
    const v = await this.#store.getChatState(this.#key("post", id));
    return isPost(v) ? v : undefined;
  }

  async announcementOf(postId: string): Promise<AnnouncementId | undefined> {
    const v = await this.#store.getChatState(this.#key("post-of", postId));
    return typeof v === "string" ? (v as AnnouncementId) : undefined;
  }

  /** The post of `id`; written again on every change, which keeps it from expiring while in use. */
  async putPost(id: AnnouncementId, post: ApprovalPost): Promise<void> {
    await this.#store.putChatState(this.#key("post-of", post.id), id, POST_TTL_MS);
    await this.#store.putChatState(this.#key("post", id), post, POST_TTL_MS);
  }

  async seen(id: AnnouncementId): Promise<SeenReaction[]> {
    const v = await this.#store.getChatState(this.#key("seen", id));
    return Array.isArray(v) ? v.filter(isSeen) : [];
  }

  async putSeen(id: AnnouncementId, seen: readonly SeenReaction[]): Promise<void> {
    await this.#store.putChatState(this.#key("seen", id), seen, POST_TTL_MS);
  }

  async reaction(reactionId: string): Promise<ReactionRecord | undefined> {
    const v = await this.#store.getChatState(this.#key("reaction", reactionId));
    return isObject(v) && typeof v.id === "string" && typeof v.user === "string" && typeof v.key === "string"
      ? { id: v.id as AnnouncementId, user: v.user, key: v.key }
      : undefined;
  }

  putReaction(reactionId: string, record: ReactionRecord): Promise<void> {
    return this.#store.putChatState(this.#key("reaction", reactionId), record, POST_TTL_MS);
  }

  deleteReaction(reactionId: string): Promise<void> {
    return this.#store.deleteChatState(this.#key("reaction", reactionId));
  }

  async handled(eventId: string): Promise<boolean> {
    return (await this.#store.getChatState(this.#key("event", eventId))) === true;
  }

  markHandled(eventId: string): Promise<void> {
    return this.#store.putChatState(this.#key("event", eventId), true, EVENT_TTL_MS);
  }

  async dialogue(postId: string, user: string): Promise<ReasonForm | undefined> {
    const v = await this.#store.getChatState(this.#key("dialogue", `${postId}:${user}`));
    return isForm(v) ? v : undefined;
  }

  openDialogue(postId: string, user: string, form: ReasonForm): Promise<void> {
    return this.#store.putChatState(this.#key("dialogue", `${postId}:${user}`), form, DIALOGUE_TTL_MS);
  }

  closeDialogue(postId: string, user: string): Promise<void> {
    return this.#store.deleteChatState(this.#key("dialogue", `${postId}:${user}`));
  }

  /** Free-form entries of one chat (e.g. a Matrix direct room per person), typed by the caller. */
  async value(kind: string, key: string): Promise<unknown> {
    return this.#store.getChatState(this.#key(kind, key));
  }

  putValue(kind: string, key: string, value: unknown, ttlMs = POST_TTL_MS): Promise<void> {
    return this.#store.putChatState(this.#key(kind, key), value, ttlMs);
  }
}
