import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../adapters/config/policy-file.ts";
import { isOnDuty } from "../../../src/policy/policy.ts";

const policy = parsePolicy(
  `
people: { ben: { name: Ben }, dieter: { name: Dieter } }
defaultCategory: a
categories: { a: { label: A, approvers: [dieter] } }
onCall:
  - { person: ben, weekdays: [mon] }
  - { person: dieter, from: "2026-12-24 00:00", to: "2026-12-27 08:00" }
`,
  "roster.yaml",
);

describe("on-call roster", () => {
  it.each([
    ["Monday 20:00", "2026-11-30T19:00:00Z", "ben", true],
    ["Tuesday 02:00 belongs to Monday's night", "2026-12-01T01:00:00Z", "ben", true],
    ["Tuesday 07:59, before office hours", "2026-12-01T06:59:00Z", "ben", true],
    ["Tuesday 10:00 is office time", "2026-12-01T09:00:00Z", "ben", false],
    ["Tuesday 20:00 is Tuesday's night", "2026-12-01T19:00:00Z", "ben", false],
    ["Christmas Day 10:00, fixed shift", "2026-12-25T09:00:00Z", "dieter", true],
    ["after the shift", "2026-12-27T08:00:00Z", "dieter", false],
  ])("%s", (_what, iso, person, onDuty) => {
    expect(isOnDuty(policy, person, new Date(iso))).toBe(onDuty);
  });
});

/**
 * Both 2026 daylight-saving weekends, with a different person for every night. The expected rosters are
 * written as UTC ranges by hand (CET = UTC+1, CEST = UTC+2), not computed with the code under test.
 */
describe("on-call roster over the daylight-saving weekends", () => {
  const weekend = parsePolicy(
    `
people:
  thea: { name: Thea }
  fritz: { name: Fritz }
  sabine: { name: Sabine }
  sonja: { name: Sonja }
  moritz: { name: Moritz }
  vera: { name: Vera }
defaultCategory: a
categories: { a: { label: A, approvers: [thea] } }
officeHours: { mon: "07:30-16:00", tue: "07:30-16:00", wed: "07:30-16:00", thu: "07:30-18:00", fri: "07:30-12:30" }
onCall:
  - { person: thea, weekdays: [thu] }
  - { person: fritz, weekdays: [fri] }
  - { person: sabine, weekdays: [sat] }
  - { person: sonja, weekdays: [sun] }
  - { person: moritz, weekdays: [mon] }
  - { person: vera, from: "2026-10-25 02:30", to: "2026-10-25 12:00" }
`,
    "weekend.yaml",
  );
  const PEOPLE = ["thea", "fritz", "sabine", "sonja", "moritz"];
  const QUARTER = 15 * 60_000;

  /** `[from, who]`: from this UTC instant on, until the next entry; `office` for office hours. */
  function check(scan: { from: string; to: string }, roster: [string, string][]) {
    let checked = 0;
    for (let t = Date.parse(scan.from); t < Date.parse(scan.to); t += QUARTER) {
      const instant = new Date(t);
      const utc = instant.toISOString();
      const expected = roster.filter(([from]) => `${from}:00.000Z` <= utc).at(-1)?.[1];
      for (const person of PEOPLE) {
        expect(isOnDuty(weekend, person, instant), `${person} at ${utc}`).toBe(person === expected);
      }
      checked += 1;
    }
    return checked;
  }

  it("spring forward, 29 March 2026: Saturday's night has 23 hours, Sunday's begins at noon CEST", () => {
    const quarters = check({ from: "2026-03-27T00:00:00Z", to: "2026-03-31T00:00:00Z" }, [
      ["2026-03-27T00:00", "thea"], // Thursday's night until Friday 07:30 CET
      ["2026-03-27T06:30", "office"], // Friday 07:30–12:30 CET
      ["2026-03-27T11:30", "fritz"], // Friday 12:30 CET until Saturday noon CET
      ["2026-03-28T11:00", "sabine"], // Saturday noon CET until Sunday noon CEST
      ["2026-03-29T10:00", "sonja"], // Sunday noon CEST, all Sunday afternoon, until Monday 07:30 CEST
      ["2026-03-30T05:30", "office"], // Monday 07:30–16:00 CEST
      ["2026-03-30T14:00", "moritz"], // Monday's night
    ]);
    expect(quarters).toBe(4 * 24 * 4);
  });

  it("fall back, 25 October 2026: Saturday's night has 25 hours, Sunday's begins at noon CET", () => {
    const quarters = check({ from: "2026-10-23T00:00:00Z", to: "2026-10-27T00:00:00Z" }, [
      ["2026-10-23T00:00", "thea"], // Thursday's night until Friday 07:30 CEST
      ["2026-10-23T05:30", "office"], // Friday 07:30–12:30 CEST
      ["2026-10-23T10:30", "fritz"], // Friday 12:30 CEST until Saturday noon CEST
      ["2026-10-24T10:00", "sabine"], // Saturday noon CEST until Sunday noon CET, both 02:30s included
      ["2026-10-25T11:00", "sonja"], // Sunday noon CET until Monday 07:30 CET
      ["2026-10-26T06:30", "office"], // Monday 07:30–16:00 CET
      ["2026-10-26T15:00", "moritz"], // Monday's night
    ]);
    expect(quarters).toBe(4 * 24 * 4);
  });

  it("a fixed shift starting in the repeated hour starts at the first 02:30", () => {
    expect(isOnDuty(weekend, "vera", new Date("2026-10-25T00:15:00Z"))).toBe(false);
    expect(isOnDuty(weekend, "vera", new Date("2026-10-25T00:30:00Z"))).toBe(true); // 02:30 CEST
    expect(isOnDuty(weekend, "vera", new Date("2026-10-25T10:59:00Z"))).toBe(true); // 11:59 CET
    expect(isOnDuty(weekend, "vera", new Date("2026-10-25T11:00:00Z"))).toBe(false); // 12:00 CET
  });
});
