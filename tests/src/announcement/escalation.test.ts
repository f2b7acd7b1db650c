import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../adapters/config/policy-file.ts";
import { TEST_POLICY_YAML } from "../../fakes/fixtures.ts";
import { aWorld, origin, text } from "../../fakes/world.ts";

const MIN = 60_000;

describe("escalation of announcements that wait too long", () => {
  it("pings each step of the chain once, at its time, and the audit says who and when", async () => {
    const w = aWorld();
    const a = await w.service.draft("anna", { content: text("Text"), origin });
    if (!a.ok) throw new Error(a.error.code);
    w.clock.advance(29 * MIN);
    expect(await w.service.escalateDue()).toBe(0);
    w.clock.advance(1 * MIN);
    expect(await w.service.escalateDue()).toBe(1);
    expect(await w.service.escalateDue()).toBe(0);
    w.clock.advance(89 * MIN);
    expect(await w.service.escalateDue()).toBe(0);
    w.clock.advance(1 * MIN);
    expect(await w.service.escalateDue()).toBe(1);
    w.clock.advance(600 * MIN);
    expect(await w.service.escalateDue()).toBe(0);

    const events = (await w.store.get(a.value.id))?.events.filter((e) => e.event === "escalate");
    expect(events?.map((e) => [e.at, e.reason])).toEqual([
      ["2026-11-30T09:30:00.000Z", "pinged dieter"],
      ["2026-11-30T11:00:00.000Z", "pinged erik, carla"],
    ]);
    const pinged = w.notices.notices.flatMap((n) => (n.kind === "escalated" ? [n.people] : []));
    expect(pinged).toEqual([["dieter"], ["erik", "carla"]]);
  });

  it("stops once someone approves", async () => {
    const w = aWorld();
    const a = await w.service.draft("anna", { content: text("Text"), origin });
    if (!a.ok) throw new Error(a.error.code);
    w.clock.advance(30 * MIN);
    await w.service.escalateDue();
    await w.service.approve("dieter", a.value.id, { via: "reaction" });
    w.clock.advance(300 * MIN);
    expect(await w.service.escalateDue()).toBe(0);
    expect(w.notices.kinds().filter((k) => k === "escalated")).toHaveLength(1);
  });

  it("after a long pause (the bot was down), catches up on every step due, once", async () => {
    const w = aWorld();
    const a = await w.service.draft("carla", { content: text("Text"), origin });
    if (!a.ok) throw new Error(a.error.code);
    w.clock.advance(180 * MIN);
    expect(await w.service.escalateDue()).toBe(1);
    expect(await w.service.escalateDue()).toBe(0);
    expect((await w.store.get(a.value.id))?.escalated).toEqual([0, 1]);
    // The author is never pinged about their own announcement.
    expect(w.notices.notices.flatMap((n) => (n.kind === "escalated" ? n.people : []))).toEqual(["dieter", "erik"]);
  });

  it("the periodic tick escalates and expires on one read of the open announcements", async () => {
    const w = aWorld();
    const a = await w.service.draft("anna", { content: text("Text"), origin });
    const b = await w.service.draft("anna", { content: text("Baustelle"), category: "baustelle", origin });
    if (!a.ok || !b.ok) throw new Error("draft");
    w.clock.advance(61 * MIN);
    await w.service.tick();
    expect((await w.store.get(a.value.id))?.escalated).toEqual([0]);
    expect((await w.store.get(b.value.id))?.state).toBe("expired");
  });
});

describe("deadlines and escalation steps in days are calendar days", () => {
  const policy = parsePolicy(
    TEST_POLICY_YAML.replace(
      `    escalation:
      - { after: 30m, notify: [dieter] }
      - { after: 2h, notify: [erik, carla] }`,
      `    escalation:
      - { after: 1d, notify: [dieter] }
      - { after: 25h, notify: [erik] }`,
    ),
    "days.yaml",
  );

  it("a 2d deadline from Saturday 10:00 CEST is Monday 10:00 CET; a 1d step fires at Sunday 10:00, not before", async () => {
    const w = aWorld(undefined, undefined, policy);
    w.clock.advance(Date.parse("2026-10-24T08:00:00Z") - w.clock.now().getTime()); // Saturday 10:00 CEST
    const a = await w.service.draft("anna", { content: text("Text"), origin });
    if (!a.ok) throw new Error(a.error.code);
    expect(a.value.deadline).toBe("2026-10-26T09:00:00.000Z"); // Monday 10:00 CET, 49 hours later

    w.clock.advance(24 * 60 * MIN); // Sunday 09:00 CET: 24 hours, but not yet a calendar day
    expect(await w.service.escalateDue()).toBe(0);
    w.clock.advance(60 * MIN - 1); // Sunday 09:59:59.999 CET
    expect(await w.service.escalateDue()).toBe(0);
    w.clock.advance(1); // Sunday 10:00 CET: the 1d step and the 25h step are both due
    expect(await w.service.escalateDue()).toBe(1);
    const pinged = w.notices.notices.flatMap((n) => (n.kind === "escalated" ? [n.people] : []));
    expect(pinged).toEqual([["dieter", "erik"]]);
  });
});
