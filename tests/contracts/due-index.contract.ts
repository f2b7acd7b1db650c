import { describe, expect, it } from "vitest";
import type { AnnouncementId } from "../../src/announcement/announcement.ts";
import type { DueIndex, StoreLifecycle } from "../../src/ports/store.ts";
import { storeHarness, type StoreContractOptions } from "./store-harness.ts";

export type DueIndexUnderTest = DueIndex & StoreLifecycle;

const at = (minute: number) => new Date(Date.UTC(2026, 11, 4, 9, minute));
const id = (n: number) => `A-${String(n).padStart(4, "0")}` as AnnouncementId;

/** Open announcements by the time they are next due: what is due comes out earliest first, nothing else. */
export function dueIndexContract(name: string, options: StoreContractOptions<DueIndexUnderTest>): void {
  describe(`due index contract: ${name}`, () => {
    const { open, fresh, another } = storeHarness(options);

    it("gives what is due at a time, earliest first (ties by id), and nothing not yet due", async () => {
      const store = await open(fresh());
      await store.setDue(id(3), at(10));
      await store.setDue(id(1), at(30));
      await store.setDue(id(2), at(10));
      await store.setDue(id(4), at(31));
      expect(await store.dueIds(at(9), 10)).toEqual([]);
      expect(await store.dueIds(at(10), 10)).toEqual([id(2), id(3)]);
      expect(await store.dueIds(at(30), 10)).toEqual([id(2), id(3), id(1)]);
      expect(await store.dueIds(at(59), 2)).toEqual([id(2), id(3)]);
    });

    it("moves an entry when set again, takes it out with undefined, and is shared by instances", async () => {
      const shared = fresh();
      const store = await open(shared);
      await store.setDue(id(1), at(10));
      await store.setDue(id(2), at(20));
      await store.setDue(id(1), at(40));
      await store.setDue(id(2), undefined);
      await store.setDue(id(9), undefined);
      const other = await another(shared, store);
      expect(await other.dueIds(at(30), 10)).toEqual([]);
      expect(await other.dueIds(at(40), 10)).toEqual([id(1)]);
    });

    it("setDueNoLaterThan only moves an entry earlier, or adds it", async () => {
      const store = await open(fresh());
      await store.setDue(id(1), at(10));
      await store.setDueNoLaterThan(id(1), at(20));
      await store.setDueNoLaterThan(id(2), at(20));
      await store.setDue(id(3), at(50));
      await store.setDueNoLaterThan(id(3), at(5));
      expect(await store.dueIds(at(20), 10)).toEqual([id(3), id(1), id(2)]);
    });
  });
}
