/**
 * The atomic operations keyv lacks, done natively by each back-end:
 * counters, leases (set-if-absent with expiry) and the index of open announcements.
 */
export interface Coordinator {
  increment(name: string): Promise<number>;
  counter(name: string): Promise<number>;
  /** True when `owner` now holds `key`; a lease whose holder died frees itself after `leaseMs`. */
  tryAcquire(key: string, owner: string, leaseMs: number): Promise<boolean>;
  release(key: string, owner: string): Promise<void>;
  /** Forgets leases that have expired (claims are never released); resolves with how many. */
  purgeExpired(): Promise<number>;
  addOpen(id: string): Promise<void>;
  removeOpen(id: string): Promise<void>;
  listOpen(): Promise<string[]>;
  close(): Promise<void>;
}
