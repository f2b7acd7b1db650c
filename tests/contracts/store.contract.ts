import { afterEach, describe, expect, it } from "vitest";
import type { Announcement, AnnouncementId } from "../../src/announcement/announcement.ts";
import { createAnnouncementService } from "../../src/announcement/service.ts";
import { Outbox } from "../../src/outbox/outbox.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import { CROWD_POLICY, FakeOutlet, FixedClock, RecordingNotices } from "../fakes/fixtures.ts";

export interface StoreContractOptions {
  /** Opens a store; calls with the same `shared` key reach the same data, as two processes would. */
  open: (shared: string) => Promise<Store>;
  /** Whether two opened instances exclude each other (true for every store but the in-memory one). */
  crossInstance: boolean;
}

const anAnnouncement = (id: AnnouncementId, text = "Hallo"): Announcement => ({
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
function holdLock(store: Store, key: string, leaseMs?: number) {
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

let counter = 0;

export function storeContract(name: string, options: StoreContractOptions): void {
  describe(`store contract: ${name}`, () => {
    const opened: Store[] = [];
    const open = async (shared: string) => {
      const store = await options.open(shared);
      opened.push(store);
      return store;
    };
    const fresh = () => `c${process.pid}_${Date.now().toString(36)}_${(counter++).toString(36)}`;

    afterEach(async () => {
      await Promise.allSettled(opened.splice(0).map((s) => s.close()));
    });

    it("round-trips an announcement and knows nothing it was not given", async () => {
      const store = await open(fresh());
      const a = anAnnouncement("A-0001", "Grüße aus Achim – „Ümläute“ & 🚧");
      await store.put(a);
      expect(await store.get("A-0001")).toEqual(a);
      expect(await store.get("A-0002")).toBeUndefined();
      a.state = "approved";
      await store.put(a);
      expect((await store.get("A-0001"))?.state).toBe("approved");
    });

    it("hands out unique sequence numbers to parallel callers", async () => {
      const shared = fresh();
      const stores = options.crossInstance ? [await open(shared), await open(shared)] : [await open(shared)];
      expect(await stores[0]?.currentSequence("announcement")).toBe(0);
      const numbers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (stores[i % stores.length] as Store).nextSequence("announcement")),
      );
      expect(new Set(numbers).size).toBe(40);
      expect(Math.max(...numbers)).toBe(40);
      expect(await stores[0]?.currentSequence("announcement")).toBe(40);
      expect(await stores[0]?.currentSequence("other")).toBe(0);
    });

    it("keeps pictures and videos by hash, byte for byte, apart from announcements", async () => {
      const shared = fresh();
      const store = await open(shared);
      const bytes = new Uint8Array(256 * 1024).map((_, i) => (i * 7) % 256);
      await store.putMedia("ab12", bytes);
      const other = options.crossInstance ? await open(shared) : store;
      expect(await other.getMedia("ab12")).toEqual(bytes);
      expect(await other.getMedia("cd34")).toBeUndefined();
      expect(await other.get("A-0001")).toBeUndefined();
      expect(await other.openIds()).toEqual([]);
    });

    it("keeps settings as JSON values, shared between instances", async () => {
      const shared = fresh();
      const store = await open(shared);
      expect(await store.getSetting("template:x")).toBeUndefined();
      await store.putSetting("template:x", { hash: "abc", by: "carla", at: "2026-11-30T09:00:00.000Z" });
      const other = options.crossInstance ? await open(shared) : store;
      expect(await other.getSetting("template:x")).toEqual({
        hash: "abc",
        by: "carla",
        at: "2026-11-30T09:00:00.000Z",
      });
      expect(await other.get("A-0001")).toBeUndefined();
    });

    it("keeps the index of open announcements", async () => {
      const store = await open(fresh());
      await store.markOpen("A-0002");
      await store.markOpen("A-0001");
      await store.markOpen("A-0001");
      expect(await store.openIds()).toEqual(["A-0001", "A-0002"]);
      await store.markClosed("A-0002");
      await store.markClosed("A-0003");
      expect(await store.openIds()).toEqual(["A-0001"]);
    });

    it("withLock excludes parallel read-modify-write, also between instances", async () => {
      const shared = fresh();
      const stores = options.crossInstance ? [await open(shared), await open(shared)] : [await open(shared)];
      await stores[0]?.put(anAnnouncement("A-0001"));
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const store = stores[i % stores.length] as Store;
          await store.withLock("announcement:A-0001", async () => {
            const a = (await store.get("A-0001")) as Announcement;
            await new Promise((r) => setTimeout(r, 1));
            a.approvals.push({ by: `p${i}`, versionHash: "h1", at: "t", via: "command" });
            await store.put(a);
          });
        }),
      );
      expect((await stores[0]?.get("A-0001"))?.approvals).toHaveLength(20);
    });

    it("releases the lock when the work throws", async () => {
      const store = await open(fresh());
      await expect(store.withLock("k", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
      expect(await store.withLock("k", async () => "again")).toBe("again");
    });

    it("tryLock gives up at once while the lock is held, and works when it is free", async () => {
      const shared = fresh();
      const stores = options.crossInstance ? [await open(shared), await open(shared)] : [await open(shared)];
      const [first, other = first] = stores as [Store, Store?];
      const { held, entered, release } = holdLock(first, "d");
      await entered;
      expect(await first.tryLock("d", async () => "in-process")).toEqual({ acquired: false });
      expect(await other.tryLock("d", async () => "other")).toEqual({ acquired: false });
      release();
      await held;
      expect(await other.tryLock("d", async () => "free")).toEqual({ acquired: true, value: "free" });
      expect(await first.withLock("d", async () => "released again")).toBe("released again");
    });

    it("getMany reads several records at once, in the order asked, undefined where missing", async () => {
      const store = await open(fresh());
      await store.withLock("announcement:A-0001", () => store.put(anAnnouncement("A-0001", "eins")));
      await store.withLock("announcement:A-0003", () => store.put(anAnnouncement("A-0003", "drei")));
      const got = await store.getMany(["A-0003", "A-0002", "A-0001"]);
      expect(got.map((a) => a?.versions[0]?.content.text)).toEqual(["drei", undefined, "eins"]);
      expect(await store.getMany([])).toEqual([]);
    });

    it("claimOnce answers true to the first claim only, across instances, until it expires", async () => {
      const shared = fresh();
      const stores = options.crossInstance ? [await open(shared), await open(shared)] : [await open(shared)];
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (stores[i % stores.length] as Store).claimOnce("Ev01", 60_000)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await (stores[0] as Store).claimOnce("Ev02", 60_000)).toBe(true);
      expect(await (stores[0] as Store).claimOnce("Ev01", 60_000)).toBe(false);
      expect(await (stores[0] as Store).claimOnce("short", 200)).toBe(true);
      await expect
        .poll(() => (stores[0] as Store).claimOnce("short", 200), { timeout: 5000, interval: 100 })
        .toBe(true);
    });

    if (options.crossInstance) {
      it("frees a lease whose holder vanished once it expires", async () => {
        const shared = fresh();
        const [a, b] = [await open(shared), await open(shared)];
        const { held, entered, release: releaseA } = holdLock(a, "k", 300);
        await entered;
        const heldSince = Date.now();
        expect(await b.withLock("k", async () => "taken over")).toBe("taken over");
        expect(Date.now() - heldSince).toBeGreaterThanOrEqual(250);
        releaseA();
        await held;
      });
    }

    it("parallel approvals of one announcement yield exactly one publish job and one delivery", async () => {
      const shared = fresh();
      const stores = options.crossInstance ? [await open(shared), await open(shared)] : [await open(shared)];
      const clock = new FixedClock();
      const worlds = stores.map((store) => {
        const outlet = new FakeOutlet();
        const notices = new RecordingNotices();
        const deps = { store, policy: CROWD_POLICY, clock, notices, log: silentLogger };
        return {
          outlet,
          service: createAnnouncementService({ ...deps, outlets: [outlet] }),
          outbox: new Outbox({ ...deps, outlets: new Map([[outlet.id, outlet]]) }),
        };
      });
      const first = worlds[0];
      if (!first) throw new Error("no world");
      const draft = await first.service.draft("author", {
        content: { text: "Achtung", media: [] },
        origin: { platform: "t", room: "t" },
      });
      if (!draft.ok) throw new Error(draft.error.code);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (worlds[i % worlds.length] ?? first).service.approve(`p${i}`, draft.value.id, { via: "reaction" }),
        ),
      );
      const a = await first.service.get(draft.value.id);
      expect(a?.state).toBe("publishing");
      expect(a?.approvals).toHaveLength(3);
      expect(a?.deliveries).toHaveLength(1);
      expect(a?.events.filter((e) => e.event === "quorum_reached")).toHaveLength(1);
      expect(a?.events.filter((e) => e.event === "start_publishing")).toHaveLength(1);
      expect(results.filter((r) => r.ok)).toHaveLength(3);
      expect(results.filter((r) => !r.ok && r.error.code === "INVALID_STATE")).toHaveLength(7);

      await Promise.all(worlds.flatMap((w) => [w.outbox.runOnce(), w.outbox.runOnce()]));
      expect(worlds.reduce((n, w) => n + w.outlet.published.length, 0)).toBe(1);
      expect((await first.service.get(draft.value.id))?.state).toBe("published");
    });
  });
}
