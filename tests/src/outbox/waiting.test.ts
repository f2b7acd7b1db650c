import { describe, expect, it } from "vitest";
import type { AnnouncementId } from "../../../src/announcement/announcement.ts";
import type { OutboxOptions } from "../../../src/outbox/outbox.ts";
import { FakeOutlet } from "../../fakes/fixtures.ts";
import { aWorld, origin, text, type World } from "../../fakes/world.ts";

async function drafted(w: World, body: string, category?: string): Promise<AnnouncementId> {
  const a = await w.service.draft("anna", { content: text(body), origin, ...(category ? { category } : {}) });
  if (!a.ok) throw new Error(a.error.code);
  return a.value.id;
}

async function approve(w: World, id: AnnouncementId): Promise<void> {
  const r = await w.service.approve("carla", id, { via: "command" });
  if (!r.ok) throw new Error(r.error.code);
}

const refusedKey = {
  state: "failed",
  reason: "WAHA refused the credentials (401)",
  retryable: false,
  code: "unauthorized",
} as const;
const loggedOut = { state: "failed", reason: "session not ready", retryable: true, code: "session_not_ready" } as const;

describe("outbox: an outlet that is not ready makes posts wait, never fail", () => {
  it("a refused key (401) on a send is an outage: the post waits, no hand-off, and goes out once the key works", async () => {
    const manual = Object.assign(new FakeOutlet("manual"), { handoff: true });
    const trouble: string[] = [];
    const w = aWorld(undefined, manual, undefined, { outletTrouble: (id) => trouble.push(id) });
    const id = await drafted(w, "Hauptstraße gesperrt");
    await approve(w, id);
    w.outlet.publishAnswers = [refusedKey, refusedKey, refusedKey, refusedKey, refusedKey, refusedKey];
    for (let i = 0; i < 6; i++) {
      await w.outbox.runOnce();
      w.clock.advance(10 * 60_000);
    }
    expect(w.outlet.published).toHaveLength(6);
    expect(manual.published).toHaveLength(0);
    expect(trouble).toEqual(Array(6).fill("fake"));
    const waiting = await w.store.get(id);
    expect(waiting?.deliveries[0]).toMatchObject({ state: "queued", waitsForOutlet: true });
    expect(w.notices.kinds()).not.toContain("delivery_failed");
    await w.outbox.runOnce();
    expect((await w.store.get(id))?.state).toBe("published");
  });

  it("after a restart (the key fixed), what waited goes out at once, not at its backed-off retry", async () => {
    const w = aWorld();
    const id = await drafted(w, "Hauptstraße gesperrt");
    await approve(w, id);
    w.outlet.publishAnswers = [refusedKey, refusedKey, refusedKey, refusedKey];
    for (let i = 0; i < 4; i++) {
      if (i > 0) w.clock.advance(60_000);
      await w.outbox.runOnce();
    }
    expect(w.outlet.published).toHaveLength(4);
    const notBefore = (await w.store.get(id))?.deliveries[0]?.notBefore;
    expect(Date.parse(notBefore ?? "")).toBeGreaterThan(w.clock.now().getTime() + 5_000);
    w.clock.advance(1_000);
    await w.newOutbox().runOnce();
    expect((await w.store.get(id))?.state).toBe("published");
  });

  it("the outlet back after a QR scan: what waited goes out at once, in the order it was approved", async () => {
    let up = false;
    const options: Partial<OutboxOptions> = { available: () => up };
    const w = aWorld(undefined, undefined, undefined, options);
    const [one, two, three] = [await drafted(w, "Eins"), await drafted(w, "Zwei"), await drafted(w, "Drei")];
    for (const id of [two, three, one]) {
      await approve(w, id);
      w.clock.advance(1_000);
      await w.outbox.runOnce();
    }
    expect(w.outlet.published).toHaveLength(0);
    up = true;
    w.outbox.outletRecovered("fake");
    await w.outbox.runOnce();
    expect(w.outlet.published.map((p) => p.post.text)).toEqual(["Zwei", "Drei", "Eins"]);
  });

  it("a logged-out session found by the sends themselves: the order of approval still holds", async () => {
    const w = aWorld();
    const [one, two, three] = [await drafted(w, "Eins"), await drafted(w, "Zwei"), await drafted(w, "Drei")];
    w.outlet.publishAnswers = [loggedOut, loggedOut, loggedOut, loggedOut];
    for (const id of [two, three, one]) {
      await approve(w, id);
      w.clock.advance(1_000);
      await w.outbox.runOnce();
      w.clock.advance(3_000);
      await w.outbox.runOnce();
    }
    expect(w.outlet.published.map((p) => p.post.text)).toEqual(["Zwei", "Zwei", "Zwei", "Zwei"]);
    w.clock.advance(500);
    w.outbox.outletRecovered("fake");
    await w.outbox.runOnce();
    expect(w.outlet.published.slice(4).map((p) => p.post.text)).toEqual(["Zwei", "Drei", "Eins"]);
  });

  it("emergencies go before everything else that waited", async () => {
    let up = false;
    const w = aWorld(undefined, undefined, undefined, {
      available: () => up,
      urgent: (a) => a.category === "krise",
    });
    const routine = await drafted(w, "Sperrmüll");
    const crisis = await drafted(w, "Wasserrohrbruch", "krise");
    await approve(w, routine);
    w.clock.advance(1_000);
    await approve(w, crisis);
    up = true;
    await w.outbox.runOnce();
    expect(w.outlet.published.map((p) => p.post.text)).toEqual(["Wasserrohrbruch", "Sperrmüll"]);
  });
});

describe("outbox: an unclear outcome is read back at growing pauses, not on every pass", () => {
  it("reads back after 2, 5, 10, then every 30 s, and re-sends only after the grace period", async () => {
    const w = aWorld();
    w.outlet.readBackGraceMs = 120_000;
    w.outlet.unknownButLive = false;
    const id = await drafted(w, "Hauptstraße gesperrt");
    await approve(w, id);
    w.outlet.publishAnswers = [{ state: "unknown", reason: "timeout" }];
    await w.outbox.runOnce();
    const readsAt: number[] = [];
    for (let second = 1; second <= 130; second++) {
      w.clock.advance(1_000);
      const before = w.outlet.readBacks.length;
      await w.outbox.runOnce();
      if (w.outlet.readBacks.length > before) readsAt.push(second);
    }
    expect(readsAt).toEqual([2, 7, 17, 47, 77, 107, 120]);
    expect(w.outlet.published).toHaveLength(2);
    expect((await w.store.get(id))?.state).toBe("published");
  });
});
