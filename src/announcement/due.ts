import type { Policy } from "../policy/policy.ts";
import type { Store } from "../ports/store.ts";
import { addDays, dateOf, isOfficeHours, isoDate, nextOfficeStart, startOfDay } from "../time/calendar.ts";
import { addDuration } from "../time/duration.ts";
import type { Announcement } from "./announcement.ts";
import { isDelivering, isSettled } from "./delivery.ts";

/**
 * When an announcement next has something to do without anyone acting: a delivery (now, or at its retry or
 * read-back time), its scheduled time, its approval deadline, its next escalation step, the next review
 * reminder, the end of its notice. Undefined when nothing is timed. The due index is ordered by this.
 *
 * Without the policy (the outbox), a review reminder counts as due now: the periodic work, which has the
 * policy, then puts it at its real time.
 */
export function nextDueAt(a: Announcement, now: Date, policy?: Policy): Date | undefined {
  if (isSettled(a)) return undefined;
  const times: number[] = [];
  if (isDelivering(a)) {
    for (const d of a.deliveries) {
      if (d.state === "queued" || d.state === "sending")
        times.push(d.notBefore ? Date.parse(d.notBefore) : now.getTime());
    }
  }
  if (a.state === "scheduled" && a.publishAt) times.push(Date.parse(a.publishAt));
  if (a.state === "pending") {
    if (a.deadline) times.push(Date.parse(a.deadline));
    const chain = policy?.categories.get(a.category)?.escalation ?? [];
    for (const [i, step] of chain.entries()) {
      if (policy && !(a.escalated ?? []).includes(i)) {
        times.push(addDuration(new Date(a.createdAt), step.after, policy.timezone).getTime());
      }
    }
  }
  if (a.review?.state === "open") {
    const reminder = policy ? nextReminder(policy, a.review.remindedOn, now) : now;
    if (reminder) times.push(reminder.getTime());
  }
  const live = a.state === "published" || a.state === "corrected";
  if (live && a.expiresAt && !a.expiryAsked) times.push(Date.parse(a.expiresAt));
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}

/** Reviews are reminded once per working day, during office hours. */
function nextReminder(policy: Policy, remindedOn: string | undefined, now: Date): Date | undefined {
  const today = dateOf(now, policy.timezone);
  if (remindedOn !== isoDate(today.year, today.month, today.day)) {
    return isOfficeHours(policy.calendar, now) ? now : nextOfficeStart(policy.calendar, now);
  }
  const tomorrow = startOfDay(addDays(today, 1), policy.timezone);
  return nextOfficeStart(policy.calendar, new Date(tomorrow.getTime() - 1));
}

/**
 * Writes the record and its place in the due index; call it under the announcement's lock. The index is written
 * first: a crash in between leaves the announcement due too early (the periodic work then looks, finds nothing
 * to do and corrects it), never too late.
 */
export async function saveRecord(
  store: Pick<Store, "put" | "setDue">,
  a: Announcement,
  now: Date,
  policy?: Policy,
): Promise<void> {
  await store.setDue(a.id, nextDueAt(a, now, policy));
  await store.put(a);
}
