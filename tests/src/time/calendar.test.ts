import { describe, expect, it } from "vitest";
import { isOfficeHours, nextOfficeStart, niedersachsenHolidays, type Calendar } from "../../../src/time/calendar.ts";

const calendar: Calendar = {
  timezone: "Europe/Berlin",
  officeHours: {
    mon: { start: 7 * 60 + 30, end: 16 * 60 },
    tue: { start: 7 * 60 + 30, end: 16 * 60 },
    wed: { start: 7 * 60 + 30, end: 16 * 60 },
    thu: { start: 7 * 60 + 30, end: 18 * 60 },
    fri: { start: 7 * 60 + 30, end: 12 * 60 + 30 },
  },
  holidays: { preset: "niedersachsen", add: ["2026-12-24"], remove: ["2026-10-31"] },
};

const at = (iso: string) => new Date(iso);

describe("calendar", () => {
  it("knows Lower Saxony's public holidays, Easter-based ones included", () => {
    expect([...niedersachsenHolidays(2026).keys()]).toEqual([
      "2026-01-01",
      "2026-04-03",
      "2026-04-06",
      "2026-05-01",
      "2026-05-14",
      "2026-05-25",
      "2026-10-03",
      "2026-10-31",
      "2026-12-25",
      "2026-12-26",
    ]);
    expect(niedersachsenHolidays(2027).has("2027-03-26")).toBe(true); // Karfreitag 2027
  });

  it.each([
    ["Monday 10:00 (CET)", "2026-11-30T09:00:00Z", true],
    ["Monday 07:29", "2026-11-30T06:29:00Z", false],
    ["Monday 07:30", "2026-11-30T06:30:00Z", true],
    ["Monday 16:00 is closed", "2026-11-30T15:00:00Z", false],
    ["Thursday 17:00", "2026-12-03T16:00:00Z", true],
    ["Friday 13:00", "2026-12-04T12:00:00Z", false],
    ["Saturday 10:00", "2026-12-05T09:00:00Z", false],
    ["02:00 on a weekday", "2026-12-01T01:00:00Z", false],
    ["Christmas Day, a Friday", "2026-12-25T09:00:00Z", false],
    ["Christmas Eve, added by the town", "2026-12-24T09:00:00Z", false],
    ["Reformation Day removed by the town (a Saturday anyway: Friday 30th open)", "2026-10-30T09:00:00Z", true],
    ["summer time: Monday 07:45 CEST", "2026-07-06T05:45:00Z", true],
  ])("%s", (_what, iso, open) => {
    expect(isOfficeHours(calendar, at(iso))).toBe(open);
  });

  it("finds the next opening: next morning, over a weekend and a holiday", () => {
    expect(nextOfficeStart(calendar, at("2026-12-01T01:00:00Z"))?.toISOString()).toBe("2026-12-01T06:30:00.000Z");
    expect(nextOfficeStart(calendar, at("2026-12-04T13:00:00Z"))?.toISOString()).toBe("2026-12-07T06:30:00.000Z");
    expect(nextOfficeStart(calendar, at("2026-12-23T16:00:00Z"))?.toISOString()).toBe("2026-12-28T06:30:00.000Z");
  });
});
