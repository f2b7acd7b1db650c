import {
  currentVersion,
  type Announcement,
  type AnnouncementId,
  type Delivery,
  type DeliveryAction,
  type DeliveryAttempt,
} from "../announcement/announcement.ts";
import { applyEvent, logEvents, SYSTEM_ACTOR } from "../announcement/audit.ts";
import { isDelivering, isSettled, settleDeliveries } from "../announcement/delivery.ts";
import { nextDueAt, saveRecord } from "../announcement/due.ts";
import type { Policy } from "../policy/policy.ts";
import type { Clock } from "../ports/clock.ts";
import type { Logger } from "../ports/logger.ts";
import type { Notice, NoticeSink } from "../ports/notices.ts";
import type { OutboundPost, Outlet, OutletErrorCode, PublishOutcome, RemoteRef } from "../ports/outlet.ts";
import { announcementLockKey, type Store } from "../ports/store.ts";

export interface OutboxOptions {
  store: Store;
  outlets: ReadonlyMap<string, Outlet>;
  clock: Clock;
  notices: NoticeSink;
  log: Logger;
  /** Attempts per outlet before it counts as failed. */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt. */
  retryBaseMs?: number;
  /** How long one process may hold a delivery before another may take it over. */
  deliveryLeaseMs?: number;
  /**
   * The manual hand-off: publishes deliveries marked for it, and takes over a delivery
   * whose outlet gave up or whose outcome nobody can read back.
   */
  handoff?: Outlet;
  /** The test channel's outlets, by the real outlet's id: exercise posts go there and nowhere else. */
  exercise?: ReadonlyMap<string, Outlet>;
  /** True while a due scheduled post must wait (crisis mode holds routine posts). */
  hold?: (a: Announcement) => Promise<boolean>;
  /** False while an outlet is known to be down: its deliveries wait, untouched, instead of failing. */
  available?: (outletId: string) => boolean;
  /** An outlet answered that it is not ready (logged out, unreachable, key refused): a chance to check its health. */
  outletTrouble?: (outletId: string) => void;
  /** For the due index: escalation steps and review reminders are timed by the policy. */
  policy?: Policy;
  /** Announcements that go out before all others waiting (emergency categories). */
  urgent?: (a: Announcement) => boolean;
  /** After a delivery settles an announcement (published, corrected, retracted, failed), in the same pass. */
  settled?: (a: Announcement) => Promise<void>;
}

/** The post as it is (or will be, once a pending correction is approved and carried out). */
export const toOutboundPost = (a: Announcement): OutboundPost => {
  const correction = a.change?.kind === "correct" && a.change.content ? a.change : undefined;
  const v = correction?.content
    ? { number: correction.version, hash: correction.hash, content: correction.content }
    : currentVersion(a);
  return {
    announcementId: a.id,
    version: v.number,
    category: a.category,
    text: v.content.text,
    ...(v.content.poll ? { poll: v.content.poll } : {}),
    media: v.content.media,
    fingerprint: v.hash,
  };
};

/** Opens a correction posted as a new post, where the outlet cannot edit (whatsapp-channels.md §8). */
export const CORRECTION_PREFIX = "✏️ Korrektur:";

/** What one delivery sends: the post itself, or for a correction the corrected post (as a new one if it cannot edit). */
function postFor(a: Announcement, d: Delivery): OutboundPost {
  const post = toOutboundPost(a);
  if (d.action !== "correction_post") return post;
  return { ...post, text: `${CORRECTION_PREFIX} ${post.text}`.trim() };
}

/** Edits and deletions can be repeated safely; publications only where the outlet makes a repeat harmless. */
const isRepeatable = (d: Delivery, idempotent: boolean): boolean =>
  d.action === "edit" || d.action === "remove" || idempotent;

/** A repeat of this delivery's attempt on `outlet` cannot make a second post (within the outlet's window). */
function repeatsHarmlessly(outlet: Outlet, d: Delivery, now: number): boolean {
  if (outlet.idempotent !== true) return false;
  const window = outlet.idempotencyWindowMs;
  return window === undefined || !d.attempt || now - Date.parse(d.attempt.startedAt) < window;
}

/** Still to be sent or settled by this process. */
const isOpen = (d: Delivery): boolean => d.state === "queued" || d.state === "sending";

/**
 * The outlet is not ready (session logged out, gateway unreachable, slow down, key refused): the post waits and
 * goes out by itself once the outlet works again; it is never given up or handed to a person for this.
 */
const WAITING_CODES: ReadonlySet<OutletErrorCode> = new Set([
  "session_not_ready",
  "unreachable",
  "rate_limited",
  "unauthorized",
]);

const MAX_BACKOFF_MS = 5 * 60_000;

/** A scheduled post that starts later than this after its time gets a note. */
const LATE_AFTER_MS = 60_000;

/** Read-backs that must miss the post (the last after the outlet's grace period) before it is sent again. */
const REQUIRED_NOT_FOUND = 2;

/** After an unclear outcome the post is read back after these pauses, the last repeated; never on every pass. */
export const READ_BACK_PAUSES_MS = [2_000, 5_000, 10_000, 30_000] as const;

interface Work {
  attempt: DeliveryAttempt;
  post: OutboundPost;
  action: DeliveryAction;
  /** The post on the outlet, for edits and deletions. */
  ref?: RemoteRef;
}

type Step = ({ kind: "publish" } & Work) | ({ kind: "reconcile" } & Work) | { kind: "none" };

/**
 * Delivers approved announcements to their outlets, at most once per outlet:
 * the attempt is written before the outlet is called, and an attempt whose outcome is
 * unknown (an unclear answer, or a crash mid-call) is read back before anything is re-sent.
 */
export class Outbox {
  readonly #o: Required<Omit<OutboxOptions, "handoff" | "exercise" | "policy">> &
    Pick<OutboxOptions, "handoff" | "exercise" | "policy">;
  #running: Promise<void> | undefined;
  #again = false;
  /** When each outlet last came back after being down, by this process's clock. */
  readonly #recovered = new Map<string, number>();
  /** Deliveries handed over by `deliverNow`, still running. */
  readonly #handedOver = new Set<Promise<void>>();
  /**
   * Per outlet, the first post it made wait (logged out, unreachable, key refused): the posts after it wait
   * until it has gone, so what waited goes out in order.
   */
  readonly #waitingHead = new Map<string, AnnouncementId>();
  #rebuilt: Promise<void> | undefined;

  constructor(options: OutboxOptions) {
    this.#o = {
      maxAttempts: 5,
      retryBaseMs: 5_000,
      // Renewed while held, so it can be short: a dead holder's delivery is taken over within seconds.
      deliveryLeaseMs: 8_000,
      available: () => true,
      hold: () => Promise.resolve(false),
      outletTrouble: () => undefined,
      urgent: () => false,
      settled: () => Promise.resolve(),
      ...options,
    };
    // What waited for an outlet in an earlier run (a refused key, fixed before this start) goes out at once.
    const start = this.#o.clock.now().getTime();
    for (const id of this.#o.outlets.keys()) this.#recovered.set(id, start);
  }

  /** The outlet works again: what waited for it is due now, not at its next backed-off retry. */
  outletRecovered(outletId: string): void {
    this.#recovered.set(outletId, this.#o.clock.now().getTime());
    this.#waitingHead.delete(outletId);
    this.#rebuilt = undefined;
  }

  /** Runs one pass now, or right after the pass in progress. Never runs two passes at once. */
  async runOnce(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#pass();
      } while (this.#again);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /**
   * Finds what is due, then delivers it in the order the deciding approvals came (urgent first), one outlet's
   * posts strictly in that order: once an outlet makes a post wait, the posts after it wait too.
   */
  async #pass(): Promise<void> {
    this.#rebuilt ??= this.#rebuildDueIndex();
    await this.#rebuilt;
    const now = this.#o.clock.now().getTime();
    const ids = await this.#o.store.dueIds(new Date(now), DUE_PER_PASS);
    // More are due than one pass takes: the next pass follows at once.
    if (ids.length === DUE_PER_PASS) this.#again = true;
    const due: Announcement[] = [];
    for (const a of await this.#o.store.getMany(ids)) {
      if (a && (await this.#finds(a, now))) due.push(a);
    }
    const blocked = new Set<string>();
    for (const [outlet, head] of this.#waitingHead) {
      if (await this.#stillWaits(head, outlet, now)) blocked.add(outlet);
      else this.#waitingHead.delete(outlet);
    }
    const ordered = due.sort((x, y) => this.#order(x, y));
    // One lane per outlet, side by side: a slow or failing outlet never delays the others.
    const lanes = new Set(ordered.flatMap((a) => a.deliveries.filter(isOpen).map((d) => d.outlet)));
    await Promise.all(
      [...lanes].map(async (outlet) => {
        for (const a of ordered) {
          if (a.deliveries.some((d) => d.outlet === outlet && isOpen(d))) {
            await this.#deliverDue(a.id, now, blocked, undefined, outlet);
          }
        }
      }),
    );
  }

  /**
   * Delivers what is due of one announcement, read again as it is now. An outlet in `blocked` takes only the
   * post it made wait; one that makes a post wait now is blocked for the posts after it.
   */
  async #deliverDue(
    id: AnnouncementId,
    now: number,
    blocked: Set<string>,
    underway?: () => void,
    only?: string,
  ): Promise<void> {
    const a = await this.#o.store.get(id);
    if (!a || !isDelivering(a)) return;
    const due = a.deliveries.filter(
      (d) =>
        (only === undefined || d.outlet === only) &&
        !(blocked.has(d.outlet) && this.#waitingHead.get(d.outlet) !== id) &&
        this.#o.available(d.outlet) &&
        this.#isDue(d, now),
    );
    await Promise.all(
      due.map(async (d) => {
        const head = this.#waitingHead.get(d.outlet) === id;
        try {
          const waits = await this.#deliver(id, d.outlet, d.handoff === true, a.exercise === true, underway);
          if (waits) {
            blocked.add(d.outlet);
            if (!this.#waitingHead.has(d.outlet)) this.#waitingHead.set(d.outlet, id);
          } else if (head) {
            this.#waitingHead.delete(d.outlet);
            blocked.delete(d.outlet);
          }
        } catch (error) {
          this.#o.log.error({ err: error, id, outlet: d.outlet }, "delivery failed; will retry");
        }
      }),
    );
  }

  /**
   * Delivers one announcement at once, as its deciding approval hands it over. Resolves once its first outlet
   * call has been answered or has had a head start of 25 ms (or nothing is to be sent), so the post goes out
   * before the chat is told.
   */
  async deliverNow(id: AnnouncementId): Promise<void> {
    let underway!: () => void;
    const started = new Promise<void>((resolve) => (underway = resolve));
    // Behind a post its outlet made wait, this one keeps its place in the line: the pass takes it.
    const blocked = new Set(this.#waitingHead.keys());
    const work = this.#deliverDue(id, this.#o.clock.now().getTime(), blocked, underway)
      .catch((error: unknown) => this.#o.log.error({ err: error, id }, "delivery failed; the next pass retries"))
      .finally(() => {
        underway();
        this.#handedOver.delete(work);
      });
    this.#handedOver.add(work);
    await started;
  }

  /** Resolves once deliveries handed over by `deliverNow` are done (for an orderly stop). */
  async idle(): Promise<void> {
    await Promise.all([...this.#handedOver]);
  }

  /**
   * Puts every open announcement in the due index no later than it is due: after an upgrade (announcements
   * from before the index) or a crash between an index write and its record; and what waited for an outlet that
   * works again is due now, not at its backed-off retry. Before the first pass of a process and after an outlet
   * came back; lowering only, so it needs no locks.
   */
  async #rebuildDueIndex(): Promise<void> {
    const now = this.#o.clock.now();
    const ids = await this.#o.store.openIds();
    for (let start = 0; start < ids.length; start += READ_BATCH) {
      for (const a of await this.#o.store.getMany(ids.slice(start, start + READ_BATCH))) {
        if (!a) continue;
        const back = a.deliveries.some((d) => d.state === "queued" && this.#isDue(d, now.getTime()));
        const at = back ? now : nextDueAt(a, now, this.#o.policy);
        if (at) await this.#o.store.setDueNoLaterThan(a.id, at);
      }
    }
  }

  /** Whether the post an outlet made wait is still waiting for it (not sent, withdrawn or handed over meanwhile). */
  async #stillWaits(id: AnnouncementId, outlet: string, now: number): Promise<boolean> {
    const a = await this.#o.store.get(id);
    return (
      a?.deliveries.some(
        (d) => d.outlet === outlet && d.state === "queued" && d.waitsForOutlet === true && !this.#isDue(d, now),
      ) ?? false
    );
  }

  /** Writes the record and its place in the due index. */
  #save(a: Announcement): Promise<void> {
    return saveRecord(this.#o.store, a, this.#o.clock.now(), this.#o.policy);
  }

  /** Closes what is settled and starts due scheduled posts; true when the announcement has deliveries to make. */
  async #finds(a: Announcement, now: number): Promise<boolean> {
    if (isSettled(a)) {
      await this.#o.store.markClosed(a.id);
      await this.#o.store.setDue(a.id, undefined);
      return false;
    }
    if (a.state === "scheduled" && a.publishAt !== undefined && Date.parse(a.publishAt) <= now) {
      await this.#startScheduled(a.id);
      return true;
    }
    return isDelivering(a) && a.deliveries.some((d) => d.state === "queued" || d.state === "sending");
  }

  #order(x: Announcement, y: Announcement): number {
    const urgent = Number(this.#o.urgent(y)) - Number(this.#o.urgent(x));
    return urgent || decidedAt(x).localeCompare(decidedAt(y)) || x.id.localeCompare(y.id);
  }

  #isDue(d: Delivery, now: number): boolean {
    if (d.state !== "queued" && d.state !== "sending") return false;
    if (!d.notBefore || Date.parse(d.notBefore) <= now) return true;
    const back = this.#recovered.get(d.outlet);
    return (
      d.waitsForOutlet === true &&
      back !== undefined &&
      d.attempt !== undefined &&
      back > Date.parse(d.attempt.startedAt)
    );
  }

  /** A scheduled post is due: it starts, unless held; more than a minute late, people are told why. */
  async #startScheduled(id: AnnouncementId): Promise<void> {
    let late: Notice | undefined;
    await this.#o.store.withLock(announcementLockKey(id), async () => {
      const a = await this.#o.store.get(id);
      if (a?.state !== "scheduled" || !a.publishAt) return;
      if (await this.#o.hold(a)) return;
      const now = this.#o.clock.now();
      const lateMs = now.getTime() - Date.parse(a.publishAt);
      const reason = lateMs > LATE_AFTER_MS ? `late by ${Math.round(lateMs / 60_000)} min` : undefined;
      applyEvent(a, "start_publishing", SYSTEM_ACTOR, now, reason ? { reason } : {});
      await this.#save(a);
      logEvents(this.#o.log, a, a.events.length - 1);
      if (reason) late = { kind: "published_late", announcement: a, lateMs };
    });
    if (late) await this.#tell(late);
  }

  /** Resolves true when the outlet made the post wait (it is not ready). */
  async #deliver(
    id: AnnouncementId,
    outletId: string,
    byHand: boolean,
    exercise: boolean,
    underway?: () => void,
  ): Promise<boolean> {
    const real = this.#o.outlets.get(outletId);
    // An exercise never reaches the real channel: its test channel, a person, or nothing.
    const channel = exercise && real && !real.handoff ? this.#o.exercise?.get(outletId) : real;
    const outlet = byHand && real && !real.handoff && this.#o.handoff ? this.#o.handoff : channel;
    if (!outlet) {
      await this.#record(id, outletId, {
        state: "failed",
        reason: exercise ? `no test channel for ${outletId}` : `outlet ${outletId} is not configured`,
        retryable: false,
      });
      return false;
    }
    // Another worker holding this delivery is on it; this pass moves on.
    const held = await this.#o.store.tryLock(
      `delivery:${id}:${outletId}`,
      async () => {
        const next = await this.#claim(id, outletId, outlet);
        if (next.kind === "none") return false;
        if (next.kind === "reconcile") return this.#reconcile(id, outletId, outlet, next);
        return this.#publish(id, outletId, outlet, next, underway);
      },
      this.#o.deliveryLeaseMs,
    );
    return held.acquired && held.value;
  }

  /**
   * Reads back a post whose outcome is unclear. Found: sent. Missed by two read-backs, the last after the grace
   * period since the unclear answer: sent again. Otherwise read back again later, at growing pauses.
   */
  async #reconcile(id: AnnouncementId, outletId: string, outlet: Outlet, step: Work): Promise<boolean> {
    const found = await outlet.readBack(step.post, step.attempt).catch((error: unknown) => ({
      state: "unavailable" as const,
      reason: errorText(error),
    }));
    if (found.state === "found") {
      const { remoteId, url } = found;
      await this.#record(id, outletId, { state: "sent", ...(remoteId ? { remoteId } : {}), ...(url ? { url } : {}) });
      return false;
    }
    if (found.state === "unavailable") {
      await this.#needsManualCheck(id, outletId, found.reason);
      return false;
    }
    const graceEnds = Date.parse(step.attempt.unclearAt ?? step.attempt.startedAt) + outlet.readBackGraceMs;
    const checks = await this.#countNotFound(id, outletId, graceEnds);
    if (this.#o.clock.now().getTime() < graceEnds || checks < REQUIRED_NOT_FOUND) return false;
    const retry = await this.#claim(id, outletId, outlet, true);
    if (retry.kind !== "publish") return false;
    return this.#publish(id, outletId, outlet, retry);
  }

  /** `outletId` names the delivery; `outlet` is who publishes it (the channel's own, or the hand-off). */
  async #publish(
    id: AnnouncementId,
    outletId: string,
    outlet: Outlet,
    step: Work,
    underway?: () => void,
  ): Promise<boolean> {
    let outcome: PublishOutcome;
    try {
      const sending = this.#send(outlet, step, outletId);
      // Started is not yet on the wire (a connection may be opening, a pacing turn awaited): the chat waits
      // until the outlet has answered or had a head start.
      if (underway) void Promise.race([sending, headStart()]).then(underway, underway);
      outcome = await sending;
    } catch (error) {
      outcome = { state: "unknown", reason: errorText(error) };
    }
    await this.#record(id, outletId, outcome);
    const waits = outcome.state === "failed" && outcome.code !== undefined && WAITING_CODES.has(outcome.code);
    if (waits) this.#o.outletTrouble(outletId);
    return waits;
  }

  #send(outlet: Outlet, work: Work, outletId: string): Promise<PublishOutcome> {
    const step = {
      ...work,
      post: { ...work.post, outlet: outletId },
      ...(work.ref ? { ref: { ...work.ref, outlet: outletId } } : {}),
    };
    switch (step.action) {
      case "publish":
      case "correction_post":
        return outlet.publish(step.post, step.attempt);
      case "edit":
      case "remove": {
        // A post a person published has no id here; the person finds it by its announcement.
        const ref = step.ref ?? (outlet.handoff ? { remoteId: step.post.announcementId, outlet: outletId } : undefined);
        if (!ref) return Promise.resolve({ state: "failed", reason: "no id of the published post", retryable: false });
        return step.action === "edit" ? outlet.edit(ref, step.post) : outlet.remove(ref, step.post);
      }
    }
  }

  /** Writes the attempt before the outlet is called; returns what to do next. */
  async #claim(id: AnnouncementId, outletId: string, outlet: Outlet, afterNotFound = false): Promise<Step> {
    return this.#o.store.withLock(announcementLockKey(id), async () => {
      const a = await this.#o.store.get(id);
      const d = a?.deliveries.find((x) => x.outlet === outletId);
      if (!a || !d || !isDelivering(a)) return { kind: "none" };
      const now = this.#o.clock.now();
      const idempotent = repeatsHarmlessly(outlet, d, now.getTime());
      const post = await this.#outboundFor(a, d);
      const action = d.action ?? "publish";
      const ref = d.receipt?.remoteId ? { remoteId: d.receipt.remoteId } : undefined;
      const work = { post, action, ...(ref ? { ref } : {}) };
      if (d.state === "sending" && d.attempt && !afterNotFound && !isRepeatable(d, idempotent)) {
        if (d.notBefore && Date.parse(d.notBefore) > now.getTime()) return { kind: "none" };
        return { kind: "reconcile", attempt: d.attempt, ...work };
      }
      const again = d.state === "sending" && (afterNotFound || isRepeatable(d, idempotent));
      if (d.state !== "queued" && !again) return { kind: "none" };
      if (d.state === "queued" && !this.#isDue(d, now.getTime())) return { kind: "none" };
      d.attempts += 1;
      d.state = "sending";
      delete d.notFound;
      d.attempt = {
        id: `${id}:${outletId}:${action}:${d.attempts}`,
        startedAt: now.toISOString(),
        fingerprint: post.fingerprint,
      };
      delete d.notBefore;
      delete d.waitsForOutlet;
      applyEvent(a, afterNotFound ? "delivery_retry" : "delivery_started", SYSTEM_ACTOR, now, { outlet: outletId });
      await this.#save(a);
      return { kind: "publish", attempt: d.attempt, ...work };
    });
  }

  /**
   * What one delivery sends, with what the outlet needs beyond the text: whether it is an emergency, whether a
   * person must look first, its place in an incident chain, and the earlier post of that chain on the same outlet.
   */
  async #outboundFor(a: Announcement, d: Delivery): Promise<OutboundPost> {
    const post: OutboundPost = {
      ...postFor(a, d),
      ...(this.#o.urgent(a) ? { emergency: true as const } : {}),
      ...(a.expiresAt ? { expiresAt: a.expiresAt } : {}),
      ...(d.checkFirst ? { checkFirst: true as const } : {}),
    };
    const incident = a.incident;
    if (!incident) return post;
    if (incident.kind === "alert") return { ...post, incident: { kind: "alert", root: a.id } };
    const root = await this.#o.store.get(incident.root);
    const chain = [incident.root, ...(root?.incident?.followUps ?? [])];
    const earlier = chain.slice(0, Math.max(1, chain.indexOf(a.id)));
    const records = await this.#o.store.getMany(earlier.filter((x) => x !== incident.root));
    const byId = new Map([root, ...records].filter((x) => x !== undefined).map((x) => [x.id, x]));
    let follows: AnnouncementId | undefined;
    let replyTo: RemoteRef | undefined;
    for (const earlierId of earlier.toReversed()) {
      const remoteId = byId.get(earlierId)?.deliveries.find((x) => x.outlet === d.outlet && x.state === "sent")
        ?.receipt?.remoteId;
      follows ??= byId.has(earlierId) ? earlierId : undefined;
      if (remoteId) {
        replyTo = { remoteId };
        break;
      }
    }
    return {
      ...post,
      incident: { kind: incident.kind, root: incident.root, ...(follows ? { follows } : {}) },
      ...(replyTo ? { replyTo } : {}),
    };
  }

  async #record(id: AnnouncementId, outletId: string, outcome: PublishOutcome): Promise<void> {
    const notices: Notice[] = [];
    let after: Announcement | undefined;
    await this.#o.store.withLock(announcementLockKey(id), async () => {
      const a = await this.#o.store.get(id);
      const d = a?.deliveries.find((x) => x.outlet === outletId);
      // Already settled: e.g. a person confirmed the hand-off before the outlet call returned.
      if (!a || !d || !isDelivering(a) || (d.state !== "sending" && d.state !== "queued")) return;
      const known = a.events.length;
      const now = this.#o.clock.now();
      const at = now.toISOString();
      switch (outcome.state) {
        case "sent": {
          d.state = "sent";
          const remoteId = outcome.remoteId ?? d.receipt?.remoteId;
          const url = outcome.url ?? d.receipt?.url;
          d.receipt = { outlet: outletId, at, ...(remoteId ? { remoteId } : {}), ...(url ? { url } : {}) };
          delete d.lastError;
          delete d.lastErrorCode;
          applyEvent(a, "delivery_sent", SYSTEM_ACTOR, now, { outlet: outletId, receipt: d.receipt });
          break;
        }
        case "awaiting_confirmation": {
          d.state = "awaiting_confirmation";
          applyEvent(a, "handoff_requested", SYSTEM_ACTOR, now, { outlet: outletId });
          break;
        }
        case "unknown": {
          d.state = "sending";
          d.lastError = outcome.reason;
          delete d.lastErrorCode;
          if (d.attempt) d.attempt.unclearAt = at;
          d.notFound = 0;
          // An outlet that makes a repeat harmless is simply asked again, backing off like a retry.
          const repeatable = this.#publishesIdempotently(d);
          const pause = repeatable ? this.#backoff(d.attempts) : READ_BACK_PAUSES_MS[0];
          d.notBefore = new Date(now.getTime() + pause).toISOString();
          applyEvent(a, "delivery_unknown", SYSTEM_ACTOR, now, { outlet: outletId, reason: outcome.reason });
          if (repeatable && d.attempts >= this.#o.maxAttempts) {
            d.state = "needs_manual_check";
            applyEvent(a, "delivery_needs_manual_check", SYSTEM_ACTOR, now, {
              outlet: outletId,
              reason: outcome.reason,
            });
            this.#o.log.warn({ id, outlet: outletId, reason: outcome.reason }, "delivery outcome still unclear");
            notices.push({ kind: "needs_manual_check", announcement: a, outlet: outletId, reason: outcome.reason });
            if (this.#o.handoff && !d.handoff) this.#toHandoff(a, d, now, true);
          }
          break;
        }
        case "failed": {
          d.lastError = outcome.reason;
          if (outcome.code) d.lastErrorCode = outcome.code;
          else delete d.lastErrorCode;
          const waitingForOutlet = outcome.code !== undefined && WAITING_CODES.has(outcome.code);
          if (waitingForOutlet || (outcome.retryable && d.attempts < this.#o.maxAttempts)) {
            d.state = "queued";
            if (waitingForOutlet) d.waitsForOutlet = true;
            // The outlet said when to come back (Telegram's retry_after): then, not at the backed-off time.
            const told = outcome.code === "rate_limited" ? outcome.retryAfterMs : undefined;
            const wait = told ?? Math.max(this.#backoff(d.attempts), outcome.retryAfterMs ?? 0);
            d.notBefore = new Date(now.getTime() + wait).toISOString();
            applyEvent(a, "delivery_retry", SYSTEM_ACTOR, now, { outlet: outletId, reason: outcome.reason });
          } else {
            applyEvent(a, "delivery_failed", SYSTEM_ACTOR, now, { outlet: outletId, reason: outcome.reason });
            this.#o.log.warn({ id, outlet: outletId, reason: outcome.reason, code: outcome.code }, "delivery failed");
            notices.push({
              kind: "delivery_failed",
              announcement: a,
              outlet: outletId,
              reason: outcome.reason,
              ...(outcome.code ? { code: outcome.code } : {}),
            });
            if (this.#o.handoff && !d.handoff) this.#toHandoff(a, d, now);
            else d.state = "failed";
          }
          break;
        }
      }
      const settled = settleDeliveries(a, SYSTEM_ACTOR, now);
      if (settled === "published" || settled === "corrected" || settled === "retracted") {
        notices.push({ kind: settled, announcement: a });
      } else if (!settled && notices.length === 0 && a.deliveries.length > 1 && outcome.state !== "unknown") {
        notices.push({ kind: "delivery_changed", announcement: a, outlet: outletId });
      }
      await this.#save(a);
      if (isSettled(a)) await this.#o.store.markClosed(id);
      logEvents(this.#o.log, a, known);
      if (settled) after = a;
    });
    if (after) await this.#afterSettled(after);
    for (const notice of notices) await this.#tell(notice);
  }

  #backoff(attempts: number): number {
    return Math.min(this.#o.retryBaseMs * 2 ** (attempts - 1), MAX_BACKOFF_MS);
  }

  /** Its outlet (not a person) publishes it, and a repeat cannot make a second post. */
  #publishesIdempotently(d: Delivery): boolean {
    const outlet = this.#o.outlets.get(d.outlet);
    return !d.handoff && outlet !== undefined && repeatsHarmlessly(outlet, d, this.#o.clock.now().getTime());
  }

  async #afterSettled(a: Announcement): Promise<void> {
    try {
      await this.#o.settled(a);
    } catch (error) {
      this.#o.log.error({ err: error, id: a.id }, "follow-up work after settling failed; the periodic tick repeats it");
    }
  }

  /**
   * Notes one more read-back that did not find the post and when to read back next (the next pause, but not
   * past the end of the grace period); returns how many there have been.
   */
  async #countNotFound(id: AnnouncementId, outletId: string, graceEnds: number): Promise<number> {
    return this.#o.store.withLock(announcementLockKey(id), async () => {
      const a = await this.#o.store.get(id);
      const d = a?.deliveries.find((x) => x.outlet === outletId);
      if (!a || !d) return 0;
      d.notFound = (d.notFound ?? 0) + 1;
      const now = this.#o.clock.now().getTime();
      const pause = READ_BACK_PAUSES_MS[Math.min(d.notFound, READ_BACK_PAUSES_MS.length - 1)] ?? 30_000;
      const next = graceEnds > now ? Math.min(now + pause, graceEnds) : now + pause;
      d.notBefore = new Date(next).toISOString();
      await this.#save(a);
      return d.notFound;
    });
  }

  async #needsManualCheck(id: AnnouncementId, outletId: string, reason: string): Promise<void> {
    let notice: Notice | undefined;
    await this.#o.store.withLock(announcementLockKey(id), async () => {
      const a = await this.#o.store.get(id);
      const d = a?.deliveries.find((x) => x.outlet === outletId);
      if (!a || !d || d.state !== "sending") return;
      const now = this.#o.clock.now();
      d.state = "needs_manual_check";
      d.lastError = reason;
      this.#o.log.warn({ id, outlet: outletId, reason }, "delivery outcome unclear and cannot be read back");
      applyEvent(a, "delivery_needs_manual_check", SYSTEM_ACTOR, now, { outlet: outletId, reason });
      if (this.#o.handoff && !d.handoff) this.#toHandoff(a, d, now, true);
      await this.#save(a);
      notice = { kind: "needs_manual_check", announcement: a, outlet: outletId, reason };
    });
    if (notice) await this.#tell(notice);
  }

  /**
   * From now on a person posts this one: the hand-off copy goes out on the next pass. `unclear`: it may already
   * be out, so the person checks before posting.
   */
  #toHandoff(a: Announcement, d: Delivery, now: Date, unclear = false): void {
    d.handoff = true;
    if (unclear) d.checkFirst = true;
    d.state = "queued";
    delete d.notBefore;
    applyEvent(a, "handoff_fallback", SYSTEM_ACTOR, now, { outlet: d.outlet });
  }

  async #tell(notice: Notice): Promise<void> {
    try {
      await this.#o.notices.emit(notice);
    } catch (error) {
      this.#o.log.error({ err: error, notice: notice.kind }, "could not deliver notice");
    }
  }
}

/** How long the chat waits for an outlet's answer before it is told of the approval anyway. */
const HEAD_START_MS = 25;

const headStart = () => new Promise<void>((resolve) => setTimeout(resolve, HEAD_START_MS).unref());

/** How many open announcements one store read fetches while rebuilding the due index. */
const READ_BATCH = 100;

/** At most this many due announcements per pass; more are taken by the passes that follow at once. */
const DUE_PER_PASS = 200;

/** When the announcement's current deliveries were decided: its last approval to publish, correct or retract. */
function decidedAt(a: Announcement): string {
  for (let i = a.events.length - 1; i >= 0; i--) {
    const e = a.events[i];
    if (e && DECIDING_EVENTS.has(e.event)) return e.at;
  }
  return a.createdAt;
}

const DECIDING_EVENTS: ReadonlySet<string> = new Set(["start_publishing", "change_approved"]);

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
