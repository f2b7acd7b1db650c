import { describe, expect, it } from "vitest";
import { createAnnouncementService } from "../../../src/announcement/service.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { Outbox } from "../../../src/outbox/outbox.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import type { Notice } from "../../../src/ports/notices.ts";
import { FakeOutlet, FixedClock, RecordingNotices, testPolicy } from "../../fakes/fixtures.ts";
import { aWorld, origin, text } from "../../fakes/world.ts";

describe("due index: periodic work reads only what is due", () => {
  it("the outbox picks the one approved announcement among 10,000 open ones after reading only it", async () => {
    const store = new MemoryStore();
    const w = aWorld(store);
    for (let i = 0; i < 10_000; i++) {
      const d = await w.service.draft("anna", { content: text(`Entwurf ${i}`), origin });
      if (!d.ok) throw new Error(d.error.code);
    }
    await w.outbox.runOnce(); // the first pass of a process looks at every open one, once
    await w.service.tick();
    const approved = await w.service.approve("carla", "A-4711", { via: "command" });
    expect(approved.ok).toBe(true);
    store.recordReads = 0;
    await w.outbox.runOnce();
    expect(w.outlet.published.map((p) => p.post.text)).toEqual(["Entwurf 4710"]);
    // The pass reads it once to find the work and once, under the delivery's lease, to deliver it.
    expect(store.recordReads).toBeLessThanOrEqual(4);
    store.recordReads = 0;
    await w.outbox.runOnce();
    await w.service.tick();
    expect(store.recordReads).toBe(0);
  });

  it("deadlines and escalations come due through the index, in time, without reading the rest", async () => {
    const store = new MemoryStore();
    const w = aWorld(store);
    for (let i = 0; i < 500; i++) await w.service.draft("anna", { content: text(`Entwurf ${i}`), origin });
    await w.service.tick();
    store.recordReads = 0;
    w.clock.advance(29 * 60_000);
    await w.service.tick();
    expect(store.recordReads).toBe(0);
    w.clock.advance(2 * 60_000); // the first escalation step (30 min) of every one of them
    await w.service.tick();
    expect(w.notices.kinds().filter((k) => k === "escalated")).toHaveLength(200);
    await w.service.tick();
    await w.service.tick();
    expect(w.notices.kinds().filter((k) => k === "escalated")).toHaveLength(500);
  });

  it("a deciding approval hands the post to its outlet before the chat hears of it (citizens first)", async () => {
    const order: string[] = [];
    const store = new MemoryStore();
    const clock = new FixedClock();
    const outlet = new FakeOutlet();
    const publish = outlet.publish.bind(outlet);
    outlet.publish = (post, attempt) => {
      order.push("outlet");
      return publish(post, attempt);
    };
    const notices = new (class extends RecordingNotices {
      override async emit(notice: Notice): Promise<void> {
        order.push(notice.kind);
        await super.emit(notice);
      }
    })();
    const deps = { store, policy: testPolicy(), clock, notices, log: silentLogger };
    const outbox = new Outbox({ ...deps, outlets: new Map([[outlet.id, outlet]]) });
    const service = createAnnouncementService({
      ...deps,
      outlets: [outlet],
      onDue: async (id) => {
        if (id) await outbox.deliverNow(id);
      },
    });
    await service.draft("anna", { content: text("Hauptstraße gesperrt"), origin });
    order.length = 0;
    await service.approve("carla", "A-0001", { via: "reaction" });
    await outbox.idle();
    expect(order.slice(0, 2)).toEqual(["outlet", "approved"]);
    expect((await store.get("A-0001"))?.state).toBe("published");
  });
});

describe("due index: data from before it existed", () => {
  it("announcements written without the index (an upgrade) are found by the first pass and delivered", async () => {
    const store = new MemoryStore();
    const w = aWorld(store);
    const d = await w.service.draft("anna", { content: text("Aus der alten Version"), origin });
    if (!d.ok) throw new Error(d.error.code);
    await w.service.approve("carla", d.value.id, { via: "command" });
    // As an earlier version left it: approved and queued, but nothing in the due index.
    await store.setDue(d.value.id, undefined);
    expect(await store.dueIds(w.clock.now(), 10)).toEqual([]);
    await w.newOutbox().runOnce();
    expect(w.outlet.published.map((p) => p.post.text)).toEqual(["Aus der alten Version"]);
    expect((await store.get(d.value.id))?.state).toBe("published");
  });
});
