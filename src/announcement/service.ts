import { fail, ok, type Result } from "../errors.ts";
import {
  approvalProgress,
  canChange,
  canDraft,
  isApproverFor,
  isStaff,
  readabilityFor,
  type Category,
} from "../policy/policy.ts";
import { mediaFindings, mediaForHints } from "../readability/index.ts";
import { announcementLockKey } from "../ports/store.ts";
import { addDuration } from "../time/duration.ts";
import {
  currentVersion,
  formatAnnouncementId,
  type Announcement,
  type AnnouncementId,
  type ApprovalChannel,
  type Content,
  type Origin,
} from "./announcement.ts";
import { applyEvent } from "./audit.ts";
import { checkAuthored, contentHash, normaliseText } from "./content.ts";
import { checkReason } from "./text-hygiene.ts";
import { isDelivering, isSettled, settleDeliveries, type Settlement } from "./delivery.ts";
import { nextState } from "./lifecycle.ts";

import { followUpText, incidents } from "../incidents/incidents.ts";
import { EXERCISE_MARK, modes } from "../modes/modes.ts";
import { escalation } from "../night/escalation.ts";
import { breakGlassReviews, checkBreakGlass } from "../night/reviews.ts";
import { templateApprovals, templateApproved } from "../templates/approval.ts";
import { changeRequests, queueChange } from "./changes.ts";
import { chooseOutlets, outletName, outletsOf, withoutUncarrying, type OutletChoice } from "./outlets.ts";
import { createCore, type AnnouncementServiceDeps, type VersionRef } from "./core.ts";
import { nextDueAt, saveRecord } from "./due.ts";

export type { AnnouncementServiceDeps, VersionRef } from "./core.ts";

export interface DraftRequest {
  content: Content;
  category?: string;
  publishAt?: Date;
  urgent?: boolean;
  /** Post by hand (manual hand-off) even where a gateway is configured. */
  handoff?: boolean;
  /** On duty at night, emergency category: publish at once, review afterwards. */
  breakGlass?: boolean;
  /** Rendered from this approved template. */
  template?: { name: string; hash: string };
  /** An update to, or the all-clear of, a published alert. */
  followUp?: { root: AnnouncementId; kind: "update" | "cancel" };
  /** When the notice stops being valid. */
  expiresAt?: Date;
  /** Other outlets than the category's (`--to`, `--not`); a follow-up goes where its alert went. */
  outlets?: OutletChoice;
  /** The author confirmed that its pictures or videos go out without a description. */
  withoutDescription?: boolean;
  origin: Origin;
}

const optionalDeadline = (deadline: string | undefined) => (deadline ? { deadline } : {});

const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 3600 * 1000;

export type AnnouncementService = ReturnType<typeof createAnnouncementService>;

/** The use cases of announcements; each further capability lives in its own module and shares the core. */
export function createAnnouncementService(deps: AnnouncementServiceDeps) {
  const core = createCore(deps);
  const {
    store,
    policy,
    clock,
    log,
    tell,
    mutate,
    step,
    modeOn,
    pendingChange,
    checkVersion,
    prepareContent,
    openAnnouncements,
  } = core;

  /** Who may approve or reject this version now: a category approver other than the author (four-eyes). */
  function checkDecider(
    a: Announcement,
    actor: string,
    ref: VersionRef,
    selfCode: "SELF_APPROVAL" | "SELF_REJECTION",
  ): Result<void> {
    const change = pendingChange(a);
    if (a.state !== "pending" && !change) return fail("INVALID_STATE", { id: a.id, state: a.state });
    if ((change?.requestedBy ?? a.author) === actor) return fail(selfCode, { id: a.id });
    if (!isApproverFor(policy, actor, a.category)) return fail("NOT_AN_APPROVER", { id: a.id, category: a.category });
    return checkVersion(a, ref);
  }

  /** Approval is due within the category's deadline, and in any case before the scheduled time. */
  function deadlineFor(categoryId: string, publishAt: string | undefined, now: Date): string | undefined {
    const deadline = policy.categories.get(categoryId)?.deadline;
    const limits = [
      deadline === undefined ? undefined : addDuration(now, deadline, policy.timezone).getTime(),
      publishAt === undefined ? undefined : Date.parse(publishAt),
    ].filter((t): t is number => t !== undefined);
    return limits.length > 0 ? new Date(Math.min(...limits)).toISOString() : undefined;
  }

  /**
   * Pictures and videos need a text alternative (BGG §12a, NBGG §9a): refused where the category requires one,
   * otherwise only after the author confirmed going without.
   */
  function checkDescriptions(content: Content, category: Category, confirmed: boolean): Result<void> {
    const missing = mediaFindings(mediaForHints(content.media), readabilityFor(policy, category.id).describeMedia);
    if (missing.some((f) => f.severity === "required")) {
      return fail("MEDIA_DESCRIPTION_REQUIRED", { category: category.label, count: missing.length });
    }
    if (missing.length > 0 && !confirmed) return fail("MEDIA_DESCRIPTION_MISSING", { count: missing.length });
    return ok(undefined);
  }

  function checkPublishAt(publishAt: Date | undefined, now: Date): Result<void> {
    if (!publishAt) return ok(undefined);
    const at = { at: publishAt.toISOString(), timeZone: policy.timezone };
    if (publishAt.getTime() <= now.getTime()) return fail("DATE_IN_PAST", at);
    if (publishAt.getTime() - now.getTime() > MAX_SCHEDULE_AHEAD_MS) return fail("DATE_TOO_FAR", at);
    return ok(undefined);
  }

  /** Approved (quorum met, or break-glass), and the outbox entries are written in this same record write. */
  function approveAndQueue(
    a: Announcement,
    actor: string,
    now: Date,
    how: "quorum_reached" | "break_glass" = "quorum_reached",
  ): void {
    applyEvent(a, how, actor, now, how === "break_glass" ? { reason: "on duty outside office hours" } : {});
    // An exercise goes only where there is a test channel, or to a person.
    const outlets = outletsOf(a, deps.outlets).filter((o) => !a.exercise || o.exercise === true || o.handoff);
    a.deliveries = outlets.map((o) => ({
      outlet: o.id,
      ...(o.handoff || a.handoff ? { handoff: true as const } : {}),
      state: "queued" as const,
      attempts: 0,
    }));
    const later = a.publishAt !== undefined && Date.parse(a.publishAt) > now.getTime();
    applyEvent(a, later ? "schedule" : "start_publishing", actor, now);
  }

  let scannedAll = false;

  return {
    ...changeRequests(core),
    ...templateApprovals(core),
    ...breakGlassReviews(core),
    ...escalation(core),
    ...incidents(core),
    ...modes(core),

    async draft(actor: string, request: DraftRequest): Promise<Result<Announcement>> {
      if (!canDraft(policy, actor)) return fail("NOT_ALLOWED_TO_DRAFT");
      // Checked before a follow-up's head or the exercise mark is added, so neither makes a blank text count.
      const authored = checkAuthored(
        { ...request.content, text: normaliseText(request.content.text) },
        { textOptional: request.followUp !== undefined },
      );
      if (!authored.ok) return authored;
      let root: Announcement | undefined;
      if (request.followUp) {
        root = await store.get(request.followUp.root);
        if (!root) return fail("NOT_FOUND", { id: request.followUp.root });
        if (root.state !== "published" && root.state !== "corrected") return fail("NOT_LIVE", { id: root.id });
        if (root.incident?.closed) return fail("INCIDENT_CLOSED", { id: root.id });
        request = {
          ...request,
          category: root.category,
          content: { ...request.content, text: followUpText(root, request.followUp.kind, request.content.text) },
        };
      }
      const exercise = (await modeOn("exercise")) !== undefined;
      if (exercise) {
        request = {
          ...request,
          content: { ...request.content, text: `${EXERCISE_MARK}\n\n${request.content.text}`.trim() },
        };
      }
      const categoryId = request.category ?? policy.defaultCategory;
      const category = policy.categories.get(categoryId);
      if (!category) {
        return fail("UNKNOWN_CATEGORY", { category: categoryId, known: [...policy.categories.keys()].join(", ") });
      }
      const chosen =
        root?.outlets && !request.outlets
          ? ok(root.outlets)
          : chooseOutlets(deps.outlets, category, request.outlets ?? {});
      if (!chosen.ok) return chosen;
      const named = request.outlets?.to !== undefined || (root?.outlets !== undefined && !request.outlets);
      const outlets = named ? chosen.value : withoutUncarrying(request.content, chosen.value, deps.outlets);
      const carriers = outletsOf({ outlets }, deps.outlets);
      if (exercise && !carriers.some((o) => o.exercise === true || o.handoff))
        return fail("EXERCISE_NEEDS_TEST_CHANNEL");
      const content = prepareContent(request.content, { outlets });
      if (!content.ok) return content;
      const undescribed = checkDescriptions(content.value, category, request.withoutDescription === true);
      if (!undescribed.ok) return undescribed;
      const now = clock.now();
      const when = checkPublishAt(request.publishAt, now);
      if (!when.ok) return when;
      if (request.expiresAt && request.expiresAt.getTime() <= now.getTime()) {
        return fail("DATE_IN_PAST", { at: request.expiresAt.toISOString(), timeZone: policy.timezone });
      }
      const breakGlass = request.breakGlass === true;
      if (breakGlass) {
        const allowed = checkBreakGlass(
          policy,
          actor,
          category,
          request.template !== undefined || request.followUp !== undefined,
          now,
        );
        if (!allowed.ok) return allowed;
        if (request.template && !(await templateApproved(store, request.template.name, request.template.hash))) {
          return fail("TEMPLATE_NOT_APPROVED", { template: request.template.name });
        }
      }

      const id = formatAnnouncementId(await store.nextSequence("announcement"));
      const at = now.toISOString();
      const version = {
        number: 1,
        hash: contentHash(content.value),
        content: content.value,
        createdAt: at,
        createdBy: actor,
      };
      const a: Announcement = {
        id,
        category: categoryId,
        urgent: request.urgent ?? false,
        ...(request.handoff ? { handoff: true as const } : {}),
        outlets,
        ...(request.template ? { template: request.template } : {}),
        ...(request.expiresAt ? { expiresAt: request.expiresAt.toISOString() } : {}),
        ...(exercise ? { exercise: true as const } : {}),
        ...(root && request.followUp ? { incident: { root: root.id, kind: request.followUp.kind } } : {}),
        author: actor,
        origin: request.origin,
        state: "draft",
        createdAt: at,
        updatedAt: at,
        ...(request.publishAt ? { publishAt: request.publishAt.toISOString() } : {}),
        ...optionalDeadline(deadlineFor(categoryId, request.publishAt?.toISOString(), now)),
        versions: [version],
        approvals: [],
        deliveries: [],
        events: [
          { seq: 1, at, actor, event: "create", from: null, to: "draft", version: 1, versionHash: version.hash },
        ],
      };
      applyEvent(a, "submit", actor, now);
      if (breakGlass) {
        approveAndQueue(a, actor, now, "break_glass");
        a.review = { state: "open", openedAt: at };
      }
      const followUp = request.followUp;
      if (root && followUp) {
        // The alert learns of its follow-up first: a crash in between leaves a link to nothing, never a lost link.
        const linked = await mutate(root.id, (r, at) => {
          if (r.incident?.closed) return fail("INCIDENT_CLOSED", { id: r.id });
          r.incident = { root: r.id, kind: "alert", followUps: [...(r.incident?.followUps ?? []), id] };
          return step(r, "follow_up_linked", actor, at, `${followUp.kind} ${id}`);
        });
        if (!linked.ok) return linked;
      }
      await store.withLock(announcementLockKey(id), async () => {
        await store.markOpen(id);
        await saveRecord(store, a, clock.now(), policy);
      });
      log.info({ id, category: categoryId, author: actor, breakGlass }, "announcement drafted");
      if (breakGlass) await deps.onDue?.(id);
      await tell({ kind: breakGlass ? "break_glass" : "approval_requested", announcement: a });
      return ok(a);
    },

    async edit(actor: string, id: AnnouncementId, content: Content): Promise<Result<Announcement>> {
      const result = await mutate(id, (a, now) => {
        if (!canChange(policy, actor, a)) return fail("NOT_ALLOWED_TO_CHANGE", { id });
        if (!nextState(a.state, "edit")) return fail("INVALID_STATE", { id, state: a.state });
        const prepared = prepareContent(content, a);
        if (!prepared.ok) return prepared;
        const hash = contentHash(prepared.value);
        const previous = currentVersion(a);
        if (hash === previous.hash) return fail("UNCHANGED_CONTENT", { id });
        a.versions.push({
          number: previous.number + 1,
          hash,
          content: prepared.value,
          createdAt: now.toISOString(),
          createdBy: actor,
        });
        a.deliveries = [];
        const deadline = deadlineFor(a.category, a.publishAt, now);
        if (deadline) a.deadline = deadline;
        else delete a.deadline;
        return step(a, "edit", actor, now);
      });
      if (result.ok) await tell({ kind: "approval_requested", announcement: result.value });
      return result;
    },

    async approve(
      actor: string,
      id: AnnouncementId,
      ref: VersionRef & { via: ApprovalChannel },
    ): Promise<Result<Announcement>> {
      let decided = false;
      const result = await mutate(id, (a, now) => {
        const allowed = checkDecider(a, actor, ref, "SELF_APPROVAL");
        if (!allowed.ok) return allowed;
        if (approvalProgress(policy, a).have.includes(actor)) return fail("ALREADY_APPROVED_BY_YOU", { id });
        if (a.change) {
          a.change.approvals.push({ by: actor, versionHash: a.change.hash, at: now.toISOString(), via: ref.via });
          applyEvent(a, "approve_change", actor, now);
          if (approvalProgress(policy, a).needed === 0) {
            queueChange(deps.outlets, a, a.change, actor, now);
            decided = true;
          }
          return ok(undefined);
        }
        a.approvals.push({ by: actor, versionHash: currentVersion(a).hash, at: now.toISOString(), via: ref.via });
        applyEvent(a, "approve", actor, now);
        if (approvalProgress(policy, a).needed === 0) {
          approveAndQueue(a, actor, now);
          decided = true;
        }
        return ok(undefined);
      });
      if (result.ok && decided) {
        await deps.onDue?.(id);
        await tell({ kind: "approved", announcement: result.value, by: actor });
      } else if (result.ok) {
        const remaining = approvalProgress(policy, result.value).needed;
        await tell({ kind: "approval_given", announcement: result.value, by: actor, remaining });
      }
      return result;
    },

    async revokeApproval(actor: string, id: AnnouncementId, ref: VersionRef): Promise<Result<Announcement>> {
      const result = await mutate(id, (a, now) => {
        const change = pendingChange(a);
        if (change) {
          const versionCheck = checkVersion(a, ref);
          if (!versionCheck.ok) return versionCheck;
          const before = change.approvals.length;
          change.approvals = change.approvals.filter((x) => x.by !== actor);
          if (change.approvals.length === before) return fail("NO_APPROVAL_TO_REVOKE", { id });
          return step(a, "revoke_change_approval", actor, now);
        }
        if (a.state !== "pending") return fail("INVALID_STATE", { id, state: a.state });
        const versionCheck = checkVersion(a, ref);
        if (!versionCheck.ok) return versionCheck;
        const hash = currentVersion(a).hash;
        const before = a.approvals.length;
        a.approvals = a.approvals.filter((x) => !(x.by === actor && x.versionHash === hash));
        if (a.approvals.length === before) return fail("NO_APPROVAL_TO_REVOKE", { id });
        return step(a, "revoke_approval", actor, now);
      });
      if (result.ok) await tell({ kind: "approval_revoked", announcement: result.value, by: actor });
      return result;
    },

    async reject(actor: string, id: AnnouncementId, reason: string, ref: VersionRef): Promise<Result<Announcement>> {
      const why = reason.trim();
      let rejectedChange: "correct" | "retract" | undefined;
      const result = await mutate(id, (a, now) => {
        const allowed = checkDecider(a, actor, ref, "SELF_REJECTION");
        if (!allowed.ok) return allowed;
        const given = checkReason(why, { id, action: "reject" });
        if (!given.ok) return given;
        if (a.change) {
          rejectedChange = a.change.kind;
          delete a.change;
          return step(a, "change_rejected", actor, now, why);
        }
        a.decision = { by: actor, at: now.toISOString(), reason: why };
        return step(a, "reject", actor, now, why);
      });
      if (result.ok) {
        await tell(
          rejectedChange
            ? { kind: "change_rejected", announcement: result.value, change: rejectedChange, by: actor, reason: why }
            : { kind: "rejected", announcement: result.value },
        );
      }
      return result;
    },

    async withdraw(actor: string, id: AnnouncementId, reason: string): Promise<Result<Announcement>> {
      const why = reason.trim();
      const result = await mutate(id, (a, now) => {
        if (!canChange(policy, actor, a)) return fail("NOT_ALLOWED_TO_CHANGE", { id });
        const given = checkReason(why, { id, action: "withdraw" });
        if (pendingChange(a)) {
          if (!given.ok) return given;
          delete a.change;
          return step(a, "change_withdrawn", actor, now, why);
        }
        if (!nextState(a.state, "withdraw")) return fail("INVALID_STATE", { id, state: a.state });
        if (!given.ok) return given;
        a.decision = { by: actor, at: now.toISOString(), reason: why };
        a.deliveries = [];
        return step(a, "withdraw", actor, now, why);
      });
      if (result.ok) await tell({ kind: "withdrawn", announcement: result.value });
      return result;
    },

    /**
     * A person says the hand-off copy is now live on the outlet (its name, e.g. `telegram`). Without a name, only
     * when a single outlet waits: with several, each is confirmed by name, so none is recorded for another.
     */
    async confirmHandoff(actor: string, id: AnnouncementId, outlet?: string): Promise<Result<Announcement>> {
      let settled: Settlement | undefined;
      const result = await mutate(id, (a, now) => {
        if (!isStaff(policy, actor)) return fail("NOT_ALLOWED_TO_CONFIRM", { id });
        const candidates = isDelivering(a)
          ? a.deliveries.filter(
              (d) =>
                d.state === "awaiting_confirmation" ||
                d.state === "needs_manual_check" ||
                (d.handoff === true && d.state === "sending"),
            )
          : [];
        const names = candidates.map((d) => outletName(d.outlet));
        if (candidates.length === 0) return fail("NOTHING_TO_CONFIRM", { id, state: a.state });
        if (outlet === undefined && candidates.length > 1)
          return fail("WHICH_OUTLET_POSTED", { id, waiting: names.join(",") });
        const waiting = outlet === undefined ? candidates[0] : candidates[names.indexOf(outlet)];
        if (!waiting) return fail("NOTHING_TO_CONFIRM_FOR", { id, outlet: outlet ?? "", waiting: names.join(",") });
        const known = waiting.receipt?.remoteId;
        const receipt = {
          outlet: waiting.outlet,
          at: now.toISOString(),
          confirmedBy: actor,
          ...(known ? { remoteId: known } : {}),
        };
        waiting.state = "sent";
        waiting.receipt = receipt;
        applyEvent(a, "delivery_sent", actor, now, { outlet: waiting.outlet, receipt });
        settled = settleDeliveries(a, actor, now);
        return ok(undefined);
      });
      if (result.ok && (settled === "published" || settled === "corrected" || settled === "retracted")) {
        await tell({ kind: settled, announcement: result.value });
      }
      return result;
    },

    /** Whether `actor` may approve or reject this version now, asked before a form for the reason opens. */
    async mayDecide(actor: string, id: AnnouncementId, ref: VersionRef): Promise<Result<Announcement>> {
      const a = await store.get(id);
      if (!a) return fail("NOT_FOUND", { id });
      const allowed = checkDecider(a, actor, ref, "SELF_REJECTION");
      return allowed.ok ? ok(a) : allowed;
    },

    /** Whether `actor` may edit or withdraw it now, asked before a form opens. */
    async mayChange(actor: string, id: AnnouncementId, change: "edit" | "withdraw"): Promise<Result<Announcement>> {
      const a = await store.get(id);
      if (!a) return fail("NOT_FOUND", { id });
      if (!canChange(policy, actor, a)) return fail("NOT_ALLOWED_TO_CHANGE", { id });
      if (!(change === "withdraw" && pendingChange(a)) && !nextState(a.state, change)) {
        return fail("INVALID_STATE", { id, state: a.state });
      }
      return ok(a);
    },

    /** The outlets announcements go to, with what each can carry. */
    outlets: deps.outlets,

    get: (id: AnnouncementId): Promise<Announcement | undefined> => store.get(id),

    listOpen: openAnnouncements,

    /**
     * The periodic work after each outbox pass (deadlines, review reminders, escalation, notices ending), on the
     * announcements the due index says are due; the first tick of a process looks at every open one, which also
     * closes incidents whose all-clear went out just before a crash. What was due but needed nothing is put at
     * its real time.
     */
    async tick(): Promise<void> {
      if (!scannedAll) {
        scannedAll = true;
        const open = await store.openIds();
        for (let i = 0; i < open.length; i += TICK_BATCH) {
          const batch = await store.getMany(open.slice(i, i + TICK_BATCH));
          await runTasks(
            this,
            batch.filter((a): a is Announcement => a !== undefined && !isSettled(a)),
          );
        }
        return;
      }
      const ids = await store.dueIds(clock.now(), TICK_BATCH);
      if (ids.length === 0) return;
      const due = (await store.getMany(ids)).filter((a): a is Announcement => a !== undefined && !isSettled(a));
      await runTasks(this, due);
      for (const id of ids) {
        await store.withLock(announcementLockKey(id), async () => {
          const a = await store.get(id);
          await store.setDue(id, a && !isSettled(a) ? nextDueAt(a, clock.now(), policy) : undefined);
        });
      }
    },

    /** The newest `count` announcements, newest first. */
    async recent(count: number): Promise<Announcement[]> {
      const last = await store.currentSequence("announcement");
      const ids = Array.from({ length: Math.min(count, last) }, (_, i) => formatAnnouncementId(last - i));
      const all = await Promise.all(ids.map((id) => store.get(id)));
      return all.filter((a): a is Announcement => a !== undefined);
    },

    async expireDue(open?: readonly Announcement[]): Promise<number> {
      const now = clock.now();
      let expired = 0;
      for (const a of open ?? (await openAnnouncements())) {
        const id = a.id;
        if (a.state !== "pending" || !a.deadline || Date.parse(a.deadline) > now.getTime()) continue;
        const result = await mutate(id, (fresh, at) => {
          if (fresh.state !== "pending" || !fresh.deadline || Date.parse(fresh.deadline) > at.getTime()) {
            return fail("INVALID_STATE", { id, state: fresh.state });
          }
          return step(fresh, "expire", "system", at, "deadline passed");
        });
        if (result.ok) {
          expired += 1;
          await tell({ kind: "expired", announcement: result.value });
        }
      }
      return expired;
    },
  };
}

/** How many due announcements one tick takes; the rest wait for the next. */
const TICK_BATCH = 200;

type Tasks = Record<
  "expireDue" | "remindReviews" | "escalateDue" | "incidentTick",
  (open: readonly Announcement[]) => Promise<unknown>
>;

async function runTasks(tasks: Tasks, open: readonly Announcement[]): Promise<void> {
  await tasks.expireDue(open);
  await tasks.remindReviews(open);
  await tasks.escalateDue(open);
  await tasks.incidentTick(open);
}
