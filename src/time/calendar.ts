import { resolveWallTime, wallTimeOf, type WallTime } from "./zoned.ts";

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

/** A day on the calendar, without a time or a zone. */
export type CalendarDate = Pick<WallTime, "year" | "month" | "day">;

/**
 * Calendar arithmetic: the date `days` later (or earlier). Moving between days is always done on dates,
 * never as "instant ± 24 hours", which is wrong on the 23- and 25-hour days of daylight saving.
 */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const t = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** The local date of an instant in the zone. */
export function dateOf(instant: Date, timeZone: string): CalendarDate {
  const { year, month, day } = wallTimeOf(instant, timeZone);
  return { year, month, day };
}

/** The first instant of a local day (midnight, or the moment the clocks jump where midnight is skipped). */
export const startOfDay = (date: CalendarDate, timeZone: string): Date =>
  resolveWallTime({ ...date, hour: 0, minute: 0 }, timeZone);

/** The same wall-clock time `days` calendar days later (a skipped time becomes the moment the clocks jump). */
export function addCalendarDays(instant: Date, days: number, timeZone: string): Date {
  if (days === 0) return instant;
  const w = wallTimeOf(instant, timeZone);
  const seconds = ((instant.getTime() % 60_000) + 60_000) % 60_000;
  const later = resolveWallTime({ ...addDays(w, days), hour: w.hour, minute: w.minute }, timeZone);
  return new Date(later.getTime() + seconds);
}

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
  const d = addDays({ year, month, day }, days);
  return isoDate(d.year, d.month, d.day);
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

export const weekdayOf = (date: CalendarDate): Weekday =>
  WEEKDAYS[new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()] ?? "sun";

/** Until this wall-clock time (minutes after midnight) a night still belongs to the day before. */
export const NIGHT_ENDS_AT = 12 * 60;

/**
 * The day a night belongs to, the day it began: Monday's night covers Monday evening until Tuesday noon.
 * The local date, one calendar day earlier before noon; the same on 23- and 25-hour days.
 */
export function nightOf(instant: Date, timeZone: string): CalendarDate {
  const w = wallTimeOf(instant, timeZone);
  return w.hour * 60 + w.minute < NIGHT_ENDS_AT ? addDays(w, -1) : dateOf(instant, timeZone);
}

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
  const today = dateOf(instant, calendar.timezone);
  for (let offset = 0; offset < 30; offset++) {
    const date = addDays(today, offset);
    const span = calendar.officeHours[weekdayOf(date)];
    if (!span || isHoliday(calendar.holidays, isoDate(date.year, date.month, date.day))) continue;
    const opens = { ...date, hour: Math.floor(span.start / 60), minute: span.start % 60 };
    const start = resolveWallTime(opens, calendar.timezone);
    if (start.getTime() > instant.getTime()) return start;
  }
  return undefined;
}
