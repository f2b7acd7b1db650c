import { describe, expect, it } from "vitest";
import type { AnnouncementRecords, Locks, StoreLifecycle } from "../../src/ports/store.ts";
import { anAnnouncement, storeHarness, type StoreContractOptions } from "./store-harness.ts";

/** `put` is called inside `withLock`, as the port asks, hence `Locks`. */
export type RecordsUnderTest = AnnouncementRecords & Locks & StoreLifecycle;

/** Announcement records, their sequence numbers and the index of open announcements. */
export function announcementRecordsContract(name: string, options: StoreContractOptions<RecordsUnderTest>): void {
  describe(`announcement records contract: ${name}`, () => {
    const { open, fresh, instances } = storeHarness(options);

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

    it("every read is a copy of its own: changing it changes nothing stored", async () => {
      const store = await open(fresh());
      await store.put(anAnnouncement("A-0001"));
      const first = await store.get("A-0001");
      first?.approvals.push({ by: "carla", versionHash: "h1", at: "t", via: "command" });
      const [many] = await store.getMany(["A-0001"]);
      expect(many?.approvals).toEqual([]);
      expect((await store.get("A-0001"))?.approvals).toEqual([]);
    });

    it("hands out unique sequence numbers to parallel callers", async () => {
      const stores = await instances(fresh());
      expect(await stores[0]?.currentSequence("announcement")).toBe(0);
      const numbers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (stores[i % stores.length] as RecordsUnderTest).nextSequence("announcement"),
        ),
      );
      expect(new Set(numbers).size).toBe(40);
      expect(Math.max(...numbers)).toBe(40);
      expect(await stores[0]?.currentSequence("announcement")).toBe(40);
      expect(await stores[0]?.currentSequence("other")).toBe(0);
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

    it("getMany reads several records at once, in the order asked, undefined where missing", async () => {
      const store = await open(fresh());
      await store.withLock("announcement:A-0001", () => store.put(anAnnouncement("A-0001", "eins")));
      await store.withLock("announcement:A-0003", () => store.put(anAnnouncement("A-0003", "drei")));
      const got = await store.getMany(["A-0003", "A-0002", "A-0001"]);
      expect(got.map((a) => a?.versions[0]?.content.text)).toEqual(["drei", undefined, "eins"]);
      expect(await store.getMany([])).toEqual([]);
    });
  });
}
