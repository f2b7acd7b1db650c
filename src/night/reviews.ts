import { type Announcement, type AnnouncementId } from "../announcement/announcement.ts";
import type { Core } from "../announcement/core.ts";
import { checkCharacters, checkReason } from "../announcement/text-hygiene.ts";
import { fail, ok, type Result } from "../errors.ts";
import { isApproverFor, isOnDuty, type Category, type Policy } from "../policy/policy.ts";
import { dateOf, isOfficeHours, isoDate } from "../time/calendar.ts";

/**
 * Break-glass: an emergency category, outside office hours, by the person on duty; free text only where the
 * category allows it, otherwise from a template or as a follow-up of an incident already published.
 */
export function checkBreakGlass(
  policy: Policy,
  actor: string,
  category: Category,
  prepared: boolean,
  now: Date,
): Result<void> {
  if (!category.emergency) return fail("BREAK_GLASS_NOT_EMERGENCY", { category: category.id });
  if (isOfficeHours(policy.calendar, now)) return fail("BREAK_GLASS_OFFICE_HOURS");
  if (!isOnDuty(policy, actor, now)) return fail("BREAK_GLASS_NOT_ON_DUTY");
  if (!prepared && !category.emergency.freeText) return fail("BREAK_GLASS_NEEDS_TEMPLATE", { category: category.id });
  return ok(undefined);
}

/** The review of break-glass posts by a department head, and the morning reminders. */
export function breakGlassReviews(core: Core) {
  const { policy, clock, tell, mutate, step, openAnnouncements } = core;

  return {
    /** A department head checks a break-glass publication afterwards: fine, or flagged with a note. */
    async review(
      actor: string,
      id: AnnouncementId,
      verdict: "ok" | "flag",
      note: string,
    ): Promise<Result<Announcement>> {
      const why = note.trim();
      const result = await mutate(id, (a, now) => {
        if (a.review?.state !== "open") return fail("NO_OPEN_REVIEW", { id });
        if (a.author === actor) return fail("SELF_APPROVAL", { id });
        if (!isApproverFor(policy, actor, a.category)) return fail("NOT_AN_APPROVER", { id, category: a.category });
        const given =
          verdict === "flag" ? checkReason(why, { id, action: "flag" }) : checkCharacters(why, { field: "note" });
        if (!given.ok) return given;
        a.review = {
          ...a.review,
          state: verdict === "ok" ? "ok" : "flagged",
          by: actor,
          at: now.toISOString(),
          ...(why ? { note: why } : {}),
        };
        return step(a, verdict === "ok" ? "review_ok" : "review_flagged", actor, now, why || undefined);
      });
      if (result.ok) await tell({ kind: "reviewed", announcement: result.value });
      return result;
    },

    /** Once each working day, during office hours: reminds approvers of every open review. */
    async remindReviews(open?: readonly Announcement[]): Promise<number> {
      const now = clock.now();
      if (!isOfficeHours(policy.calendar, now)) return 0;
      const { year, month, day } = dateOf(now, policy.timezone);
      const today = isoDate(year, month, day);
      let reminded = 0;
      for (const a of open ?? (await openAnnouncements())) {
        const id = a.id;
        if (a.review?.state !== "open" || a.review.remindedOn === today) continue;
        const result = await mutate(id, (fresh, at) => {
          if (fresh.review?.state !== "open" || fresh.review.remindedOn === today)
            return fail("NO_OPEN_REVIEW", { id });
          fresh.review.remindedOn = today;
          return step(fresh, "review_reminded", "system", at);
        });
        if (result.ok) {
          reminded += 1;
          await tell({ kind: "review_due", announcement: result.value });
        }
      }
      return reminded;
    },
  };
}
