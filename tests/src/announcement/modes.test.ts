import { describe, expect, it } from "vitest";
import { createAnnouncementService } from "../../../src/announcement/service.ts";
import { EXERCISE_MARK } from "../../../src/modes/modes.ts";
import { Outbox } from "../../../src/outbox/outbox.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import { FakeOutlet } from "../../fakes/fixtures.ts";
import { aWorld, code, say, type World } from "../../fakes/world.ts";

/** An outbox like the world's, whose scheduled posts ask the service whether crisis mode holds them. */
const holdingOutbox = (w: World, extra: Partial<ConstructorParameters<typeof Outbox>[0]> = {}) =>
  new Outbox({
    store: w.store,
    outlets: new Map([[w.outlet.id, w.outlet]]),
    clock: w.clock,
    notices: w.notices,
    log: silentLogger,
    hold: (a) => w.service.holds(a),
    ...extra,
  });

describe("crisis mode", () => {
  it("holds routine scheduled posts while emergency posts flow; switched off, the held ones go out with a note", async () => {
    const w = aWorld();
    const outbox = holdingOutbox(w);
    expect(code(await say(w, "ben", "crisis on"))).toBe("NOT_AN_APPROVER");
    await say(w, "anna", 'Sommerfest am Samstag --at "2026-11-30 11:00"');
    await say(w, "anna", 'Sirenenprobe --category krise --at "2026-11-30 11:00"');
    await say(w, "carla", "approve A-0001");
    await say(w, "carla", "approve A-0002");
    const planned = await say(w, "anna", "status A-0001");
    expect(planned.kind === "reply" && planned.message.de).toContain("→ Fake: geplant");
    expect(code(await say(w, "dieter", "crisis on"))).toBe("reply");
    expect(w.notices.notices.at(-1)).toMatchObject({ kind: "mode_changed", mode: "crisis", on: true, by: "dieter" });
    w.clock.advance(60 * 60_000); // 11:00
    await outbox.runOnce();
    expect(w.outlet.published.map((p) => p.post.announcementId)).toEqual(["A-0002"]);
    expect((await w.store.get("A-0001"))?.state).toBe("scheduled");
    const held = await say(w, "anna", "status A-0001");
    expect(held.kind === "reply" && held.message.de).toContain(
      "→ Fake: wegen der Krisenlage zurückgehalten – geht raus, sobald sie endet",
    );
    expect(held.kind === "reply" && held.message.de).not.toContain("Warteschlange");
    const status = await say(w, "anna", "crisis status");
    expect(status.kind === "reply" && status.message.de).toContain("Krisenmodus ist AN");

    w.clock.advance(30 * 60_000);
    await say(w, "dieter", "crisis off");
    await outbox.runOnce();
    expect(w.outlet.published.map((p) => p.post.announcementId)).toEqual(["A-0002", "A-0001"]);
    expect((await w.store.get("A-0001"))?.events.find((e) => e.event === "start_publishing")?.reason).toBe(
      "late by 30 min",
    );
    expect(w.notices.kinds()).toContain("published_late");
  });
});

describe("exercise mode", () => {
  it("marks every post as an exercise and sends it to the test channel only", async () => {
    const w = aWorld();
    const test = new FakeOutlet("test");
    const outbox = holdingOutbox(w, { exercise: new Map([[w.outlet.id, test]]) });
    await say(w, "carla", "exercise on");
    const o = await say(w, "anna", "Probealarm Hochwasser");
    expect(o.kind === "reply" && o.announcement).toMatchObject({ exercise: true });
    expect(o.kind === "reply" && o.announcement?.versions[0]?.content.text).toBe(
      `${EXERCISE_MARK}\n\nProbealarm Hochwasser`,
    );
    await say(w, "carla", "approve A-0001");
    await outbox.runOnce();
    expect(w.outlet.published).toHaveLength(0);
    expect(test.published.map((p) => p.post.text)).toEqual([`${EXERCISE_MARK}\n\nProbealarm Hochwasser`]);
    await say(w, "carla", "exercise off");
    await say(w, "anna", "Echte Meldung");
    await say(w, "carla", "approve A-0002");
    await outbox.runOnce();
    expect(w.outlet.published.map((p) => p.post.text)).toEqual(["Echte Meldung"]);
  });

  it("never reaches the real channel when no test channel is there", async () => {
    const w = aWorld();
    const outbox = holdingOutbox(w);
    await say(w, "carla", "exercise on");
    await say(w, "anna", "Probealarm");
    await say(w, "carla", "approve A-0001");
    await outbox.runOnce();
    expect(w.outlet.published).toHaveLength(0);
    expect((await w.store.get("A-0001"))?.state).toBe("failed");
  });

  it("cannot be switched on where a gateway has no test channel", async () => {
    const w = aWorld();
    const service = createAnnouncementService({
      store: w.store,
      policy: w.policy,
      clock: w.clock,
      outlets: [w.outlet],
      notices: w.notices,
      log: silentLogger,
      canExercise: false,
    });
    expect(await service.setMode("carla", "exercise", true)).toMatchObject({
      ok: false,
      error: { code: "EXERCISE_NEEDS_TEST_CHANNEL" },
    });
    expect((await service.setMode("carla", "crisis", true)).ok).toBe(true);
  });
});
