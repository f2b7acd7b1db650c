import { describe, expect, it } from "vitest";
import type { AnnouncementRecords, MediaStore, StoreLifecycle } from "../../src/ports/store.ts";
import { storeHarness, type StoreContractOptions } from "./store-harness.ts";

/** Media is checked to stay apart from announcement records, hence `AnnouncementRecords`. */
export type MediaUnderTest = MediaStore & AnnouncementRecords & StoreLifecycle;

/** Pictures and videos by content hash. */
export function mediaContract(name: string, options: StoreContractOptions<MediaUnderTest>): void {
  describe(`media contract: ${name}`, () => {
    const { open, fresh, another } = storeHarness(options);

    it("keeps pictures and videos by hash, byte for byte, apart from announcements", async () => {
      const shared = fresh();
      const store = await open(shared);
      const bytes = new Uint8Array(256 * 1024).map((_, i) => (i * 7) % 256);
      await store.putMedia("ab12", bytes);
      const other = await another(shared, store);
      expect(await other.getMedia("ab12")).toEqual(bytes);
      expect(await other.getMedia("cd34")).toBeUndefined();
      expect(await other.get("A-0001")).toBeUndefined();
      expect(await other.openIds()).toEqual([]);
    });
  });
}
