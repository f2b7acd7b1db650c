import { fail, ok, type Result } from "../errors.ts";
import { canChange } from "../policy/policy.ts";
import {
  currentVersion,
  type Announcement,
  type AnnouncementId,
  type ChangeRequest,
  type Content,
  type DeliveryAction,
} from "./announcement.ts";
import { applyEvent } from "./audit.ts";
import { contentHash } from "./content.ts";
import { checkReason } from "./text-hygiene.ts";
import type { AnnouncementServiceDeps, Core } from "./core.ts";

/** WhatsApp lets admins edit or delete channel posts for 30 days. */
const CHANGE_WINDOW_DAYS = 30;

/** Quorum met for a change: every outlet that has the post now edits, re-posts or deletes it. */
export function queueChange(
  outlets: AnnouncementServiceDeps["outlets"],
  a: Announcement,
  change: ChangeRequest,
  actor: string,
  now: Date,
): void {
  change.approved = true;
  // Only where the post is live; an outlet that never carried it has nothing to change.
  const live = a.deliveries.filter((d) => d.state === "sent");
  a.deliveries = (live.length > 0 ? live : a.deliveries).map((d) => {
    const can = outlets.find((o) => o.id === d.outlet)?.capabilities;
    const action: DeliveryAction =
      change.kind === "retract" ? "remove" : can?.edit === false ? "correction_post" : "edit";
    const byHand = d.handoff === true || (change.kind === "retract" && can?.delete === false);
    return {
      outlet: d.outlet,
      action,
      ...(byHand ? { handoff: true as const } : {}),
      state: "queued" as const,
      attempts: 0,
      ...(d.receipt ? { receipt: d.receipt } : {}),
    };
  });
  applyEvent(a, "change_approved", actor, now);
}

/** Corrections and retractions of published posts, approved like a new version. */
export function changeRequests(core: Core) {
  const { policy, tell, mutate, step, prepareContent } = core;

  /** Corrections and retractions: live, none pending, and within WhatsApp's 30 days. */
  function checkChangeable(a: Announcement, actor: string, now: Date): Result<void> {
    if (!canChange(policy, actor, a)) return fail("NOT_ALLOWED_TO_CHANGE", { id: a.id });
    if (a.state !== "published" && a.state !== "corrected") return fail("INVALID_STATE", { id: a.id, state: a.state });
    if (a.change) return fail("CHANGE_PENDING", { id: a.id, kind: a.change.kind });
    const published = a.events.find((e) => e.event === "published")?.at;
    const days = published ? Math.floor((now.getTime() - Date.parse(published)) / 86_400_000) : 0;
    if (days >= CHANGE_WINDOW_DAYS) return fail("EDIT_WINDOW_CLOSED", { id: a.id, days });
    return ok(undefined);
  }

  return {
    /** Asks approval for a new text of a published post; once approved, every outlet edits it. */
    async requestCorrection(actor: string, id: AnnouncementId, content: Content): Promise<Result<Announcement>> {
      const result = await mutate(id, (a, now) => {
        const changeable = checkChangeable(a, actor, now);
        if (!changeable.ok) return changeable;
        const prepared = prepareContent(content, a);
        if (!prepared.ok) return prepared;
        const current = currentVersion(a);
        const hash = contentHash(prepared.value);
        if (hash === current.hash) return fail("UNCHANGED_CONTENT", { id });
        a.change = {
          kind: "correct",
          content: prepared.value,
          hash,
          version: current.number + 1,
          requestedBy: actor,
          requestedAt: now.toISOString(),
          approvals: [],
        };
        return step(a, "request_correction", actor, now);
      });
      if (result.ok) await tell({ kind: "change_requested", announcement: result.value });
      return result;
    },

    /** Asks approval to delete a published post from every outlet. */
    async requestRetraction(actor: string, id: AnnouncementId, reason: string): Promise<Result<Announcement>> {
      const why = reason.trim();
      const result = await mutate(id, (a, now) => {
        const changeable = checkChangeable(a, actor, now);
        if (!changeable.ok) return changeable;
        const given = checkReason(why, { id, action: "retract" });
        if (!given.ok) return given;
        const current = currentVersion(a);
        a.change = {
          kind: "retract",
          hash: `retract:${current.hash}`,
          version: current.number,
          reason: why,
          requestedBy: actor,
          requestedAt: now.toISOString(),
          approvals: [],
        };
        return step(a, "request_retraction", actor, now, why);
      });
      if (result.ok) await tell({ kind: "change_requested", announcement: result.value });
      return result;
    },
  };
}
