import {
  currentVersion,
  formatAnnouncementId,
  type Announcement,
  type AnnouncementId,
  type ApprovalChannel,
  type ChangeRequest,
  type DeliveryAction,
  type Content,
  type Origin,
} from "./announcement.ts";
import { applyEvent } from "./audit.ts";
import { isDelivering, isSettled, settleDeliveries, type Settlement } from "./delivery.ts";
import { codePoints, contentHash, normaliseText, validateContent } from "./content.ts";
import { nextState, type LifecycleEvent } from "./lifecycle.ts";
import { fail, ok, type Result } from "../errors.ts";
import { postText } from "../render/whatsapp.ts";
import type { Clock } from "../ports/clock.ts";
import type { Logger } from "../ports/logger.ts";
import type { ModeNotice, Notice, NoticeSink } from "../ports/notices.ts";
import type { Outlet } from "../ports/outlet.ts";
import { announcementLockKey, type Store } from "../ports/store.ts";
import {
  approvalProgress,
  canChange,
  canDraft,
  isApproverFor,
  isOnDuty,
  isStaff,
  type Category,
  type Policy,
} from "../policy/policy.ts";
import { isOfficeHours, isoDate } from "../time/calendar.ts";
import { templateHash, type Template } from "../templates/templates.ts";
import { wallTimeOf } from "../time/zoned.ts";

export interface AnnouncementServiceDeps {
  store: Store;
  policy: Policy;
  clock: Clock;
  /** Outlets every approved announcement goes to. */
  outlets: readonly Pick<Outlet, "id" | "handoff" | "capabilities">[];
  notices: NoticeSink;
  log: Logger;
  /** Called when a delivery became due, so the outbox need not wait for its next poll. */
  onDue?: () => void;
  /** False when a gateway is configured without a test channel: exercise mode cannot be switched on. */
  canExercise?: boolean;
}

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
  origin: Origin;
}

/** Crisis or exercise mode, kept in the store so every instance and every restart agrees. */
export interface ModeSetting {
  on: boolean;
  by: string;
  at: string;
}

/** Who approved which text of a template, kept in the store. */
export interface TemplateApproval {
  hash: string;
  by: string;
  at: string;
}

export interface VersionRef {
  /** The version the person saw; absent means the current one. */
  version?: number;
}

/** Opens every post made in exercise mode, so nobody takes it for real. */
export const EXERCISE_MARK = "🧪 *ÜBUNG* – keine echte Meldung";

/** How a follow-up shows its link on outlets that cannot reply or quote: the alert's first line. */
function followUpText(root: Announcement, kind: "update" | "cancel", text: string): string {
  const first = (currentVersion(root).content.text.split("\n")[0] ?? "").replace(/[*_~`]/g, "").trim();
  const quoted = [...first].length > 80 ? `${[...first].slice(0, 79).join("")}…` : first;
  const head = kind === "cancel" ? `✅ *Entwarnung* zu: ${quoted}` : `🔄 *Update* zu: ${quoted}`;
  return text.trim() ? `${head}\n\n${text.trim()}` : head;
}

const optionalDeadline = (deadline: string | undefined) => (deadline ? { deadline } : {});

/** WhatsApp lets admins edit or delete channel posts for 30 days. */
const CHANGE_WINDOW_DAYS = 30;

const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 3600 * 1000;

export type AnnouncementService = ReturnType<typeof createAnnouncementService>;

export function createAnnouncementService(deps: AnnouncementServiceDeps) {
  const { store, policy, clock, notices, log } = deps;

  async function tell(notice: Notice | ModeNotice): Promise<void> {
    try {
      await notices.emit(notice);
    } catch (error) {
      const id = "announcement" in notice ? notice.announcement.id : undefined;
      log.error({ err: error, notice: notice.kind, id }, "could not deliver notice");
    }
  }

  async function modeOn(mode: "crisis" | "exercise"): Promise<ModeSetting | undefined> {
    const setting = (await store.getSetting(`mode:${mode}`)) as ModeSetting | undefined;
    return setting?.on ? setting : undefined;
  }

  /** Read, change and write one announcement under its lock; nothing is written when `change` fails. */
  async function mutate(
    id: AnnouncementId,
    change: (a: Announcement, now: Date) => Result<void>,
  ): Promise<Result<Announcement>> {
    return store.withLock(announcementLockKey(id), async () => {
      const stored = await store.get(id);
      if (!stored) return fail("NOT_FOUND", { id });
      const a = structuredClone(stored);
      const changed = change(a, clock.now());
      if (!changed.ok) return changed;
      if (isSettled(stored) && !isSettled(a)) await store.markOpen(id);
      await store.put(a);
      if (isSettled(a)) await store.markClosed(id);
      return ok(a);
    });
  }

  function step(a: Announcement, event: LifecycleEvent, actor: string, now: Date, reason?: string): Result<void> {
    const applied = applyEvent(a, event, actor, now, reason === undefined ? {} : { reason });
    return applied ? ok(undefined) : fail("INVALID_STATE", { id: a.id, state: a.state });
  }

  function checkVersion(a: Announcement, ref: VersionRef): Result<void> {
    const current = pendingChange(a)?.version ?? currentVersion(a).number;
    if (ref.version !== undefined && ref.version !== current) {
      return fail("STALE_VERSION", { id: a.id, given: ref.version, current });
    }
    return ok(undefined);
  }

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

  /** Break-glass: an emergency category, outside office hours, by the person on duty, from a template unless free text is allowed. */
  function checkBreakGlass(actor: string, category: Category, fromTemplate: boolean, now: Date): Result<void> {
    if (!category.emergency) return fail("BREAK_GLASS_NOT_EMERGENCY", { category: category.id });
    if (isOfficeHours(policy.calendar, now)) return fail("BREAK_GLASS_OFFICE_HOURS");
    if (!isOnDuty(policy, actor, now)) return fail("BREAK_GLASS_NOT_ON_DUTY");
    if (!fromTemplate && !category.emergency.freeText)
      return fail("BREAK_GLASS_NEEDS_TEMPLATE", { category: category.id });
    return ok(undefined);
  }

  async function templateApproved(name: string, hash: string): Promise<boolean> {
    const approval = (await store.getSetting(`template:${name}`)) as TemplateApproval | undefined;
    return approval?.hash === hash;
  }

  /** A correction or retraction still waiting for its approvals. */
  function pendingChange(a: Announcement): ChangeRequest | undefined {
    return a.change && !a.change.approved ? a.change : undefined;
  }

  /** Quorum met for a change: every outlet that has the post now edits, re-posts or deletes it. */
  function queueChange(a: Announcement, change: ChangeRequest, actor: string, now: Date): void {
    change.approved = true;
    a.deliveries = a.deliveries.map((d) => {
      const can = deps.outlets.find((o) => o.id === d.outlet)?.capabilities;
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

  /** Approval is due within the category's deadline, and in any case before the scheduled time. */
  function deadlineFor(categoryId: string, publishAt: string | undefined, now: Date): string | undefined {
    const deadlineMs = policy.categories.get(categoryId)?.deadlineMs;
    const limits = [
      deadlineMs === undefined ? undefined : now.getTime() + deadlineMs,
      publishAt === undefined ? undefined : Date.parse(publishAt),
    ].filter((t): t is number => t !== undefined);
    return limits.length > 0 ? new Date(Math.min(...limits)).toISOString() : undefined;
  }

  /** Within the adopted limits, and something every configured outlet can carry. */
  function prepareContent(content: Content): Result<Content> {
    const checked = validateContent({ ...content, text: normaliseText(content.text) });
    if (!checked.ok) return checked;
    for (const { id, capabilities: can } of deps.outlets) {
      const unsupported = [
        content.poll && !can.poll ? "poll" : undefined,
        content.media.some((m) => m.mimeType.startsWith("image/")) && !can.image ? "image" : undefined,
        content.media.some((m) => m.mimeType.startsWith("video/")) && !can.video ? "video" : undefined,
      ].find((x) => x !== undefined);
      if (unsupported) return fail("OUTLET_CANNOT", { outlet: id, what: unsupported });
      const max = content.media.length > 0 ? can.maxCaptionLength : can.maxTextLength;
      const length = codePoints(postText(checked.value));
      if (length > max) return fail("TEXT_TOO_LONG", { length, max, over: length - max });
    }
    return checked;
  }

  function checkPublishAt(publishAt: Date | undefined, now: Date): Result<void> {
    if (!publishAt) return ok(undefined);
    if (publishAt.getTime() <= now.getTime()) return fail("DATE_IN_PAST", { at: publishAt.toISOString() });
    if (publishAt.getTime() - now.getTime() > MAX_SCHEDULE_AHEAD_MS) {
      return fail("DATE_TOO_FAR", { at: publishAt.toISOString() });
    }
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
    a.deliveries = deps.outlets.map((o) => ({
      outlet: o.id,
      ...(o.handoff || a.handoff ? { handoff: true as const } : {}),
      state: "queued" as const,
      attempts: 0,
    }));
    const later = a.publishAt !== undefined && Date.parse(a.publishAt) > now.getTime();
    applyEvent(a, later ? "schedule" : "start_publishing", actor, now);
  }

  return {
    async draft(actor: string, request: DraftRequest): Promise<Result<Announcement>> {
      if (!canDraft(policy, actor)) return fail("NOT_ALLOWED_TO_DRAFT");
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
      const content = prepareContent(request.content);
      if (!content.ok) return content;
      const now = clock.now();
      const when = checkPublishAt(request.publishAt, now);
      if (!when.ok) return when;
      if (request.expiresAt && request.expiresAt.getTime() <= now.getTime()) {
        return fail("DATE_IN_PAST", { at: request.expiresAt.toISOString() });
      }
      const breakGlass = request.breakGlass === true;
      if (breakGlass) {
        const allowed = checkBreakGlass(actor, category, request.template !== undefined, now);
        if (!allowed.ok) return allowed;
        if (request.template && !(await templateApproved(request.template.name, request.template.hash))) {
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
        await store.put(a);
      });
      log.info({ id, category: categoryId, author: actor, breakGlass }, "announcement drafted");
      if (breakGlass) deps.onDue?.();
      await tell({ kind: breakGlass ? "break_glass" : "approval_requested", announcement: a });
      return ok(a);
    },

    async edit(actor: string, id: AnnouncementId, content: Content): Promise<Result<Announcement>> {
      const prepared = prepareContent(content);
      const result = await mutate(id, (a, now) => {
        if (!canChange(policy, actor, a)) return fail("NOT_ALLOWED_TO_CHANGE", { id });
        if (!nextState(a.state, "edit")) return fail("INVALID_STATE", { id, state: a.state });
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
            queueChange(a, a.change, actor, now);
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
        deps.onDue?.();
        await tell({ kind: "approved", announcement: result.value, by: actor });
      }
      return result;
    },

    async revokeApproval(actor: string, id: AnnouncementId, ref: VersionRef): Promise<Result<Announcement>> {
      return mutate(id, (a, now) => {
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
    },

    async reject(actor: string, id: AnnouncementId, reason: string, ref: VersionRef): Promise<Result<Announcement>> {
      const why = reason.trim();
      let rejectedChange: "correct" | "retract" | undefined;
      const result = await mutate(id, (a, now) => {
        const allowed = checkDecider(a, actor, ref, "SELF_REJECTION");
        if (!allowed.ok) return allowed;
        if (!why) return fail("MISSING_REASON", { id, action: "reject" });
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
        if (pendingChange(a)) {
          if (!why) return fail("MISSING_REASON", { id, action: "withdraw" });
          delete a.change;
          return step(a, "change_withdrawn", actor, now, why);
        }
        if (!nextState(a.state, "withdraw")) return fail("INVALID_STATE", { id, state: a.state });
        if (!why) return fail("MISSING_REASON", { id, action: "withdraw" });
        a.decision = { by: actor, at: now.toISOString(), reason: why };
        a.deliveries = [];
        return step(a, "withdraw", actor, now, why);
      });
      if (result.ok) await tell({ kind: "withdrawn", announcement: result.value });
      return result;
    },

    /** Asks approval for a new text of a published post; once approved, every outlet edits it. */
    async requestCorrection(actor: string, id: AnnouncementId, content: Content): Promise<Result<Announcement>> {
      const prepared = prepareContent(content);
      const result = await mutate(id, (a, now) => {
        const changeable = checkChangeable(a, actor, now);
        if (!changeable.ok) return changeable;
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
        if (!why) return fail("MISSING_REASON", { id, action: "retract" });
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

    /** Every template of the policy, and whether its current text is approved for use at night. */
    async templates(): Promise<{ template: Template; hash: string; approval?: TemplateApproval; approved: boolean }[]> {
      return Promise.all(
        [...policy.templates.values()].map(async (template) => {
          const hash = templateHash(template);
          const approval = (await store.getSetting(`template:${template.name}`)) as TemplateApproval | undefined;
          return { template, hash, ...(approval ? { approval } : {}), approved: approval?.hash === hash };
        }),
      );
    },

    /** A department head approves a template's current text, so night staff may publish it at once. */
    async approveTemplate(actor: string, name: string): Promise<Result<TemplateApproval>> {
      const template = policy.templates.get(name);
      if (!template)
        return fail("UNKNOWN_TEMPLATE", { template: name, known: [...policy.templates.keys()].join(", ") });
      if (!isApproverFor(policy, actor, template.category) && !policy.admins.has(actor)) {
        return fail("NOT_AN_APPROVER", { id: name, category: template.category });
      }
      const approval: TemplateApproval = { hash: templateHash(template), by: actor, at: clock.now().toISOString() };
      await store.putSetting(`template:${name}`, approval);
      log.info({ template: name, hash: approval.hash, by: actor }, "template approved");
      return ok(approval);
    },

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
        if (verdict === "flag" && !why) return fail("MISSING_REASON", { id, action: "flag" });
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

    /** Pings the next people in a category's chain once an announcement has waited long enough; each step once. */
    async escalateDue(): Promise<number> {
      const now = clock.now();
      let fired = 0;
      for (const id of await store.openIds()) {
        const a = await store.get(id);
        const chain = a && policy.categories.get(a.category)?.escalation;
        if (a?.state !== "pending" || !chain) continue;
        const waited = now.getTime() - Date.parse(a.createdAt);
        const due = chain.findIndex((s, i) => waited >= s.afterMs && !(a.escalated ?? []).includes(i));
        if (due < 0) continue;
        let people: readonly string[] = [];
        const result = await mutate(id, (fresh, at) => {
          if (fresh.state !== "pending" || (fresh.escalated ?? []).includes(due)) {
            return fail("INVALID_STATE", { id, state: fresh.state });
          }
          // Pinging is per step; a step reached late still pings, earlier missed steps too, in order.
          const fire = chain.flatMap((s, i) =>
            waited >= s.afterMs && !(fresh.escalated ?? []).includes(i) ? [i] : [],
          );
          fresh.escalated = [...(fresh.escalated ?? []), ...fire];
          people = [...new Set(fire.flatMap((i) => chain[i]?.notify ?? []))].filter((p) => p !== fresh.author);
          return step(fresh, "escalate", "system", at, `pinged ${people.join(", ")}`);
        });
        if (result.ok) {
          fired += 1;
          await tell({ kind: "escalated", announcement: result.value, people, waitedMs: waited });
        }
      }
      return fired;
    },

    /** Closes incidents whose all-clear is out, and asks authors at a notice's end whether to post one. */
    async incidentTick(): Promise<void> {
      const now = clock.now();
      for (const id of await store.openIds()) {
        const a = await store.get(id);
        if (!a) continue;
        if (a.incident?.kind === "alert" && !a.incident.closed) {
          const followUps = await Promise.all((a.incident.followUps ?? []).map((f) => store.get(f)));
          const cleared = followUps.find(
            (f) => f?.incident?.kind === "cancel" && (f.state === "published" || f.state === "corrected"),
          );
          if (cleared) {
            await mutate(id, (r, at) => {
              if (!r.incident || r.incident.closed) return fail("INVALID_STATE", { id, state: r.state });
              r.incident = { ...r.incident, closed: true };
              return step(r, "incident_closed", "system", at, `all-clear ${cleared.id}`);
            });
            continue;
          }
        }
        const live = a.state === "published" || a.state === "corrected";
        if (live && a.expiresAt && !a.expiryAsked && Date.parse(a.expiresAt) <= now.getTime()) {
          const asked = await mutate(id, (r, at) => {
            if (r.expiryAsked) return fail("INVALID_STATE", { id, state: r.state });
            r.expiryAsked = true;
            return step(r, "expiry_asked", "system", at);
          });
          if (asked.ok) await tell({ kind: "expiry_reached", announcement: asked.value });
        }
      }
    },

    /** Open incidents: alerts without an all-clear yet, in id order. */
    async openIncidents(): Promise<Announcement[]> {
      const all = await Promise.all((await store.openIds()).map((id) => store.get(id)));
      return all
        .filter((a): a is Announcement => a?.incident?.kind === "alert" && !a.incident.closed)
        .sort((x, y) => x.id.localeCompare(y.id));
    },

    /** Crisis mode holds routine scheduled posts; emergency categories keep flowing. Approvers only. */
    async setMode(actor: string, mode: "crisis" | "exercise", on: boolean): Promise<Result<ModeSetting>> {
      const approver = [...policy.categories.values()].some((c) => c.approvers.includes(actor));
      if (!approver && !policy.admins.has(actor)) return fail("NOT_AN_APPROVER", { id: mode, category: "–" });
      if (mode === "exercise" && on && deps.canExercise === false) return fail("EXERCISE_NEEDS_TEST_CHANNEL");
      const setting: ModeSetting = { on, by: actor, at: clock.now().toISOString() };
      await store.putSetting(`mode:${mode}`, setting);
      log.warn({ mode, on, by: actor }, "mode changed");
      await tell({ kind: "mode_changed", mode, on, by: actor });
      if (!on) deps.onDue?.();
      return ok(setting);
    },

    mode: (mode: "crisis" | "exercise"): Promise<ModeSetting | undefined> => modeOn(mode),

    /** Whether a due scheduled post must wait: routine posts during crisis mode. */
    async holds(a: Announcement): Promise<boolean> {
      if (policy.categories.get(a.category)?.emergency) return false;
      return (await modeOn("crisis")) !== undefined;
    },

    /** Once each working day, during office hours: reminds approvers of every open review. */
    async remindReviews(): Promise<number> {
      const now = clock.now();
      if (!isOfficeHours(policy.calendar, now)) return 0;
      const w = wallTimeOf(now, policy.timezone);
      const today = isoDate(w.year, w.month, w.day);
      let reminded = 0;
      for (const id of await store.openIds()) {
        const a = await store.get(id);
        if (a?.review?.state !== "open" || a.review.remindedOn === today) continue;
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

    /** A person says the hand-off copy is now live on the outlet. */
    async confirmHandoff(actor: string, id: AnnouncementId): Promise<Result<Announcement>> {
      let settled: Settlement | undefined;
      const result = await mutate(id, (a, now) => {
        if (!isStaff(policy, actor) && !policy.admins.has(actor)) return fail("NOT_ALLOWED_TO_CONFIRM", { id });
        const waiting = a.deliveries.find(
          (d) =>
            d.state === "awaiting_confirmation" ||
            d.state === "needs_manual_check" ||
            (d.handoff === true && d.state === "sending"),
        );
        if (!isDelivering(a) || !waiting) return fail("NOTHING_TO_CONFIRM", { id, state: a.state });
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

    /** The outlets announcements go to, with what each can carry. */
    outlets: deps.outlets.map(({ id, capabilities }) => ({ id, capabilities })),

    get: (id: AnnouncementId): Promise<Announcement | undefined> => store.get(id),

    async listOpen(): Promise<Announcement[]> {
      const ids = await store.openIds();
      const all = await Promise.all(ids.map((id) => store.get(id)));
      return all
        .filter((a): a is Announcement => a !== undefined && !isSettled(a))
        .sort((x, y) => x.id.localeCompare(y.id));
    },

    /** The newest `count` announcements, newest first. */
    async recent(count: number): Promise<Announcement[]> {
      const last = await store.currentSequence("announcement");
      const ids = Array.from({ length: Math.min(count, last) }, (_, i) => formatAnnouncementId(last - i));
      const all = await Promise.all(ids.map((id) => store.get(id)));
      return all.filter((a): a is Announcement => a !== undefined);
    },

    async expireDue(): Promise<number> {
      const now = clock.now();
      let expired = 0;
      for (const id of await store.openIds()) {
        const a = await store.get(id);
        if (a?.state !== "pending" || !a.deadline || Date.parse(a.deadline) > now.getTime()) continue;
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
