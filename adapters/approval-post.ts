import type { AnnouncementId } from "../src/announcement/announcement.ts";
import type { Notice } from "../src/ports/notices.ts";
import type { Store } from "../src/ports/store.ts";
import type { Policy } from "../src/policy/policy.ts";
import { renderNotice, type RenderedNotice } from "../commands/notices.ts";
import { headline } from "../commands/render.ts";

/**
 * Which chat message is the approval post (Slack card, Matrix preview) of which announcement,
 * kept in the store both ways: `<prefix>:<id>` → the post, `<prefix>-of:<post key>` → the id.
 */
export class ApprovalPostIndex<Ref extends object> {
  readonly #store: Store;
  readonly #prefix: string;
  readonly #keyOf: (ref: Ref) => string;

  constructor(store: Store, prefix: string, keyOf: (ref: Ref) => string) {
    this.#store = store;
    this.#prefix = prefix;
    this.#keyOf = keyOf;
  }

  async get(id: AnnouncementId): Promise<Ref | undefined> {
    const ref = await this.#store.getSetting(`${this.#prefix}:${id}`);
    return typeof ref === "object" && ref !== null ? (ref as Ref) : undefined;
  }

  /** The announcement whose post has this key (as `keyOf` makes it). */
  async byKey(key: string): Promise<AnnouncementId | undefined> {
    const id = await this.#store.getSetting(`${this.#prefix}-of:${key}`);
    return typeof id === "string" ? (id as AnnouncementId) : undefined;
  }

  async put(id: AnnouncementId, ref: Ref): Promise<void> {
    await this.#store.putSetting(`${this.#prefix}-of:${this.#keyOf(ref)}`, id);
    await this.#store.putSetting(`${this.#prefix}:${id}`, ref);
  }
}

/** Notices that open an approval post when the announcement has none yet. */
export const OPENS_APPROVAL_POST: ReadonlySet<Notice["kind"]> = new Set([
  "approval_requested",
  "change_requested",
  "break_glass",
]);

/**
 * What a notice says besides the approval post itself: author messages as they are; for the approvers,
 * a line in the post's thread, except where the post was just opened and shows the request already.
 * `position` numbers the notice's messages, for ids that must not change between retries.
 */
export function approvalThreadMessages(
  policy: Policy,
  notice: Notice,
  postJustOpened: boolean,
): (RenderedNotice & { position: number })[] {
  const a = notice.announcement;
  const request = notice.kind === "approval_requested" || notice.kind === "change_requested";
  return renderNotice(policy, notice).flatMap(({ audience, message }, i): (RenderedNotice & { position: number })[] => {
    if (audience === "author") return [{ audience, message, position: i + 1 }];
    if (postJustOpened) return [];
    const line = request ? { de: `📝 ${headline(policy, a).de}`, en: `📝 ${headline(policy, a).en}` } : message;
    return [{ audience, message: line, position: i + 1 }];
  });
}
