import type { Announcement, AnnouncementId } from "../announcement/announcement.ts";

/**
 * Announcements and their numbering. One announcement is one record, written in one `put`:
 * its versions, approvals, audit events and outbox deliveries change together or not at all.
 */
export interface AnnouncementRecords {
  /** Atomic across every process sharing the store. */
  nextSequence(name: string): Promise<number>;
  /** The last number `nextSequence` gave out, 0 if none. */
  currentSequence(name: string): Promise<number>;
  /** A copy of its own on every call: changing it changes nothing stored. */
  get(id: AnnouncementId): Promise<Announcement | undefined>;
  /** Several records in one round trip, in the order asked; undefined where there is none. */
  getMany(ids: readonly AnnouncementId[]): Promise<(Announcement | undefined)[]>;
  /** Writes the record; call only inside `withLock(announcementLockKey(id))`. */
  put(announcement: Announcement): Promise<void>;
  /** Ids of announcements that are not yet in a final state, sorted. */
  openIds(): Promise<AnnouncementId[]>;
  markOpen(id: AnnouncementId): Promise<void>;
  markClosed(id: AnnouncementId): Promise<void>;
}

/**
 * When each open announcement next has something to do (a delivery, its scheduled time, its deadline, an
 * escalation step, a reminder), ordered by that time, so periodic work reads only what is due.
 */
export interface DueIndex {
  /** Sets when `id` is next due; undefined takes it out of the index. */
  setDue(id: AnnouncementId, at: Date | undefined): Promise<void>;
  /** Moves it earlier only (adds it if absent): safe without the announcement's lock. */
  setDueNoLaterThan(id: AnnouncementId, at: Date): Promise<void>;
  /** Ids due at `now`, earliest first, at most `limit`. */
  dueIds(now: Date, limit: number): Promise<AnnouncementId[]>;
}

/** Exclusion and once-only claims across every process sharing the store. */
export interface Locks {
  /**
   * Runs `fn` while holding an exclusive lease on `key`, across processes sharing the store.
   * The lease expires after `leaseMs` if its holder dies.
   */
  withLock<T>(key: string, fn: () => Promise<T>, leaseMs?: number): Promise<T>;
  /** Like `withLock`, but gives up at once when someone holds the lease. */
  tryLock<T>(
    key: string,
    fn: () => Promise<T>,
    leaseMs?: number,
  ): Promise<{ acquired: true; value: T } | { acquired: false }>;
  /**
   * True for the first caller to claim `key` across every process sharing the store, false for any
   * later one until `ttlMs` has passed.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
}

/** Small domain settings that must survive restarts: modes, template approvals. */
export interface Settings {
  getSetting(key: string): Promise<unknown>;
  putSetting(key: string, value: unknown): Promise<void>;
}

/** Pictures and videos of announcements, by content hash (sha-256, hex). */
export interface MediaStore {
  putMedia(sha256: string, bytes: Uint8Array): Promise<void>;
  getMedia(sha256: string): Promise<Uint8Array | undefined>;
}

/**
 * What the chats need to remember about their own messages (which post shows which announcement,
 * which reactions were counted, which dialogues are open), each entry with an expiry.
 * Values are JSON; an expired entry reads as absent.
 */
export interface ChatStateStore {
  getChatState(key: string): Promise<unknown>;
  /** Writes or replaces the entry; it reads as absent `ttlMs` from now. */
  putChatState(key: string, value: unknown, ttlMs: number): Promise<void>;
  deleteChatState(key: string): Promise<void>;
}

export interface StoreLifecycle {
  /** Reachability probe for readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Every port one back-end (memory, SQLite, Redis, PostgreSQL) implements. */
export type Store = AnnouncementRecords & DueIndex & Locks & Settings & MediaStore & ChatStateStore & StoreLifecycle;

export const announcementLockKey = (id: AnnouncementId): string => `announcement:${id}`;
