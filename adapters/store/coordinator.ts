/**
 * The atomic operations keyv lacks, done natively by each back-end:
 * counters, leases (set-if-absent with expiry), the index of open announcements and chat state
 * (values with an expiry the back-end enforces itself).
 */
export interface Coordinator {
  increment(name: string): Promise<number>;
  counter(name: string): Promise<number>;
  /** True when `owner` now holds `key`; a lease whose holder died frees itself after `leaseMs`. */
  tryAcquire(key: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Extends a lease `owner` still holds to `leaseMs` from now; false when it is no longer theirs. */
  renew(key: string, owner: string, leaseMs: number): Promise<boolean>;
  release(key: string, owner: string): Promise<void>;
  /** Who holds `key` and for how much longer, if anyone does. */
  leaseOf(key: string): Promise<{ owner: string; expiresInMs: number } | undefined>;
  /** Releases every lease whose owner starts with `ownerPrefix`; resolves with how many. */
  releaseOwnedBy(ownerPrefix: string): Promise<number>;
  /**
   * Forgets leases (claims are never released) and chat state entries that have expired; resolves with
   * how many. Back-ends that expire keys themselves (Redis) have nothing to do.
   */
  purgeExpired(): Promise<number>;
  /** The due index: milliseconds since the epoch per id; undefined removes it. */
  setDue(id: string, atMs: number | undefined): Promise<void>;
  /** Sets it only where it is earlier than what is there (or nothing is). */
  lowerDue(id: string, atMs: number): Promise<void>;
  /** Ids due at `nowMs`, earliest first. */
  dueIds(nowMs: number, limit: number): Promise<string[]>;
  addOpen(id: string): Promise<void>;
  removeOpen(id: string): Promise<void>;
  listOpen(): Promise<string[]>;
  /** The JSON text stored under `key`, or undefined when there is none or it has expired. */
  getChatState(key: string): Promise<string | undefined>;
  /** Writes or replaces the entry and its expiry; `ttlMs` is a positive whole number. */
  putChatState(key: string, json: string, ttlMs: number): Promise<void>;
  deleteChatState(key: string): Promise<void>;
  close(): Promise<void>;
}
