import type { AnnouncementId } from "../../src/announcement/announcement.ts";
import type { Store } from "../../src/ports/store.ts";

export interface CardRef {
  channel: string;
  ts: string;
}

/** Which Slack message is the approval card of which announcement, kept in the store both ways. */
export class CardIndex {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async get(id: AnnouncementId): Promise<CardRef | undefined> {
    const ref = (await this.#store.getSetting(`slack-card:${id}`)) as CardRef | undefined;
    return ref && typeof ref.ts === "string" ? ref : undefined;
  }

  async byMessage(channel: string, ts: string): Promise<AnnouncementId | undefined> {
    const id = await this.#store.getSetting(`slack-card-of:${channel}:${ts}`);
    return typeof id === "string" ? (id as AnnouncementId) : undefined;
  }

  async put(id: AnnouncementId, ref: CardRef): Promise<void> {
    await this.#store.putSetting(`slack-card-of:${ref.channel}:${ref.ts}`, id);
    await this.#store.putSetting(`slack-card:${id}`, ref);
  }
}
