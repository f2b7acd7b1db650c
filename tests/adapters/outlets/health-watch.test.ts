import { describe, expect, it } from "vitest";
import { HealthWatch } from "../../../adapters/outlets/health-watch.ts";
import { WahaOutlet } from "../../../adapters/whatsapp/waha.ts";
import type { AnnouncementId } from "../../../src/announcement/announcement.ts";
import { createAnnouncementService } from "../../../src/announcement/service.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { Outbox } from "../../../src/outbox/outbox.ts";
import { systemClock } from "../../../src/ports/clock.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import type { OutletHealth } from "../../../src/ports/outlet.ts";
import { FakeWaha } from "../../fakes/fake-waha.ts";
import { RecordingNotices, testPolicy } from "../../fakes/fixtures.ts";

function scripted(states: OutletHealth[]) {
  const changes: string[] = [];
  const watch = new HealthWatch({
    outlet: { id: "gw", health: async () => states.shift() ?? { state: "ok" } },
    intervalMs: 60_000,
    log: silentLogger,
    onChange: async (now, before) => void changes.push(`${before?.state ?? "start"}→${now.state}`),
  });
  return { watch, changes };
}

describe("health watch", () => {
  it("reports each change once, not every check", async () => {
    const down = { state: "down" as const, reason: "SCAN_QR_CODE", problem: "session_not_ready" as const };
    const { watch, changes } = scripted([{ state: "ok" }, down, down, down, { state: "ok" }, { state: "ok" }]);
    for (let i = 0; i < 6; i++) await watch.check();
    expect(changes).toEqual(["ok→down", "down→ok"]);
  });

  it("counts as available until a check says down; a throwing check counts as down", async () => {
    const changes: string[] = [];
    const watch = new HealthWatch({
      outlet: { id: "gw", health: () => Promise.reject(new Error("ECONNREFUSED")) },
      intervalMs: 60_000,
      log: silentLogger,
      onChange: async (now) => void changes.push(now.state === "down" ? now.reason : now.state),
    });
    expect(watch.available()).toBe(true);
    await watch.check();
    expect(watch.available()).toBe(false);
    expect(changes).toEqual(["ECONNREFUSED"]);
  });

  it("a first check that finds the outlet working says nothing", async () => {
    const { watch, changes } = scripted([{ state: "ok" }]);
    await watch.check();
    expect(changes).toEqual([]);
  });
});

describe("gateway down for a while (WAHA stand-in on loopback)", () => {
  it("alerts once, keeps everything waiting, then delivers all in order after recovery", async () => {
    const waha = new FakeWaha();
    const url = await waha.start();
    try {
      waha.sessionStatus = "SCAN_QR_CODE";
      const outlet = new WahaOutlet({
        baseUrl: url,
        apiKey: waha.apiKey,
        session: "default",
        channelId: waha.channelId,
        media: async () => undefined,
      });
      const alerts: string[] = [];
      const watch = new HealthWatch({
        outlet,
        intervalMs: 60_000,
        log: silentLogger,
        onChange: async (now) => void alerts.push(now.state),
      });
      const store = new MemoryStore();
      const deps = {
        store,
        policy: testPolicy(),
        clock: systemClock,
        notices: new RecordingNotices(),
        log: silentLogger,
      };
      const service = createAnnouncementService({ ...deps, outlets: [outlet] });
      const outbox = new Outbox({
        ...deps,
        outlets: new Map([[outlet.id, outlet]]),
        available: () => watch.available(),
      });

      await watch.check();
      const ids: AnnouncementId[] = [];
      for (const text of ["Erste", "Zweite", "Dritte"]) {
        const d = await service.draft("anna", { content: { text, media: [] }, origin: { platform: "t", room: "t" } });
        if (!d.ok) throw new Error(d.error.code);
        await service.approve("carla", d.value.id, { via: "command" });
        ids.push(d.value.id);
      }
      for (let i = 0; i < 3; i++) {
        await watch.check();
        await outbox.runOnce();
      }
      expect(alerts).toEqual(["down"]);
      expect(waha.posts).toEqual([]);
      expect(waha.requests.filter((r) => r.startsWith("POST"))).toEqual([]);
      for (const id of ids)
        expect((await store.get(id))?.deliveries[0]).toMatchObject({ state: "queued", attempts: 0 });

      waha.sessionStatus = "WORKING";
      await watch.check();
      await outbox.runOnce();
      expect(alerts).toEqual(["down", "ok"]);
      expect(waha.posts.map((p) => p.body)).toEqual(["Erste", "Zweite", "Dritte"]);
      for (const id of ids) expect((await store.get(id))?.state).toBe("published");
    } finally {
      await waha.stop();
    }
  });
});
