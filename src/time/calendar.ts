import { instantOf, wallTimeOf, type WallTime } from "./zoned.ts";

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Minutes after midnight, wall-clock time. */
export interface OpeningSpan {
  start: number;
  end: number;
}

export interface Calendar {
  timezone: string;
  officeHours: Partial<Record<Weekday, OpeningSpan>>;
  holidays: HolidayRules;
}

export interface HolidayRules {
  preset: "niedersachsen" | "none";
  /** `YYYY-MM-DD` days closed on top of the preset. */
  add: readonly string[];
  /** `YYYY-MM-DD` preset days the town hall works anyway. */
  remove: readonly string[];
}

const pad = (n: number) => String(n).padStart(2, "0");
export const isoDate = (y: number, m: number, d: number): string => `${y}-${pad(m)}-${pad(d)}`;

/** Easter Sunday (Gregorian), as month and day. */
function easter(year: number): { month: number; day: number } {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { month, day };
}

const shift = (year: number, month: number, day: number, days: number): string => {
  const t = new Date(Date.UTC(year, month - 1, day + days));
  return isoDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
};

/** Public holidays in Lower Saxony (Niedersachsen) for one year, by date. */
export function niedersachsenHolidays(year: number): Map<string, string> {
  const { month, day } = easter(year);
  const days: [string, string][] = [
    [isoDate(year, 1, 1), "Neujahr"],
    [shift(year, month, day, -2), "Karfreitag"],
    [shift(year, month, day, 1), "Ostermontag"],
    [isoDate(year, 5, 1), "Tag der Arbeit"],
    [shift(year, month, day, 39), "Christi Himmelfahrt"],
    [shift(year, month, day, 50), "Pfingstmontag"],
    [isoDate(year, 10, 3), "Tag der Deutschen Einheit"],
    [isoDate(year, 10, 31), "Reformationstag"],
    [isoDate(year, 12, 25), "1. Weihnachtstag"],
    [isoDate(year, 12, 26), "2. Weihnachtstag"],
  ];
  return new Map(days);
}

export function isHoliday(rules: HolidayRules, date: string): boolean {
  if (rules.remove.includes(date)) return false;
  if (rules.add.includes(date)) return true;
  return rules.preset === "niedersachsen" && niedersachsenHolidays(Number(date.slice(0, 4))).has(date);
}

export const weekdayOf = (w: Pick<WallTime, "year" | "month" | "day">): Weekday =>
  WEEKDAYS[new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay()] ?? "sun";

/** Whether the town hall is working at this instant: a weekday's opening span, and not a holiday. */
export function isOfficeHours(calendar: Calendar, instant: Date): boolean {
  const w = wallTimeOf(instant, calendar.timezone);
  if (isHoliday(calendar.holidays, isoDate(w.year, w.month, w.day))) return false;
  const span = calendar.officeHours[weekdayOf(w)];
  const minute = w.hour * 60 + w.minute;
  return span !== undefined && minute >= span.start && minute < span.end;
}

/** When the town hall next opens, after `instant` (the next working day's start, or later today). */
export function nextOfficeStart(calendar: Calendar, instant: Date): Date | undefined {
  const today = wallTimeOf(instant, calendar.timezone);
  for (let offset = 0; offset < 30; offset++) {
    const t = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const date = { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
    const span = calendar.officeHours[weekdayOf(date)];
    if (!span || isHoliday(calendar.holidays, isoDate(date.year, date.month, date.day))) continue;
    const start = instantOf({ ...date, hour: Math.floor(span.start / 60), minute: span.start % 60 }, calendar.timezone);
    if (start && start.getTime() > instant.getTime()) return start;
  }
  return undefined;
}
