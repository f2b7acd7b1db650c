import { describe, expect, it } from "vitest";
import type { Announcement } from "../../src/announcement/announcement.ts";
import type { AnnouncementRecords, Locks, StoreLifecycle } from "../../src/ports/store.ts";
import { anAnnouncement, holdLock, storeHarness, type StoreContractOptions } from "./store-harness.ts";

/** The read-modify-write case guards announcement records, hence `AnnouncementRecords`. */
export type LocksUnderTest = Locks & AnnouncementRecords & StoreLifecycle;

/** Locks, leases and once-only claims, within one instance and between instances sharing the data. */
export function locksContract(name: string, options: StoreContractOptions<LocksUnderTest>): void {
  describe(`locks contract: ${name}`, () => {
    const { open, fresh, instances } = storeHarness(options);

    it("withLock excludes parallel read-modify-write, also between instances", async () => {
      const stores = await instances(fresh());
      await stores[0]?.put(anAnnouncement("A-0001"));
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const store = stores[i % stores.length] as LocksUnderTest;
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
      const stores = await instances(fresh());
      const [first, other = first] = stores as [LocksUnderTest, LocksUnderTest?];
      const { held, entered, release } = holdLock(first, "d");
      await entered;
      expect(await first.tryLock("d", async () => "in-process")).toEqual({ acquired: false });
      expect(await other.tryLock("d", async () => "other")).toEqual({ acquired: false });
      release();
      await held;
      expect(await other.tryLock("d", async () => "free")).toEqual({ acquired: true, value: "free" });
      expect(await first.withLock("d", async () => "released again")).toBe("released again");
    });

    it("claimOnce answers true to the first claim only, across instances, until it expires", async () => {
      const stores = await instances(fresh());
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (stores[i % stores.length] as LocksUnderTest).claimOnce("Ev01", 60_000)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await (stores[0] as LocksUnderTest).claimOnce("Ev02", 60_000)).toBe(true);
      expect(await (stores[0] as LocksUnderTest).claimOnce("Ev01", 60_000)).toBe(false);
      expect(await (stores[0] as LocksUnderTest).claimOnce("short", 200)).toBe(true);
      await expect
        .poll(() => (stores[0] as LocksUnderTest).claimOnce("short", 200), { timeout: 5000, interval: 100 })
        .toBe(true);
    });

    if (options.crossInstance) {
      it("a holder keeps its lease past the lease's length while its work runs (renewed)", async () => {
        const shared = fresh();
        const [a, b] = [await open(shared), await open(shared)];
        const { held, entered, release: releaseA } = holdLock(a, "k", 200);
        await entered;
        await new Promise((resolve) => setTimeout(resolve, 700));
        expect(await b.tryLock("k", async () => "stolen")).toEqual({ acquired: false });
        releaseA();
        await held;
        expect(await b.withLock("k", async () => "after release")).toBe("after release");
      });
    }
  });
}
