import {
  currentVersion,
  type Announcement,
  type AnnouncementId,
  type Delivery,
  type DeliveryAction,
  type DeliveryAttempt,
} from "../announcement/announcement.ts";
import { applyEvent, SYSTEM_ACTOR } from "../announcement/audit.ts";
import { isDelivering, isSettled, settleDeliveries } from "../announcement/delivery.ts";
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

/** Edits and deletions can be repeated safely; publications cannot. */
const isRepeatable = (d: Delivery): boolean => d.action === "edit" || d.action === "remove";

/** The outlet is not ready yet (session logged out, gateway unreachable, slow down): wait, never give up. */
const WAITING_CODES: ReadonlySet<OutletErrorCode> = new Set(["session_not_ready", "unreachable", "rate_limited"]);

const MAX_BACKOFF_MS = 5 * 60_000;

/** A scheduled post that starts later than this after its time gets a note. */
const LATE_AFTER_MS = 60_000;

/** Read-backs that must miss the post (the last after the outlet's grace period) before it is sent again. */
const REQUIRED_NOT_FOUND = 2;

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
  readonly #o: Required<Omit<OutboxOptions, "handoff" | "exercise">> & Pick<OutboxOptions, "handoff" | "exercise">;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(options: OutboxOptions) {
    this.#o = {
      maxAttempts: 5,
      retryBaseMs: 5_000,
      deliveryLeaseMs: 120_000,
      available: () => true,
      hold: () => Promise.resolve(false),
      ...options,
    };
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

  async #pass(): Promise<void> {
    const now = this.#o.clock.now().getTime();
    const ids = await this.#o.store.openIds();
    // Read in small batches: fewer round trips than one by one, and the first due delivery
    // is not held up by reading every open announcement first.
    for (let start = 0; start < ids.length; start += READ_BATCH) {
      const batch = ids.slice(start, start + READ_BATCH);
      const records = await this.#o.store.getMany(batch);
      for (const [i, id] of batch.entries()) {
        await this.#passOne(id, records[i], now);
      }
    }
  }

  async #passOne(id: AnnouncementId, a: Announcement | undefined, now: number): Promise<void> {
    if (!a) return;
    if (isSettled(a)) {
      await this.#o.store.markClosed(id);
      return;
    }
    const due = a.state === "scheduled" && a.publishAt !== undefined && Date.parse(a.publishAt) <= now;
    if (due) await this.#startScheduled(id);
    else if (!isDelivering(a) || !a.deliveries.some((d) => isDue(d, now))) return;
    // The batch read only finds the work; what is delivered is read again, as it is now.
    const fresh = await this.#o.store.get(id);
    for (const d of fresh?.deliveries ?? []) {
      if (isDue(d, now) && this.#o.available(d.outlet)) {
        try {
          await this.#deliver(id, d.outlet, d.handoff === true, fresh?.exercise === true);
        } catch (error) {
          this.#o.log.error({ err: error, id, outlet: d.outlet }, "delivery pass failed; will retry");
        }
      }
    }
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
      await this.#o.store.put(a);
      if (reason) late = { kind: "published_late", announcement: a, lateMs };
    });
    if (late) await this.#tell(late);
  }

  async #deliver(id: AnnouncementId, outletId: string, byHand: boolean, exercise: boolean): Promise<void> {
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
      return;
    }
    // Another worker holding this delivery is on it; this pass moves on.
    await this.#o.store.tryLock(
      `delivery:${id}:${outletId}`,
      async () => {
        const next = await this.#claim(id, outletId);
        if (next.kind === "none") return;
        if (next.kind === "reconcile") {
          const found = await outlet.readBack(next.post, next.attempt).catch((error: unknown) => ({
            state: "unavailable" as const,
            reason: errorText(error),
          }));
          if (found.state === "found") {
            await this.#record(id, outletId, {
              state: "sent",
              ...(found.remoteId ? { remoteId: found.remoteId } : {}),
            });
            return;
          }
          if (found.state === "unavailable") {
            await this.#needsManualCheck(id, outletId, found.reason);
            return;
          }
          const checks = await this.#countNotFound(id, outletId);
          const waited = this.#o.clock.now().getTime() - Date.parse(next.attempt.startedAt);
          if (waited < outlet.readBackGraceMs || checks < REQUIRED_NOT_FOUND) return;
          const retry = await this.#claim(id, outletId, true);
          if (retry.kind !== "publish") return;
          await this.#publish(id, outletId, outlet, retry);
          return;
        }
        await this.#publish(id, outletId, outlet, next);
      },
      this.#o.deliveryLeaseMs,
    );
  }

  /** `outletId` names the delivery; `outlet` is who publishes it (the channel's own, or the hand-off). */
  async #publish(id: AnnouncementId, outletId: string, outlet: Outlet, step: Work) {
    let outcome: PublishOutcome;
    try {
      outcome = await this.#send(outlet, step);
    } catch (error) {
      outcome = { state: "unknown", reason: errorText(error) };
    }
    await this.#record(id, outletId, outcome);
  }

  #send(outlet: Outlet, step: Work): Promise<PublishOutcome> {
    switch (step.action) {
      case "publish":
      case "correction_post":
        return outlet.publish(step.post, step.attempt);
      case "edit":
      case "remove": {
        // A post a person published has no id here; the person finds it by its announcement.
        const ref = step.ref ?? (outlet.handoff ? { remoteId: step.post.announcementId } : undefined);
        if (!ref) return Promise.resolve({ state: "failed", reason: "no id of the published post", retryable: false });
        return step.action === "edit" ? outlet.edit(ref, step.post) : outlet.remove(ref);
      }
    }
  }

  /** Writes the attempt before the outlet is called; returns what to do next. */
  async #claim(id: AnnouncementId, outletId: string, afterNotFound = false): Promise<Step> {
    return this.#o.store.withLock(announcementLockKey(id), async () => {
      const a = await this.#o.store.get(id);
      const d = a?.deliveries.find((x) => x.outlet === outletId);
      if (!a || !d || !isDelivering(a)) return { kind: "none" };
      const now = this.#o.clock.now();
      const post = postFor(a, d);
      const action = d.action ?? "publish";
      const ref = d.receipt?.remoteId ? { remoteId: d.receipt.remoteId } : undefined;
      const work = { post, action, ...(ref ? { ref } : {}) };
      if (d.state === "sending" && d.attempt && !afterNotFound && !isRepeatable(d)) {
        return { kind: "reconcile", attempt: d.attempt, ...work };
      }
      const again = d.state === "sending" && (afterNotFound || isRepeatable(d));
      if (d.state !== "queued" && !again) return { kind: "none" };
      if (d.notBefore && Date.parse(d.notBefore) > now.getTime()) return { kind: "none" };
      d.attempts += 1;
      d.state = "sending";
      delete d.notFound;
      d.attempt = {
        id: `${id}:${outletId}:${action}:${d.attempts}`,
        startedAt: now.toISOString(),
        fingerprint: post.fingerprint,
      };
      delete d.notBefore;
      applyEvent(a, afterNotFound ? "delivery_retry" : "delivery_started", SYSTEM_ACTOR, now, { outlet: outletId });
      await this.#o.store.put(a);
      return { kind: "publish", attempt: d.attempt, ...work };
    });
  }

  async #record(id: AnnouncementId, outletId: string, outcome: PublishOutcome): Promise<void> {
    const notices: Notice[] = [];
    await this.#o.store.withLock(announcementLockKey(id), async () => {
      const a = await this.#o.store.get(id);
      const d = a?.deliveries.find((x) => x.outlet === outletId);
      // Already settled: e.g. a person confirmed the hand-off before the outlet call returned.
      if (!a || !d || !isDelivering(a) || (d.state !== "sending" && d.state !== "queued")) return;
      const now = this.#o.clock.now();
      const at = now.toISOString();
      switch (outcome.state) {
        case "sent": {
          d.state = "sent";
          const remoteId = outcome.remoteId ?? d.receipt?.remoteId;
          d.receipt = { outlet: outletId, at, ...(remoteId ? { remoteId } : {}) };
          delete d.lastError;
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
          applyEvent(a, "delivery_unknown", SYSTEM_ACTOR, now, { outlet: outletId, reason: outcome.reason });
          break;
        }
        case "failed": {
          d.lastError = outcome.reason;
          const waitingForOutlet = outcome.code !== undefined && WAITING_CODES.has(outcome.code);
          if (outcome.retryable && (waitingForOutlet || d.attempts < this.#o.maxAttempts)) {
            d.state = "queued";
            const backoff = Math.min(this.#o.retryBaseMs * 2 ** (d.attempts - 1), MAX_BACKOFF_MS);
            d.notBefore = new Date(now.getTime() + Math.max(backoff, outcome.retryAfterMs ?? 0)).toISOString();
            applyEvent(a, "delivery_retry", SYSTEM_ACTOR, now, { outlet: outletId, reason: outcome.reason });
          } else {
            applyEvent(a, "delivery_failed", SYSTEM_ACTOR, now, { outlet: outletId, reason: outcome.reason });
            notices.push({ kind: "delivery_failed", announcement: a, outlet: outletId, reason: outcome.reason });
            if (this.#o.handoff && !d.handoff) this.#toHandoff(a, d, now);
            else d.state = "failed";
          }
          break;
        }
      }
      const settled = settleDeliveries(a, SYSTEM_ACTOR, now);
      if (settled === "published" || settled === "corrected" || settled === "retracted") {
        notices.push({ kind: settled, announcement: a });
      }
      await this.#o.store.put(a);
      if (isSettled(a)) await this.#o.store.markClosed(id);
    });
    for (const notice of notices) await this.#tell(notice);
  }

  /** Notes one more read-back that did not find the post; returns how many there have been. */
  async #countNotFound(id: AnnouncementId, outletId: string): Promise<number> {
    return this.#o.store.withLock(announcementLockKey(id), async () => {
      const a = await this.#o.store.get(id);
      const d = a?.deliveries.find((x) => x.outlet === outletId);
      if (!a || !d) return 0;
      d.notFound = (d.notFound ?? 0) + 1;
      await this.#o.store.put(a);
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
      applyEvent(a, "delivery_needs_manual_check", SYSTEM_ACTOR, now, { outlet: outletId, reason });
      if (this.#o.handoff && !d.handoff) this.#toHandoff(a, d, now);
      await this.#o.store.put(a);
      notice = { kind: "needs_manual_check", announcement: a, outlet: outletId, reason };
    });
    if (notice) await this.#tell(notice);
  }

  /** From now on a person posts this one: the hand-off copy goes out on the next pass. */
  #toHandoff(a: Announcement, d: Delivery, now: Date): void {
    d.handoff = true;
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

/** How many open announcements one store read fetches during a pass. */
const READ_BATCH = 16;

const isDue = (d: Delivery, now: number): boolean =>
  (d.state === "queued" && (!d.notBefore || Date.parse(d.notBefore) <= now)) || d.state === "sending";

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
