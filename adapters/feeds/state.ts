import { z } from "zod";
import type { AnnouncementId } from "../../src/announcement/announcement.ts";
import type { Locks, Settings } from "../../src/ports/store.ts";

const Id = z.custom<AnnouncementId>((v) => typeof v === "string" && ANNOUNCEMENT_ID.test(v));

const FeedMedia = z.object({
  sha256: z.string(),
  mimeType: z.string(),
  bytes: z.number(),
  altText: z.string().optional(),
});

const FeedEntry = z.object({
  announcementId: Id,
  version: z.number().int(),
  category: z.string(),
  /** As approved, in WhatsApp markup; rendered plain. */
  text: z.string(),
  media: z.array(FeedMedia),
  published: z.string(),
  updated: z.string(),
  /** Retracted at: gone from the feeds, kept so a late repeat of the publication cannot bring it back. */
  removed: z.string().optional(),
  expiresAt: z.string().optional(),
});

const MSG_TYPES = ["Alert", "Update", "Cancel"] as const;

const CapMessage = z.object({
  identifier: z.string(),
  announcementId: Id,
  version: z.number().int(),
  msgType: z.enum(MSG_TYPES),
  /** As written in the document (and in later `references`). */
  sent: z.string(),
  /** The same instant, ISO, for ordering. */
  sentAt: z.string(),
  /** First alert of the incident chain. */
  root: Id,
  headline: z.string(),
  /** The document as issued: a CAP message never changes once out. */
  xml: z.string(),
});

const FeedState = z.object({
  revision: z.number().int(),
  changedAt: z.string(),
  entries: z.array(FeedEntry),
  cap: z.array(CapMessage),
});

export type FeedMedia = z.infer<typeof FeedMedia>;
export type FeedEntry = z.infer<typeof FeedEntry>;
export type CapMessage = z.infer<typeof CapMessage>;
export type CapMsgType = (typeof MSG_TYPES)[number];
export type FeedState = z.infer<typeof FeedState>;

/** Announcement ids as the domain makes them (`A-0042`); also what this outlet returns as `remoteId`. */
export const ANNOUNCEMENT_ID = /^A-\d{1,9}$/;

export const emptyState = (): FeedState => ({
  revision: 0,
  changedAt: new Date(0).toISOString(),
  entries: [],
  cap: [],
});

/** Entries on show, newest first. */
export const visibleEntries = (state: FeedState): FeedEntry[] => state.entries.filter((e) => !e.removed);

export interface FeedStoreOptions {
  store: Settings & Locks;
  /** Prefix of the store keys and the lock; several feeds may share one store under different prefixes. */
  key?: string;
}

/**
 * The feed's entries and CAP messages in the shared store, changed only under one lock, so every instance
 * sharing the store serves and changes the same feed. Reads are cheap: a small revision number is read per
 * call, the entries only when it moved.
 */
export class FeedStore {
  readonly #store: Settings & Locks;
  readonly #lock: string;
  readonly #entriesKey: string;
  readonly #revisionKey: string;
  #cache: { seen: unknown; state: FeedState } | undefined;
  #loading: Promise<FeedState> | undefined;

  constructor({ store, key = "feeds" }: FeedStoreOptions) {
    this.#store = store;
    this.#lock = key;
    this.#entriesKey = `${key}:entries`;
    this.#revisionKey = `${key}:revision`;
  }

  /** The state as stored now (a shared copy: do not change it). */
  load(): Promise<FeedState> {
    this.#loading ??= this.#read().finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  async #read(): Promise<FeedState> {
    const seen = await this.#store.getSetting(this.#revisionKey);
    if (this.#cache && this.#cache.seen === seen) return this.#cache.state;
    const raw = await this.#store.getSetting(this.#entriesKey);
    const parsed = raw === undefined ? emptyState() : FeedState.parse(raw);
    this.#cache = { seen, state: parsed };
    return parsed;
  }

  /**
   * Runs `change` on a fresh copy under the feed's lock; stores it when it returns true. `after` runs still under
   * the lock with the state as stored, so what it writes elsewhere follows the store's order.
   */
  async change<T>(
    change: (state: FeedState) => { changed: boolean; value: T },
    now: Date,
    after?: (state: FeedState, changed: boolean) => Promise<void>,
  ): Promise<T> {
    return this.#store.withLock(this.#lock, async () => {
      const current = await this.#fresh();
      const draft = structuredClone(current);
      const { changed, value } = change(draft);
      let state = current;
      if (changed) {
        state = { ...draft, revision: current.revision + 1, changedAt: now.toISOString() };
        await this.#store.putSetting(this.#entriesKey, state);
        await this.#store.putSetting(this.#revisionKey, state.revision);
        this.#cache = { seen: state.revision, state };
      }
      await after?.(state, changed);
      return value;
    });
  }

  /** Under the lock: the stored entries themselves, whatever the revision key says. */
  async #fresh(): Promise<FeedState> {
    const raw = await this.#store.getSetting(this.#entriesKey);
    return raw === undefined ? emptyState() : FeedState.parse(raw);
  }
}
