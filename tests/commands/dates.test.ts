import { describe, expect, it } from "vitest";
import { parseWhen } from "../../commands/dates.ts";

const TZ = "Europe/Berlin";
/** Wednesday 10 June 2026, 12:00 in Berlin (CEST, UTC+2). */
const NOW = new Date("2026-06-10T10:00:00Z");

function iso(raw: string, now = NOW, timeZone = TZ): string {
  const result = parseWhen(raw, now, timeZone);
  if (!result.ok) throw new Error(`expected ok for ${raw}, got ${JSON.stringify(result.error)}`);
  return result.value.toISOString();
}

describe("parseWhen", () => {
  describe("ISO dates", () => {
    it("reads summer time as UTC+2", () => {
      expect(iso("2026-06-12 08:00")).toBe("2026-06-12T06:00:00.000Z");
    });

    it("accepts T as separator and single-digit parts", () => {
      expect(iso("2026-06-12T08:00")).toBe("2026-06-12T06:00:00.000Z");
      expect(iso("2026-6-2 8:05")).toBe("2026-06-02T06:05:00.000Z");
    });

    it("means 08:00 local for a date alone", () => {
      expect(iso("2026-06-12")).toBe("2026-06-12T06:00:00.000Z");
    });

    it("reads winter time as UTC+1", () => {
      expect(iso("2026-01-15 08:00")).toBe("2026-01-15T07:00:00.000Z");
      expect(iso("2026-01-15")).toBe("2026-01-15T07:00:00.000Z");
    });

    it("reads midnight and 23:59", () => {
      expect(iso("2026-06-12 00:00")).toBe("2026-06-11T22:00:00.000Z");
      expect(iso("2026-06-12 23:59")).toBe("2026-06-12T21:59:00.000Z");
    });

    it("ignores surrounding white space", () => {
      expect(iso("  2026-06-12 08:00 \n")).toBe("2026-06-12T06:00:00.000Z");
    });
  });

  describe("German dates", () => {
    it("reads dd.mm.yyyy hh:mm", () => {
      expect(iso("12.06.2026 08:00")).toBe("2026-06-12T06:00:00.000Z");
    });

    it("reads a comma, a dotted time and Uhr", () => {
      expect(iso("12.06.2026, 8.00 Uhr")).toBe("2026-06-12T06:00:00.000Z");
      expect(iso("12.06.2026 8:30Uhr")).toBe("2026-06-12T06:30:00.000Z");
      expect(iso("12.06.2026, 8.00 uhr")).toBe("2026-06-12T06:00:00.000Z");
    });

    it("reads single-digit day and month", () => {
      expect(iso("2.6.2026 10:00")).toBe("2026-06-02T08:00:00.000Z");
    });

    it("means 08:00 local for a date alone", () => {
      expect(iso("12.06.2026")).toBe("2026-06-12T06:00:00.000Z");
    });

    it("reads winter time as UTC+1", () => {
      expect(iso("15.01.2026 08:00")).toBe("2026-01-15T07:00:00.000Z");
    });
  });

  describe("relative days", () => {
    it("reads morgen with a time", () => {
      expect(iso("morgen 07:30")).toBe("2026-06-11T05:30:00.000Z");
    });

    it("reads heute with a time", () => {
      expect(iso("heute 18:00")).toBe("2026-06-10T16:00:00.000Z");
    });

    it("reads the English words and Uhr, case-insensitively", () => {
      expect(iso("tomorrow 7.30")).toBe("2026-06-11T05:30:00.000Z");
      expect(iso("Today 18:00 Uhr")).toBe("2026-06-10T16:00:00.000Z");
      expect(iso("MORGEN 07:30")).toBe("2026-06-11T05:30:00.000Z");
    });

    it("means 08:00 for the day alone", () => {
      expect(iso("morgen")).toBe("2026-06-11T06:00:00.000Z");
      expect(iso("heute")).toBe("2026-06-10T06:00:00.000Z");
    });

    it("takes today from the town's zone, not from UTC", () => {
      // 23:30 UTC on 11 June is already 01:30 on 12 June in Berlin
      const lateNight = new Date("2026-06-11T23:30:00Z");
      expect(iso("heute 18:00", lateNight)).toBe("2026-06-12T16:00:00.000Z");
      expect(iso("morgen 07:30", lateNight)).toBe("2026-06-13T05:30:00.000Z");
      expect(iso("18:00", lateNight)).toBe("2026-06-12T16:00:00.000Z");
    });

    it("rolls morgen over month and year ends", () => {
      expect(iso("morgen 09:00", new Date("2026-06-30T10:00:00Z"))).toBe("2026-07-01T07:00:00.000Z");
      expect(iso("morgen 09:00", new Date("2026-12-31T10:00:00Z"))).toBe("2027-01-01T08:00:00.000Z");
      expect(iso("morgen 09:00", new Date("2028-02-28T10:00:00Z"))).toBe("2028-02-29T08:00:00.000Z");
    });

    it("uses the offset of the target day across a DST change", () => {
      // Saturday 28 March 2026 is still CET; Sunday 29 March is CEST
      expect(iso("morgen 08:00", new Date("2026-03-28T10:00:00Z"))).toBe("2026-03-29T06:00:00.000Z");
      // Saturday 24 October is CEST; Sunday 25 October is CET
      expect(iso("morgen 08:00", new Date("2026-10-24T10:00:00Z"))).toBe("2026-10-25T07:00:00.000Z");
    });
  });

  describe("time alone", () => {
    it("means today", () => {
      expect(iso("18:00")).toBe("2026-06-10T16:00:00.000Z");
      expect(iso("8.15 Uhr")).toBe("2026-06-10T06:15:00.000Z");
    });

    it("uses winter time in January", () => {
      expect(iso("18:00", new Date("2026-01-20T10:00:00Z"))).toBe("2026-01-20T17:00:00.000Z");
    });
  });

  describe("other zones", () => {
    it("uses the zone it is given", () => {
      expect(iso("2026-06-12 08:00", NOW, "UTC")).toBe("2026-06-12T08:00:00.000Z");
      expect(iso("2026-06-12 08:00", NOW, "America/New_York")).toBe("2026-06-12T12:00:00.000Z");
    });
  });

  describe("errors", () => {
    it.each([
      ["2026-02-30 10:00"],
      ["2026-02-29"],
      ["31.04.2026 10:00"],
      ["2026-13-01 10:00"],
      ["2026-00-10"],
      ["2026-06-12 24:00"],
      ["2026-06-12 10:60"],
      ["25:00"],
      ["heute 24:00"],
    ])("rejects the impossible date or time %s", (raw) => {
      expect(parseWhen(raw, NOW, TZ)).toEqual({
        ok: false,
        error: { code: "UNPARSABLE_DATE", params: { value: raw } },
      });
    });

    it.each([
      ["nächsten Dienstag"],
      ["bald"],
      [""],
      ["2026/06/12"],
      ["12.06.26"],
      ["12.06.2026 8"],
      ["2026-06-12 08:00 morgen"],
      ["übermorgen"],
      ["18"],
    ])("rejects the unreadable %j", (raw) => {
      expect(parseWhen(raw, NOW, TZ)).toEqual({
        ok: false,
        error: { code: "UNPARSABLE_DATE", params: { value: raw } },
      });
    });

    it("reports the trimmed value", () => {
      expect(parseWhen("  bald  ", NOW, TZ)).toEqual({
        ok: false,
        error: { code: "UNPARSABLE_DATE", params: { value: "bald" } },
      });
    });

    it("rejects a time skipped by the spring-forward change, naming the jump", () => {
      for (const raw of ["2026-03-29 02:30", "29.03.2026 02:00", "2026-03-29 02:59"]) {
        expect(parseWhen(raw, NOW, TZ)).toEqual({
          ok: false,
          error: { code: "DATE_DOES_NOT_EXIST", params: { value: raw, from: "02:00", to: "03:00" } },
        });
      }
    });

    it("rejects morgen and a time alone in the skipped hour as well", () => {
      const saturday = new Date("2026-03-28T10:00:00Z");
      const sundayNight = new Date("2026-03-29T00:30:00Z"); // 01:30 CET, half an hour before the jump
      for (const [raw, now] of [
        ["morgen 02:30", saturday],
        ["02:15", sundayNight],
        ["heute 2.45 Uhr", sundayNight],
      ] as const) {
        expect(parseWhen(raw, now, TZ)).toEqual({
          ok: false,
          error: { code: "DATE_DOES_NOT_EXIST", params: { value: raw, from: "02:00", to: "03:00" } },
        });
      }
    });

    it("names the jump of other zones: New York skips 02:00 to 03:00 on 8 March 2026", () => {
      expect(parseWhen("2026-03-08 02:30", NOW, "America/New_York")).toEqual({
        ok: false,
        error: { code: "DATE_DOES_NOT_EXIST", params: { value: "2026-03-08 02:30", from: "02:00", to: "03:00" } },
      });
    });

    it("accepts the minutes around the spring-forward gap", () => {
      expect(iso("2026-03-29 01:59")).toBe("2026-03-29T00:59:00.000Z");
      expect(iso("2026-03-29 03:00")).toBe("2026-03-29T01:00:00.000Z");
    });
  });

  describe("every quarter hour of both 2026 daylight-saving weekends", () => {
    const pad = (n: number) => String(n).padStart(2, "0");
    /** Each local time, typed: the offset written by hand (CET +1, CEST +2), null where the clocks skip. */
    function* weekend(days: number[], month: number, offsetOf: (day: number, hour: number) => number | null) {
      for (const day of days) {
        for (let hour = 0; hour < 24; hour += 1) {
          for (const minute of [0, 15, 30, 45]) {
            const offset = offsetOf(day, hour);
            const utc = offset === null ? null : new Date(Date.UTC(2026, month - 1, day, hour - offset, minute));
            yield { typed: `2026-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}`, utc };
          }
        }
      }
    }

    it("March: CET until 01:59 on the 29th, 02:00–02:59 refused, CEST from 03:00", () => {
      const offsets = (day: number, hour: number) =>
        day < 29 || (day === 29 && hour < 2) ? 1 : day === 29 && hour === 2 ? null : 2;
      for (const { typed, utc } of weekend([28, 29, 30], 3, offsets)) {
        const result = parseWhen(typed, NOW, TZ);
        if (utc === null) expect(result.ok ? "accepted" : result.error.code, typed).toBe("DATE_DOES_NOT_EXIST");
        else expect(result.ok && result.value.toISOString(), typed).toBe(utc.toISOString());
      }
    });

    it("October: CEST until the first 02:59 on the 25th (the earlier of the repeated hour), CET from 03:00", () => {
      const offsets = (day: number, hour: number) => (day < 25 || (day === 25 && hour < 3) ? 2 : 1);
      for (const { typed, utc } of weekend([24, 25, 26], 10, offsets)) {
        const result = parseWhen(typed, NOW, TZ);
        expect(result.ok && result.value.toISOString(), typed).toBe(utc?.toISOString());
      }
    });

    it("morgen from Saturday means Sunday's wall time in Sunday's offset", () => {
      const saturdayNoon = new Date("2026-10-24T10:00:00Z");
      expect(iso("morgen 02:30", saturdayNoon)).toBe("2026-10-25T00:30:00.000Z");
      expect(iso("morgen 03:00", saturdayNoon)).toBe("2026-10-25T02:00:00.000Z");
      expect(iso("morgen 07:00", new Date("2026-03-28T10:00:00Z"))).toBe("2026-03-29T05:00:00.000Z");
      // Typed in the second 02:xx (CET): "heute 03:00" is the coming 03:00, "02:45" the first one, already past.
      const secondPass = new Date("2026-10-25T01:40:00Z");
      expect(iso("heute 03:00", secondPass)).toBe("2026-10-25T02:00:00.000Z");
      expect(iso("02:45", secondPass)).toBe("2026-10-25T00:45:00.000Z");
    });
  });

  it("takes the first occurrence of the hour repeated in autumn", () => {
    expect(iso("2026-10-25 02:30")).toBe("2026-10-25T00:30:00.000Z");
    expect(iso("25.10.2026 02:00")).toBe("2026-10-25T00:00:00.000Z");
    expect(iso("2026-10-25 03:00")).toBe("2026-10-25T02:00:00.000Z");
  });
});
