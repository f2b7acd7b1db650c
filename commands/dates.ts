import { addDays } from "../src/time/calendar.ts";
import { clockText, isValidWallTime, locateWallTime, wallTimeOf, type WallTime } from "../src/time/zoned.ts";
import { fail, ok, type Result } from "../src/errors.ts";

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?$/;
const GERMAN = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(\d{1,2})[:.](\d{2})(?:\s*Uhr)?)?$/i;
const RELATIVE = /^(heute|today|morgen|tomorrow)(?:\s+(\d{1,2})[:.](\d{2})(?:\s*Uhr)?)?$/i;
const TIME_ONLY = /^(\d{1,2})[:.](\d{2})(?:\s*Uhr)?$/i;

/**
 * Reads a publication time as the town's wall-clock time:
 * `2026-06-12 08:00`, `12.06.2026 08:00`, `morgen 07:30`, `18:00` (today). A date alone means 08:00.
 * A time the clocks skip (spring forward) is refused, naming the gap; of a time shown twice (fall back),
 * the earlier one counts.
 */
export function parseWhen(raw: string, now: Date, timeZone: string): Result<Date> {
  const text = raw.trim();
  const wall = readWall(text, now, timeZone);
  if (!wall || !isValidWallTime(wall)) return fail("UNPARSABLE_DATE", { value: text });
  const at = locateWallTime(wall, timeZone);
  if (at.kind === "skipped") {
    return fail("DATE_DOES_NOT_EXIST", { value: text, from: clockText(at.from), to: clockText(at.to) });
  }
  return ok(at.kind === "once" ? at.instant : at.earlier);
}

function readWall(text: string, now: Date, timeZone: string): WallTime | undefined {
  let m = ISO.exec(text);
  if (m) return wallOf(m[1], m[2], m[3], m[4], m[5]);
  m = GERMAN.exec(text);
  if (m) return wallOf(m[3], m[2], m[1], m[4], m[5]);
  const today = wallTimeOf(now, timeZone);
  m = RELATIVE.exec(text);
  if (m) {
    const day = addDays(today, /^(morgen|tomorrow)$/i.test(m[1] ?? "") ? 1 : 0);
    return wallOf(String(day.year), String(day.month), String(day.day), m[2], m[3]);
  }
  m = TIME_ONLY.exec(text);
  if (m) return { ...today, hour: Number(m[1]), minute: Number(m[2]) };
  return undefined;
}

function wallOf(
  year: string | undefined,
  month: string | undefined,
  day: string | undefined,
  hour: string | undefined,
  minute: string | undefined,
): WallTime {
  return {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: hour === undefined ? 8 : Number(hour),
    minute: minute === undefined ? 0 : Number(minute),
  };
}
