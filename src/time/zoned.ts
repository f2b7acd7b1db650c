/** Wall-clock time in an IANA zone, converted without a time library. */

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

const asUtc = (w: WallTime): number => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);

/**
 * The instant at which the clocks in `timeZone` show `wall`.
 * Returns undefined for a time skipped by a daylight-saving change; of a repeated hour, the first.
 */
export function instantOf(wall: WallTime, timeZone: string): Date | undefined {
  const target = asUtc(wall);
  const candidates = new Set<number>();
  for (const probeOffsetHours of [-14, -2, 0, 2, 14]) {
    const probe = new Date(target + probeOffsetHours * 3_600_000);
    const offset = asUtc(wallTimeOf(probe, timeZone)) - probe.getTime();
    candidates.add(target - offset);
  }
  const matches = [...candidates]
    .filter((t) => asUtc(wallTimeOf(new Date(t), timeZone)) === target)
    .sort((a, b) => a - b);
  const first = matches[0];
  return first === undefined ? undefined : new Date(first);
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

/** `12.06.2026, 08:00` in German, `2026-06-12 08:00` in English, both in the zone's wall time. */
export function formatWallTime(instant: Date, timeZone: string, language: "de" | "en"): string {
  const w = wallTimeOf(instant, timeZone);
  const p = (n: number) => String(n).padStart(2, "0");
  return language === "de"
    ? `${p(w.day)}.${p(w.month)}.${w.year}, ${p(w.hour)}:${p(w.minute)}`
    : `${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}`;
}
