import { describe, expect, it } from "vitest";
import {
  addCalendarDays,
  addDays,
  isOfficeHours,
  nextOfficeStart,
  niedersachsenHolidays,
  nightOf,
  startOfDay,
  type Calendar,
} from "../../../src/time/calendar.ts";
import { addDuration } from "../../../src/time/duration.ts";

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

const TZ = "Europe/Berlin";
const QUARTER = 15 * 60_000;
const date = (year: number, month: number, day: number) => ({ year, month, day });

/** At every quarter hour from `from` to `to`, `actual` gives the value of the hand-written UTC ranges `[start, value]`. */
function scan<T>(from: string, to: string, ranges: [string, T][], actual: (instant: Date) => T): number {
  let checked = 0;
  for (let t = Date.parse(from); t < Date.parse(to); t += QUARTER) {
    const utc = new Date(t).toISOString();
    const expected = ranges.filter(([start]) => `${start}:00.000Z` <= utc).at(-1)?.[1];
    expect(actual(new Date(t)), utc).toEqual(expected);
    checked += 1;
  }
  return checked;
}

describe("office hours over the 2026 daylight-saving weekends (UTC ranges written by hand)", () => {
  it("spring forward: Friday in CET, Monday in CEST", () => {
    scan(
      "2026-03-27T00:00:00Z",
      "2026-03-31T00:00:00Z",
      [
        ["2026-03-27T00:00", false],
        ["2026-03-27T06:30", true], // Friday 07:30–12:30 CET
        ["2026-03-27T11:30", false],
        ["2026-03-30T05:30", true], // Monday 07:30–16:00 CEST
        ["2026-03-30T14:00", false],
      ],
      (t) => isOfficeHours(calendar, t),
    );
  });

  it("fall back: Friday in CEST, Monday in CET", () => {
    scan(
      "2026-10-23T00:00:00Z",
      "2026-10-27T00:00:00Z",
      [
        ["2026-10-23T00:00", false],
        ["2026-10-23T05:30", true], // Friday 07:30–12:30 CEST
        ["2026-10-23T10:30", false],
        ["2026-10-26T06:30", true], // Monday 07:30–16:00 CET
        ["2026-10-26T15:00", false],
      ],
      (t) => isOfficeHours(calendar, t),
    );
  });

  it("a span across the switch lasts its wall-clock hours: 01:00–04:00 is 2 hours in March, 4 in October", () => {
    const nightDesk: Calendar = { ...calendar, officeHours: { sun: { start: 60, end: 240 } } };
    const open = (t: Date) => isOfficeHours(nightDesk, t);
    scan(
      "2026-03-28T22:00:00Z",
      "2026-03-29T04:00:00Z",
      [
        ["2026-03-28T22:00", false],
        ["2026-03-29T00:00", true], // 01:00 CET, then 03:00 CEST at 01:00 UTC
        ["2026-03-29T02:00", false], // 04:00 CEST
      ],
      open,
    );
    scan(
      "2026-10-24T21:00:00Z",
      "2026-10-25T05:00:00Z",
      [
        ["2026-10-24T21:00", false],
        ["2026-10-24T23:00", true], // 01:00 CEST, through both 02:00 hours
        ["2026-10-25T03:00", false], // 04:00 CET
      ],
      open,
    );
  });

  it("finds the next opening across the switch, in the new offset", () => {
    expect(nextOfficeStart(calendar, at("2026-03-27T12:00:00Z"))?.toISOString()).toBe("2026-03-30T05:30:00.000Z");
    expect(nextOfficeStart(calendar, at("2026-10-23T11:00:00Z"))?.toISOString()).toBe("2026-10-26T06:30:00.000Z");
  });

  it("opens a span that begins in the skipped hour when the clocks jump, as isOfficeHours sees it", () => {
    const early: Calendar = { ...calendar, officeHours: { sun: { start: 150, end: 300 } } }; // 02:30–05:00
    const opens = nextOfficeStart(early, at("2026-03-28T18:00:00Z"));
    expect(opens?.toISOString()).toBe("2026-03-29T01:00:00.000Z"); // 03:00 CEST
    expect(isOfficeHours(early, new Date("2026-03-29T00:59:00Z"))).toBe(false);
    expect(isOfficeHours(early, new Date("2026-03-29T01:00:00Z"))).toBe(true);
  });
});

describe("calendar days", () => {
  it("adds days over month, year and leap-day boundaries", () => {
    expect(addDays(date(2026, 3, 31), 1)).toEqual(date(2026, 4, 1));
    expect(addDays(date(2026, 12, 31), 1)).toEqual(date(2027, 1, 1));
    expect(addDays(date(2028, 3, 1), -1)).toEqual(date(2028, 2, 29));
    expect(addDays(date(2026, 3, 29), -1)).toEqual(date(2026, 3, 28));
  });

  it("a night is the local date, or the day before until noon", () => {
    expect(nightOf(at("2026-03-29T09:59:00Z"), TZ)).toEqual(date(2026, 3, 28)); // 11:59 CEST
    expect(nightOf(at("2026-03-29T10:00:00Z"), TZ)).toEqual(date(2026, 3, 29)); // 12:00 CEST
    expect(nightOf(at("2026-10-25T10:59:00Z"), TZ)).toEqual(date(2026, 10, 24)); // 11:59 CET
    expect(nightOf(at("2026-10-25T11:00:00Z"), TZ)).toEqual(date(2026, 10, 25)); // 12:00 CET
    expect(nightOf(at("2026-10-24T22:00:00Z"), TZ)).toEqual(date(2026, 10, 24)); // Sunday 00:00 CEST
  });

  it("starts a day at local midnight, or when the clocks jump where midnight is skipped", () => {
    expect(startOfDay(date(2026, 3, 29), TZ).toISOString()).toBe("2026-03-28T23:00:00.000Z");
    expect(startOfDay(date(2026, 3, 30), TZ).toISOString()).toBe("2026-03-29T22:00:00.000Z");
    expect(startOfDay(date(2026, 10, 25), TZ).toISOString()).toBe("2026-10-24T22:00:00.000Z");
    expect(startOfDay(date(2026, 10, 26), TZ).toISOString()).toBe("2026-10-25T23:00:00.000Z");
    expect(startOfDay(date(2026, 9, 6), "America/Santiago").toISOString()).toBe("2026-09-06T04:00:00.000Z");
  });

  it("moves an instant by calendar days at the same wall-clock time, seconds kept", () => {
    // Saturday 10:00:30 CET + 1 day = Sunday 10:00:30 CEST: 23 hours later.
    expect(addCalendarDays(at("2026-03-28T09:00:30Z"), 1, TZ).toISOString()).toBe("2026-03-29T08:00:30.000Z");
    // Saturday 10:00 CEST + 1 day = Sunday 10:00 CET: 25 hours later.
    expect(addCalendarDays(at("2026-10-24T08:00:00Z"), 1, TZ).toISOString()).toBe("2026-10-25T09:00:00.000Z");
    // Saturday 02:30 + 1 day lands in the skipped hour: the moment the clocks jump.
    expect(addCalendarDays(at("2026-03-28T01:30:00Z"), 1, TZ).toISOString()).toBe("2026-03-29T01:00:00.000Z");
    // The second 02:30 of 25 October is an instant of its own; 0 days leaves it alone.
    expect(addCalendarDays(at("2026-10-25T01:30:00Z"), 0, TZ).toISOString()).toBe("2026-10-25T01:30:00.000Z");
  });

  it("adds policy durations: days on the calendar, hours and minutes exactly", () => {
    const friday = at("2026-10-23T08:00:00Z"); // Friday 10:00 CEST
    expect(addDuration(friday, { days: 2, ms: 0 }, TZ).toISOString()).toBe("2026-10-25T09:00:00.000Z"); // Sunday 10:00 CET
    expect(addDuration(friday, { days: 0, ms: 48 * 3_600_000 }, TZ).toISOString()).toBe("2026-10-25T08:00:00.000Z");
  });
});
