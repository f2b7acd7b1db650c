import { describe, expect, it } from "vitest";
import type { Result } from "../../../src/errors.ts";
import { FixedClock } from "../../fakes/fixtures.ts";
import { aWorld, origin, text, type World } from "../../fakes/world.ts";

const code = <T>(r: Result<T>): string => (r.ok ? "ok" : r.error.code);

/** Tuesday 1 December 2026, 02:00 in Berlin. */
const NIGHT = "2026-12-01T01:00:00.000Z";

function worldAt(iso: string): World {
  const w = aWorld();
  const clock = new FixedClock(iso);
  w.clock.advance(clock.now().getTime() - w.clock.now().getTime());
  return w;
}

const urgent = (w: World, who: string, category = "sturm", body = "Sturm: Bäume auf der B 75, Umleitung über Uesen.") =>
  w.service.draft(who, { content: text(body), category, breakGlass: true, origin });

describe("break-glass: publishing at night without waiting for approval", () => {
  it("at 02:00 on a weekday the person on duty publishes at once; approvers hear it; a review opens", async () => {
    const w = worldAt(NIGHT);
    const a = await urgent(w, "ben");
    if (!a.ok) throw new Error(a.error.code);
    expect(a.value.state).toBe("publishing");
    expect(a.value.review).toEqual({ state: "open", openedAt: NIGHT });
    expect(a.value.events.map((e) => e.event)).toEqual(["create", "submit", "break_glass", "start_publishing"]);
    expect(w.notices.kinds()).toEqual(["break_glass"]);
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(1);
    expect((await w.store.get(a.value.id))?.state).toBe("published");
    expect(await w.store.openIds()).toEqual([a.value.id]);
  });

  it.each([
    ["someone not on duty", NIGHT, "anna", "sturm", "BREAK_GLASS_NOT_ON_DUTY"],
    [
      "during office hours, even the person on duty",
      "2026-11-30T09:00:00.000Z",
      "ben",
      "sturm",
      "BREAK_GLASS_OFFICE_HOURS",
    ],
    ["a routine category", NIGHT, "ben", "allgemein", "BREAK_GLASS_NOT_EMERGENCY"],
    ["free text where the category wants a template", NIGHT, "ben", "krise", "BREAK_GLASS_NEEDS_TEMPLATE"],
  ])("is refused for %s, and nothing is stored", async (_what, at, who, category, expected) => {
    const w = worldAt(at);
    expect(code(await urgent(w, who, category))).toBe(expected);
    expect(await w.store.currentSequence("announcement")).toBe(0);
  });

  it("a public holiday counts as outside office hours (Christmas Day, 10:00)", async () => {
    const w = worldAt("2026-12-25T09:00:00.000Z");
    expect(code(await urgent(w, "ben"))).toBe("ok");
  });

  it("a department head closes the review; the author cannot; a flag needs a note", async () => {
    const w = worldAt(NIGHT);
    const a = await urgent(w, "ben");
    if (!a.ok) throw new Error(a.error.code);
    await w.outbox.runOnce();
    expect(code(await w.service.review("ben", a.value.id, "ok", ""))).toBe("SELF_APPROVAL");
    expect(code(await w.service.review("erik", a.value.id, "ok", ""))).toBe("NOT_AN_APPROVER");
    expect(code(await w.service.review("carla", a.value.id, "flag", " "))).toBe("MISSING_REASON");
    const done = await w.service.review("carla", a.value.id, "flag", "Telefonnummer fehlte");
    expect(done.ok && done.value.review).toMatchObject({ state: "flagged", by: "carla", note: "Telefonnummer fehlte" });
    expect(done.ok && done.value.events.at(-1)).toMatchObject({
      event: "review_flagged",
      reason: "Telefonnummer fehlte",
    });
    expect(code(await w.service.review("dieter", a.value.id, "ok", ""))).toBe("NO_OPEN_REVIEW");
    expect(await w.store.openIds()).toEqual([]);
  });

  it("open reviews are reminded once each morning, during office hours only", async () => {
    const w = worldAt(NIGHT);
    const a = await urgent(w, "ben");
    if (!a.ok) throw new Error(a.error.code);
    expect(await w.service.remindReviews()).toBe(0);
    w.clock.advance(6.5 * 3_600_000); // 08:30
    expect(await w.service.remindReviews()).toBe(1);
    expect(await w.service.remindReviews()).toBe(0);
    w.clock.advance(24 * 3_600_000); // Wednesday 08:30
    expect(await w.service.remindReviews()).toBe(1);
    expect(w.notices.kinds().filter((k) => k === "review_due")).toHaveLength(2);
    await w.service.review("carla", a.value.id, "ok", "");
    w.clock.advance(24 * 3_600_000);
    expect(await w.service.remindReviews()).toBe(0);
  });
});
