/**
 * Wall-clock time in an IANA zone, converted with Intl alone (no time library: src/ imports no packages).
 *
 * Daylight-saving rules, the same everywhere:
 * - a wall time the clocks skip (spring forward, 02:30 on 29 March 2026 in Berlin) has no instant of its own:
 *   `instantOf` returns undefined, so a person's input can be refused; `resolveWallTime` takes the moment the
 *   clocks jump (03:00), where a period that should begin in the gap begins;
 * - a wall time the clocks show twice (fall back, 02:30 on 25 October 2026) means the earlier one.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

export function wallTimeOf(instant: Date, timeZone: string): WallTime {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
  };
}

/** The wall time read as if it were UTC: wall times compare and subtract as numbers this way. */
const asUtc = (w: WallTime): number => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);

const wallOfUtc = (t: number): WallTime => {
  const d = new Date(t);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
};

/** How far the zone's clocks are ahead of UTC at this instant (to the minute). */
function offsetAt(t: number, timeZone: string): number {
  const minute = Math.floor(t / MINUTE) * MINUTE;
  return asUtc(wallTimeOf(new Date(minute), timeZone)) - minute;
}

/**
 * The instant as the zone's wall time with its offset, to the second: `2026-12-05T01:30:00+01:00` (ISO 8601 /
 * RFC 3339, as CAP and feeds write times). Zero offset is `+00:00`.
 */
export function isoWithOffset(instant: Date, timeZone: string): string {
  const second = Math.floor(instant.getTime() / 1000) * 1000;
  const offset = offsetAt(second, timeZone);
  const wall = new Date(second + offset).toISOString().slice(0, 19);
  const minutes = Math.round(Math.abs(offset) / MINUTE);
  return `${wall}${offset < 0 ? "-" : "+"}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** Where a wall time falls: once, twice (the repeated hour in autumn), or in the gap the clocks skip. */
export type WallLocation =
  | { kind: "once"; instant: Date }
  | { kind: "repeated"; earlier: Date; later: Date }
  /** `jumpAt`: the instant the clocks jump; they skip the wall times from `from` up to `to`. */
  | { kind: "skipped"; jumpAt: Date; from: WallTime; to: WallTime };

/** Zones are at most 14 hours from UTC, so every instant showing a wall time lies within this of it. */
const REACH = 15 * HOUR;

export function locateWallTime(wall: WallTime, timeZone: string): WallLocation {
  const target = asUtc(wall);
  const offsets = new Set([-REACH, -2 * HOUR, 0, 2 * HOUR, REACH].map((d) => offsetAt(target + d, timeZone)));
  const matches = [...offsets]
    .map((offset) => target - offset)
    .filter((t) => asUtc(wallTimeOf(new Date(t), timeZone)) === target)
    .sort((a, b) => a - b);
  const [first, last] = [matches[0], matches.at(-1)];
  if (first !== undefined && last !== undefined) {
    return first === last
      ? { kind: "once", instant: new Date(first) }
      : { kind: "repeated", earlier: new Date(first), later: new Date(last) };
  }
  // Skipped: the clocks moved forward from `before` to `after` between these two instants.
  const before = offsetAt(target - REACH, timeZone);
  const after = offsetAt(target + REACH, timeZone);
  let lo = target - after; // its wall time is still before the gap
  let hi = target - before; // its wall time is already after it
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (asUtc(wallTimeOf(new Date(mid), timeZone)) > target) hi = mid;
    else lo = mid;
  }
  const to = wallTimeOf(new Date(hi), timeZone);
  return { kind: "skipped", jumpAt: new Date(hi), from: wallOfUtc(asUtc(to) - (after - before)), to };
}

/**
 * The instant at which the clocks in `timeZone` show `wall`: undefined for a time skipped by a
 * daylight-saving change (for input, to refuse it); of a repeated time, the earlier.
 */
export function instantOf(wall: WallTime, timeZone: string): Date | undefined {
  const at = locateWallTime(wall, timeZone);
  return at.kind === "once" ? at.instant : at.kind === "repeated" ? at.earlier : undefined;
}

/** Like `instantOf`, but a skipped time becomes the moment the clocks jump (02:30 → 03:00): for computed times. */
export function resolveWallTime(wall: WallTime, timeZone: string): Date {
  const at = locateWallTime(wall, timeZone);
  return at.kind === "once" ? at.instant : at.kind === "repeated" ? at.earlier : at.jumpAt;
}

export function isValidWallTime(w: WallTime): boolean {
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute));
  return (
    d.getUTCFullYear() === w.year &&
    d.getUTCMonth() === w.month - 1 &&
    d.getUTCDate() === w.day &&
    d.getUTCHours() === w.hour &&
    d.getUTCMinutes() === w.minute
  );
}

/** Whether the clocks show this instant's wall time twice (the hour repeated when daylight saving ends). */
export const inRepeatedHour = (instant: Date, timeZone: string): boolean =>
  locateWallTime(wallTimeOf(instant, timeZone), timeZone).kind === "repeated";

const pad = (n: number) => String(n).padStart(2, "0");

/** `14:30` */
export const clockText = (w: Pick<WallTime, "hour" | "minute">): string => `${pad(w.hour)}:${pad(w.minute)}`;

const WEEKDAY_NAMES = {
  de: ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
  en: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
} as const;
const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

/** `UTC+2`, `UTC-3`, `UTC+5:30` */
function offsetText(offset: number): string {
  const minutes = Math.round(Math.abs(offset) / MINUTE);
  const sign = offset < 0 ? "-" : "+";
  return `UTC${sign}${Math.floor(minutes / 60)}${minutes % 60 ? `:${pad(minutes % 60)}` : ""}`;
}

/**
 * The one way a time is shown to a person: the zone's wall time, `Sa, 28.03.2026, 14:30` in German and
 * `Sat 28 Mar 2026, 14:30` in English. In the hour the clocks show twice, the offset tells which one is meant:
 * `So, 25.10.2026, 02:30 (UTC+2)`.
 */
export function formatWallTime(instant: Date, timeZone: string, language: "de" | "en"): string {
  const w = wallTimeOf(instant, timeZone);
  const weekday = WEEKDAY_NAMES[language][new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay()];
  const date =
    language === "de"
      ? `${weekday}, ${pad(w.day)}.${pad(w.month)}.${w.year}`
      : `${weekday} ${w.day} ${MONTHS_EN[w.month - 1]} ${w.year}`;
  const which = inRepeatedHour(instant, timeZone) ? ` (${offsetText(offsetAt(instant.getTime(), timeZone))})` : "";
  return `${date}, ${clockText(w)}${which}`;
}
