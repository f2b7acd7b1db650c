import { addCalendarDays } from "./calendar.ts";

/**
 * A length of time from the policy (deadlines, escalation steps): whole calendar days, meaning the same
 * wall-clock time that many days later (a "2d" deadline set on Friday 10:00 is Sunday 10:00, also when the
 * clocks change in between), plus an exact span for minutes and hours ("30m", "48h").
 */
export interface Duration {
  days: number;
  ms: number;
}

export const addDuration = (instant: Date, duration: Duration, timeZone: string): Date =>
  new Date(addCalendarDays(instant, duration.days, timeZone).getTime() + duration.ms);

/** Only to order durations: a day counted as 24 hours. */
export const nominalMs = (duration: Duration): number => duration.days * 86_400_000 + duration.ms;
