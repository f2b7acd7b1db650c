import { describe, expect, it } from "vitest";
import { createAnnouncementService } from "../../src/announcement/service.ts";
import { Outbox } from "../../src/outbox/outbox.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import { CROWD_POLICY, FakeOutlet, FixedClock, RecordingNotices } from "../fakes/fixtures.ts";
import { announcementRecordsContract } from "./announcement-records.contract.ts";
import { chatStateContract } from "./chat-state.contract.ts";
import { dueIndexContract } from "./due-index.contract.ts";
import { locksContract } from "./locks.contract.ts";
import { mediaContract } from "./media.contract.ts";
import { settingsContract } from "./settings.contract.ts";
import { storeHarness, type StoreContractOptions } from "./store-harness.ts";

export type { StoreContractOptions } from "./store-harness.ts";

/** Every port's contract, and the ports working together under the announcement service and the outbox. */
export function storeContract(name: string, options: StoreContractOptions<Store>): void {
  describe(`store contract: ${name}`, () => {
    announcementRecordsContract(name, options);
    locksContract(name, options);
    dueIndexContract(name, options);
    settingsContract(name, options);
    mediaContract(name, options);
    chatStateContract(name, options);

    describe(`ports together: ${name}`, () => {
      const { fresh, instances } = storeHarness(options);

      it("parallel approvals of one announcement yield exactly one publish job and one delivery", async () => {
        const stores = await instances(fresh());
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
  });
}
