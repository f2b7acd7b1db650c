import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { Outbox } from "../../../src/outbox/outbox.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import { aWorld, code, say, type World } from "../../fakes/world.ts";

async function publishedAlert(w: World): Promise<void> {
  await say(w, "anna", "*Wasserrohrbruch* in der Obernstraße.\nBitte umfahren. --category krise");
  await say(w, "carla", "approve A-0001");
  await w.outbox.runOnce();
}

describe("incident chains: alert → update → all-clear", () => {
  it("links follow-ups to a published alert, shows the link in the post, and keeps the alert's category", async () => {
    const w = aWorld();
    await say(w, "anna", "Noch nicht raus --category krise");
    expect(code(await say(w, "anna", "update A-0001 Neu"))).toBe("NOT_LIVE");
    const w2 = aWorld();
    await publishedAlert(w2);
    const o = await say(w2, "anna", "update A-0001 Reparatur dauert bis 18 Uhr. --category allgemein");
    expect(o.kind === "reply" && o.announcement).toMatchObject({
      id: "A-0002",
      category: "krise",
      incident: { root: "A-0001", kind: "update" },
    });
    expect(o.kind === "reply" && o.announcement?.versions[0]?.content.text).toBe(
      "🔄 *Update* zu: Wasserrohrbruch in der Obernstraße.\n\nReparatur dauert bis 18 Uhr.",
    );
    const root = await w2.store.get("A-0001");
    expect(root?.incident).toEqual({ root: "A-0001", kind: "alert", followUps: ["A-0002"] });
    expect(root?.events.at(-1)).toMatchObject({ event: "follow_up_linked", reason: "update A-0002" });
    const list = await say(w2, "anna", "list");
    expect(list.kind === "reply" && list.message.de).toContain(
      "Offene Lagen (1):\n• A-0001 – Wasserrohrbruch in der Obernstraße. (1 Folgemeldung)",
    );
  });

  it("the all-clear closes the incident once it is out; nothing follows a closed incident", async () => {
    const w = aWorld();
    await publishedAlert(w);
    await say(w, "anna", "allclear A-0001 Die Obernstraße ist wieder frei.");
    await w.service.incidentTick();
    expect((await w.store.get("A-0001"))?.incident?.closed).toBeUndefined();
    await say(w, "dieter", "approve A-0002");
    await w.outbox.runOnce();
    // Closed in the pass that published the all-clear: `list` and `status` agree at once.
    const root = await w.store.get("A-0001");
    expect(root?.incident?.closed).toBe(true);
    expect(root?.events.at(-1)).toMatchObject({ event: "incident_closed", reason: "all-clear A-0002" });
    expect(w.outlet.published.map((p) => p.post.text)[1]).toBe(
      "✅ *Entwarnung* zu: Wasserrohrbruch in der Obernstraße.\n\nDie Obernstraße ist wieder frei.",
    );
    expect(code(await say(w, "anna", "update A-0001 Doch nicht"))).toBe("INCIDENT_CLOSED");
    expect(await w.store.openIds()).toEqual([]);
  });

  it("should the process stop between the all-clear's publication and the closing, the periodic tick closes it", async () => {
    const w = aWorld();
    await publishedAlert(w);
    await say(w, "anna", "allclear A-0001 Die Obernstraße ist wieder frei.");
    await say(w, "dieter", "approve A-0002");
    await w.newOutbox({ settled: () => Promise.reject(new Error("stopped")) }).runOnce();
    expect((await w.store.get("A-0002"))?.state).toBe("published");
    expect((await w.store.get("A-0001"))?.incident?.closed).toBeUndefined();
    await w.service.incidentTick();
    expect((await w.store.get("A-0001"))?.incident?.closed).toBe(true);
  });

  it("at the end a notice was given (--expires), its author is asked once whether to post the all-clear", async () => {
    const w = aWorld();
    await say(w, "anna", 'Sperrung Bahnhofstraße --category krise --expires "2026-11-30 18:00"');
    await say(w, "carla", "approve A-0001");
    await w.outbox.runOnce();
    await w.service.incidentTick();
    expect(w.notices.kinds()).not.toContain("expiry_reached");
    w.clock.advance(8 * 3_600_000); // 18:00
    await w.service.incidentTick();
    await w.service.incidentTick();
    expect(w.notices.kinds().filter((k) => k === "expiry_reached")).toHaveLength(1);
    expect(code(await say(w, "anna", 'Text --expires "2026-11-01 10:00"'))).toBe("DATE_IN_PAST");
  });
});

describe("scheduled posts across restarts and daylight saving", () => {
  it("the night the clocks go back: 02:30 means the first 02:30, published once", async () => {
    const w = aWorld();
    w.clock.advance(Date.parse("2026-10-24T20:00:00Z") - w.clock.now().getTime());
    const o = await say(w, "anna", 'Marktplatz gesperrt --at "2026-10-25 02:30"');
    expect(o.kind === "reply" && o.announcement?.publishAt).toBe("2026-10-25T00:30:00.000Z");
    await say(w, "carla", "approve A-0001");
    w.clock.advance(Date.parse("2026-10-25T00:29:59Z") - w.clock.now().getTime());
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(0);
    for (let minute = 0; minute < 150; minute += 1) {
      w.clock.advance(60_000);
      await w.outbox.runOnce();
    }
    expect(w.outlet.published).toHaveLength(1);
  });

  it("a restart between scheduling and the due time publishes once, on time", async () => {
    const store = new MemoryStore();
    const w = aWorld(store);
    await say(w, "anna", 'Sommerfest! --at "2026-11-30 12:00"');
    await say(w, "carla", "approve A-0001");
    await w.outbox.runOnce();
    // The process ends; a new one starts on the same store.
    const restarted = new Outbox({
      store,
      outlets: new Map([[w.outlet.id, w.outlet]]),
      clock: w.clock,
      notices: w.notices,
      log: silentLogger,
    });
    w.clock.advance(3 * 3_600_000); // 12:00 Berlin
    await Promise.all([restarted.runOnce(), restarted.runOnce()]);
    await restarted.runOnce();
    expect(w.outlet.published).toHaveLength(1);
    expect((await store.get("A-0001"))?.state).toBe("published");
  });
});

describe("follow-ups at night", () => {
  it("the person on duty may post an update to a published alert at once, even where the category wants templates", async () => {
    const w = aWorld();
    await publishedAlert(w);
    w.clock.advance(Date.parse("2026-12-01T01:00:00Z") - w.clock.now().getTime());
    expect(code(await say(w, "ben", "Neue Lage --category krise --now"))).toBe("BREAK_GLASS_NEEDS_TEMPLATE");
    const o = await say(w, "ben", "update A-0001 Die Reparatur dauert bis 20 Uhr. --now");
    expect(o.kind === "reply" && o.announcement).toMatchObject({ state: "publishing", review: { state: "open" } });
  });
});
