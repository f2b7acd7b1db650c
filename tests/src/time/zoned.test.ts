import { describe, expect, it } from "vitest";
import {
  formatWallTime,
  inRepeatedHour,
  isoWithOffset,
  instantOf,
  isValidWallTime,
  locateWallTime,
  resolveWallTime,
  wallTimeOf,
  type WallTime,
} from "../../../src/time/zoned.ts";

const TZ = "Europe/Berlin";
const HOUR = 3_600_000;

const wall = (year: number, month: number, day: number, hour: number, minute: number): WallTime => ({
  year,
  month,
  day,
  hour,
  minute,
});

describe("wallTimeOf", () => {
  it("shows CEST as UTC+2 in summer", () => {
    expect(wallTimeOf(new Date("2026-06-12T06:00:00Z"), TZ)).toEqual(wall(2026, 6, 12, 8, 0));
  });

  it("shows CET as UTC+1 in winter", () => {
    expect(wallTimeOf(new Date("2026-01-15T07:45:00Z"), TZ)).toEqual(wall(2026, 1, 15, 8, 45));
  });

  it("shows midnight as hour 0, not 24", () => {
    expect(wallTimeOf(new Date("2026-06-11T22:00:00Z"), TZ)).toEqual(wall(2026, 6, 12, 0, 0));
    expect(wallTimeOf(new Date("2026-01-14T23:00:00Z"), TZ)).toEqual(wall(2026, 1, 15, 0, 0));
  });

  it("crosses the year boundary in the zone before UTC does", () => {
    expect(wallTimeOf(new Date("2026-12-31T23:30:00Z"), TZ)).toEqual(wall(2027, 1, 1, 0, 30));
  });

  it("drops seconds", () => {
    expect(wallTimeOf(new Date("2026-06-12T06:00:59.999Z"), TZ)).toEqual(wall(2026, 6, 12, 8, 0));
  });

  it("jumps from 01:59 to 03:00 on 29 March 2026", () => {
    expect(wallTimeOf(new Date("2026-03-29T00:59:00Z"), TZ)).toEqual(wall(2026, 3, 29, 1, 59));
    expect(wallTimeOf(new Date("2026-03-29T01:00:00Z"), TZ)).toEqual(wall(2026, 3, 29, 3, 0));
  });

  it("shows 02:30 twice on 25 October 2026", () => {
    expect(wallTimeOf(new Date("2026-10-25T00:30:00Z"), TZ)).toEqual(wall(2026, 10, 25, 2, 30));
    expect(wallTimeOf(new Date("2026-10-25T01:30:00Z"), TZ)).toEqual(wall(2026, 10, 25, 2, 30));
  });

  it("uses the zone it is given", () => {
    const instant = new Date("2026-06-12T06:00:00Z");
    expect(wallTimeOf(instant, "UTC")).toEqual(wall(2026, 6, 12, 6, 0));
    expect(wallTimeOf(instant, "Asia/Kolkata")).toEqual(wall(2026, 6, 12, 11, 30));
    expect(wallTimeOf(instant, "America/New_York")).toEqual(wall(2026, 6, 12, 2, 0));
  });
});

describe("instantOf", () => {
  it("finds the instant of a plain summer and winter time", () => {
    expect(instantOf(wall(2026, 6, 12, 8, 0), TZ)?.toISOString()).toBe("2026-06-12T06:00:00.000Z");
    expect(instantOf(wall(2026, 1, 15, 8, 0), TZ)?.toISOString()).toBe("2026-01-15T07:00:00.000Z");
  });

  it("returns undefined for every minute skipped in spring", () => {
    for (let minute = 0; minute < 60; minute += 1) {
      expect(instantOf(wall(2026, 3, 29, 2, minute), TZ)).toBeUndefined();
    }
  });

  it("finds the minutes next to the spring gap", () => {
    expect(instantOf(wall(2026, 3, 29, 1, 59), TZ)?.toISOString()).toBe("2026-03-29T00:59:00.000Z");
    expect(instantOf(wall(2026, 3, 29, 3, 0), TZ)?.toISOString()).toBe("2026-03-29T01:00:00.000Z");
  });

  it("returns the first of the repeated autumn hour", () => {
    expect(instantOf(wall(2026, 10, 25, 2, 0), TZ)?.toISOString()).toBe("2026-10-25T00:00:00.000Z");
    expect(instantOf(wall(2026, 10, 25, 2, 30), TZ)?.toISOString()).toBe("2026-10-25T00:30:00.000Z");
    expect(instantOf(wall(2026, 10, 25, 2, 59), TZ)?.toISOString()).toBe("2026-10-25T00:59:00.000Z");
    expect(instantOf(wall(2026, 10, 25, 3, 0), TZ)?.toISOString()).toBe("2026-10-25T02:00:00.000Z");
  });

  it("handles zones far from UTC", () => {
    expect(instantOf(wall(2026, 6, 12, 8, 0), "Pacific/Kiritimati")?.toISOString()).toBe("2026-06-11T18:00:00.000Z");
    expect(instantOf(wall(2026, 6, 12, 8, 0), "Pacific/Pago_Pago")?.toISOString()).toBe("2026-06-12T19:00:00.000Z");
  });
});

describe("round trips across the 2026 DST changes in Europe/Berlin", () => {
  const days: [string, string][] = [
    ["spring forward", "2026-03-28T12:00:00Z"],
    ["fall back", "2026-10-24T12:00:00Z"],
  ];

  it.each(days)("instant → wall → instant for every 15 minutes over the %s weekend", (_name, from) => {
    const start = new Date(from).getTime();
    for (let t = start; t < start + 48 * HOUR; t += HOUR / 4) {
      const instant = new Date(t);
      const w = wallTimeOf(instant, TZ);
      const back = instantOf(w, TZ);
      const utc = new Date(t).toISOString();
      // the second pass through the repeated hour (01:00–01:59 UTC on 25 Oct) maps back to the first
      const secondPass = utc >= "2026-10-25T01:00:00.000Z" && utc < "2026-10-25T02:00:00.000Z";
      expect(back?.getTime(), utc).toBe(secondPass ? t - HOUR : t);
    }
  });

  it.each(days)("wall → instant → wall for every existing 15 minutes over the %s weekend", (_name, from) => {
    const start = new Date(from);
    for (let h = 0; h < 48; h += 1) {
      for (const minute of [0, 15, 30, 45]) {
        const base = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate(), h, minute));
        const w = wall(base.getUTCFullYear(), base.getUTCMonth() + 1, base.getUTCDate(), base.getUTCHours(), minute);
        const instant = instantOf(w, TZ);
        const skipped = w.month === 3 && w.day === 29 && w.hour === 2;
        if (skipped) {
          expect(instant, JSON.stringify(w)).toBeUndefined();
        } else {
          expect(instant, JSON.stringify(w)).toBeDefined();
          if (instant) expect(wallTimeOf(instant, TZ)).toEqual(w);
        }
      }
    }
  });
});

describe("isValidWallTime", () => {
  it("accepts real dates and times", () => {
    expect(isValidWallTime(wall(2026, 6, 12, 8, 0))).toBe(true);
    expect(isValidWallTime(wall(2028, 2, 29, 23, 59))).toBe(true);
    expect(isValidWallTime(wall(2026, 12, 31, 0, 0))).toBe(true);
  });

  it.each([
    ["30 February", wall(2026, 2, 30, 10, 0)],
    ["29 February in a common year", wall(2026, 2, 29, 10, 0)],
    ["month 13", wall(2026, 13, 1, 10, 0)],
    ["month 0", wall(2026, 0, 1, 10, 0)],
    ["day 0", wall(2026, 6, 0, 10, 0)],
    ["hour 24", wall(2026, 6, 12, 24, 0)],
    ["minute 60", wall(2026, 6, 12, 10, 60)],
    ["NaN", wall(Number.NaN, 6, 12, 10, 0)],
  ])("rejects %s", (_name, w) => {
    expect(isValidWallTime(w)).toBe(false);
  });
});

describe("formatWallTime", () => {
  it("formats German as `Sa, 28.03.2026, 14:30` in the zone's wall time", () => {
    expect(formatWallTime(new Date("2026-03-28T13:30:00Z"), TZ, "de")).toBe("Sa, 28.03.2026, 14:30");
    expect(formatWallTime(new Date("2026-06-12T06:00:00Z"), TZ, "de")).toBe("Fr, 12.06.2026, 08:00");
    expect(formatWallTime(new Date("2026-01-05T06:05:00Z"), TZ, "de")).toBe("Mo, 05.01.2026, 07:05");
  });

  it("formats English as `Sat 28 Mar 2026, 14:30` in the zone's wall time", () => {
    expect(formatWallTime(new Date("2026-03-28T13:30:00Z"), TZ, "en")).toBe("Sat 28 Mar 2026, 14:30");
    expect(formatWallTime(new Date("2026-06-12T06:00:00Z"), TZ, "en")).toBe("Fri 12 Jun 2026, 08:00");
    expect(formatWallTime(new Date("2026-01-05T06:05:00Z"), TZ, "en")).toBe("Mon 5 Jan 2026, 07:05");
  });

  it("shows the local date and weekday, not the UTC ones, around midnight", () => {
    expect(formatWallTime(new Date("2026-12-31T23:30:00Z"), TZ, "de")).toBe("Fr, 01.01.2027, 00:30");
    expect(formatWallTime(new Date("2026-12-31T23:30:00Z"), TZ, "en")).toBe("Fri 1 Jan 2027, 00:30");
  });

  it("uses the zone it is given", () => {
    expect(formatWallTime(new Date("2026-06-12T06:00:00Z"), "UTC", "en")).toBe("Fri 12 Jun 2026, 06:00");
    expect(formatWallTime(new Date("2026-06-12T06:00:00Z"), "Asia/Kolkata", "de")).toBe("Fr, 12.06.2026, 11:30");
  });

  it("tells the two 02:30 of 25 October 2026 apart by their offset, and nothing else", () => {
    expect(formatWallTime(new Date("2026-10-25T00:30:00Z"), TZ, "de")).toBe("So, 25.10.2026, 02:30 (UTC+2)");
    expect(formatWallTime(new Date("2026-10-25T01:30:00Z"), TZ, "de")).toBe("So, 25.10.2026, 02:30 (UTC+1)");
    expect(formatWallTime(new Date("2026-10-25T01:30:00Z"), TZ, "en")).toBe("Sun 25 Oct 2026, 02:30 (UTC+1)");
    expect(formatWallTime(new Date("2026-10-24T23:59:00Z"), TZ, "de")).toBe("So, 25.10.2026, 01:59");
    expect(formatWallTime(new Date("2026-10-25T02:00:00Z"), TZ, "de")).toBe("So, 25.10.2026, 03:00");
    expect(formatWallTime(new Date("2026-03-29T01:00:00Z"), TZ, "de")).toBe("So, 29.03.2026, 03:00");
  });

  it("writes half-hour offsets in full", () => {
    // Lord Howe Island goes back from UTC+11 to UTC+10:30 on 5 April 2026 at 02:00.
    expect(formatWallTime(new Date("2026-04-04T15:15:00Z"), "Australia/Lord_Howe", "en")).toBe(
      "Sun 5 Apr 2026, 01:45 (UTC+10:30)",
    );
  });
});

describe("locateWallTime and resolveWallTime", () => {
  it("finds a plain time once", () => {
    expect(locateWallTime(wall(2026, 6, 12, 8, 0), TZ)).toEqual({
      kind: "once",
      instant: new Date("2026-06-12T06:00:00Z"),
    });
  });

  it("finds both instants of a repeated time; resolving takes the earlier", () => {
    expect(locateWallTime(wall(2026, 10, 25, 2, 30), TZ)).toEqual({
      kind: "repeated",
      earlier: new Date("2026-10-25T00:30:00Z"),
      later: new Date("2026-10-25T01:30:00Z"),
    });
    expect(resolveWallTime(wall(2026, 10, 25, 2, 30), TZ).toISOString()).toBe("2026-10-25T00:30:00.000Z");
  });

  it("names the gap of a skipped time; resolving takes the moment the clocks jump", () => {
    for (const minute of [0, 1, 30, 59]) {
      expect(locateWallTime(wall(2026, 3, 29, 2, minute), TZ)).toEqual({
        kind: "skipped",
        jumpAt: new Date("2026-03-29T01:00:00Z"),
        from: wall(2026, 3, 29, 2, 0),
        to: wall(2026, 3, 29, 3, 0),
      });
      expect(resolveWallTime(wall(2026, 3, 29, 2, minute), TZ).toISOString()).toBe("2026-03-29T01:00:00.000Z");
    }
  });

  it("handles gaps of other sizes and at midnight", () => {
    // Lord Howe skips 02:00–02:29 on 4 October 2026 (UTC+10:30 → UTC+11).
    expect(locateWallTime(wall(2026, 10, 4, 2, 15), "Australia/Lord_Howe")).toMatchObject({
      kind: "skipped",
      from: wall(2026, 10, 4, 2, 0),
      to: wall(2026, 10, 4, 2, 30),
    });
    // Santiago de Chile skips 00:00–00:59 on 6 September 2026: the day starts at 01:00.
    expect(resolveWallTime(wall(2026, 9, 6, 0, 0), "America/Santiago").toISOString()).toBe("2026-09-06T04:00:00.000Z");
  });
});

describe("inRepeatedHour", () => {
  it("is true for both passes through 02:00–02:59 on 25 October 2026 and only then", () => {
    const start = Date.parse("2026-10-24T22:00:00Z");
    for (let t = start; t < start + 6 * HOUR; t += HOUR / 4) {
      const utc = new Date(t).toISOString();
      const repeated = utc >= "2026-10-25T00:00:00.000Z" && utc < "2026-10-25T02:00:00.000Z";
      expect(inRepeatedHour(new Date(t), TZ), utc).toBe(repeated);
    }
  });
});

describe("isoWithOffset", () => {
  it("writes the zone's wall time with its offset, to the second, across the clock changes", () => {
    expect(isoWithOffset(new Date("2026-12-05T00:30:15.900Z"), "Europe/Berlin")).toBe("2026-12-05T01:30:15+01:00");
    expect(isoWithOffset(new Date("2026-03-29T00:59:59Z"), "Europe/Berlin")).toBe("2026-03-29T01:59:59+01:00");
    expect(isoWithOffset(new Date("2026-03-29T01:00:00Z"), "Europe/Berlin")).toBe("2026-03-29T03:00:00+02:00");
    expect(isoWithOffset(new Date("2026-10-25T00:30:00Z"), "Europe/Berlin")).toBe("2026-10-25T02:30:00+02:00");
    expect(isoWithOffset(new Date("2026-10-25T01:30:00Z"), "Europe/Berlin")).toBe("2026-10-25T02:30:00+01:00");
    expect(isoWithOffset(new Date("2026-06-01T12:00:00Z"), "UTC")).toBe("2026-06-01T12:00:00+00:00");
    expect(isoWithOffset(new Date("2026-06-01T12:00:00Z"), "Asia/Kolkata")).toBe("2026-06-01T17:30:00+05:30");
  });
});
