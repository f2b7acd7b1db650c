import { describe, expect, it } from "vitest";
import type { AnnouncementRecords, Settings, StoreLifecycle } from "../../src/ports/store.ts";
import { storeHarness, type StoreContractOptions } from "./store-harness.ts";

/** Settings are checked to stay apart from announcement records, hence `AnnouncementRecords`. */
export type SettingsUnderTest = Settings & AnnouncementRecords & StoreLifecycle;

/** Small JSON settings that survive restarts and are shared between instances. */
export function settingsContract(name: string, options: StoreContractOptions<SettingsUnderTest>): void {
  describe(`settings contract: ${name}`, () => {
    const { open, fresh, another } = storeHarness(options);

    it("keeps settings as JSON values, shared between instances", async () => {
      const shared = fresh();
      const store = await open(shared);
      expect(await store.getSetting("template:x")).toBeUndefined();
      await store.putSetting("template:x", { hash: "abc", by: "carla", at: "2026-11-30T09:00:00.000Z" });
      const other = await another(shared, store);
      expect(await other.getSetting("template:x")).toEqual({
        hash: "abc",
        by: "carla",
        at: "2026-11-30T09:00:00.000Z",
      });
      expect(await other.get("A-0001")).toBeUndefined();
    });
  });
}
