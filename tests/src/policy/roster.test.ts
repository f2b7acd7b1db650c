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
