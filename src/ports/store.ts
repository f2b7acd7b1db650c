import type { Announcement, AnnouncementId } from "../announcement/announcement.ts";

/**
 * Durable state. One announcement is one record, written in one `set`:
 * its versions, approvals, audit events and outbox deliveries change together or not at all.
 */
export interface Store {
  /** Atomic across every process sharing the store. */
  nextSequence(name: string): Promise<number>;
  /** The last number `nextSequence` gave out, 0 if none. */
  currentSequence(name: string): Promise<number>;
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
   * later one until `ttlMs` has passed; e.g. to act once on a chat event the chat may deliver twice.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  get(id: AnnouncementId): Promise<Announcement | undefined>;
  /** Several records in one round trip, in the order asked; undefined where there is none. */
  getMany(ids: readonly AnnouncementId[]): Promise<(Announcement | undefined)[]>;
  /** Writes the record; call only inside `withLock(announcementKey(id))`. */
  put(announcement: Announcement): Promise<void>;
  /** Ids of announcements that are not yet in a final state, sorted. */
  openIds(): Promise<AnnouncementId[]>;
  markOpen(id: AnnouncementId): Promise<void>;
  markClosed(id: AnnouncementId): Promise<void>;
  /** Small settings that must survive restarts, e.g. which template versions are approved. */
  getSetting(key: string): Promise<unknown>;
  putSetting(key: string, value: unknown): Promise<void>;
  /** Pictures and videos of announcements, by content hash (sha-256, hex). */
  putMedia(sha256: string, bytes: Uint8Array): Promise<void>;
  getMedia(sha256: string): Promise<Uint8Array | undefined>;
  /** Reachability probe for readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const announcementLockKey = (id: AnnouncementId): string => `announcement:${id}`;
