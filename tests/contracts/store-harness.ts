import { afterEach } from "vitest";
import type { Announcement, AnnouncementId } from "../../src/announcement/announcement.ts";
import type { Locks, Store, StoreLifecycle } from "../../src/ports/store.ts";

/**
 * What every store contract takes. `S` is what the contract needs of the store (its port, plus the few
 * other ports it checks it stays apart from); a `Store` always fits.
 */
export interface StoreContractOptions<S extends StoreLifecycle = Store> {
  /** Opens a store; calls with the same `shared` key reach the same data, as two processes would. */
  open: (shared: string) => Promise<S>;
  /** Whether two opened instances exclude each other (true for every store but the in-memory one). */
  crossInstance: boolean;
}

let counter = 0;

/**
 * Call inside a `describe`: opens stores for its tests and closes them after each one.
 * `fresh()` names data no other test (or earlier run against the same server) has touched.
 */
export function storeHarness<S extends StoreLifecycle>(options: StoreContractOptions<S>) {
  const opened: S[] = [];
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((s) => s.close()));
  });
  const open = async (shared: string): Promise<S> => {
    const store = await options.open(shared);
    opened.push(store);
    return store;
  };
  return {
    open,
    fresh: () => `c${process.pid}_${Date.now().toString(36)}_${(counter++).toString(36)}`,
    /** Two instances on the same data where the store is shared between instances, else one. */
    instances: async (shared: string): Promise<S[]> =>
      options.crossInstance ? [await open(shared), await open(shared)] : [await open(shared)],
    /** Another instance on the data of `shared` where the store is shared between instances, else `store` itself. */
    another: async (shared: string, store: S): Promise<S> => (options.crossInstance ? open(shared) : store),
  };
}

export const anAnnouncement = (id: AnnouncementId, text = "Hallo"): Announcement => ({
  id,
  category: "general",
  urgent: false,
  author: "author",
  origin: { platform: "console", room: "t" },
  state: "pending",
  createdAt: "2026-11-30T09:00:00.000Z",
  updatedAt: "2026-11-30T09:00:00.000Z",
  versions: [
    { number: 1, hash: "h1", content: { text, media: [] }, createdAt: "2026-11-30T09:00:00.000Z", createdBy: "author" },
  ],
  approvals: [],
  deliveries: [],
  events: [],
});

/** Holds `key` until released; `entered` resolves once the lock is really held (not after a guessed delay). */
export function holdLock(store: Locks, key: string, leaseMs?: number) {
  let release!: () => void;
  let signal!: () => void;
  const entered = new Promise<void>((r) => (signal = r));
  const held = store.withLock(
    key,
    () =>
      new Promise<void>((r) => {
        release = r;
        signal();
      }),
    leaseMs,
  );
  return { held, entered, release: () => release() };
}
