import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { ANNOUNCEMENT_STATES, type Announcement } from "../../src/announcement/announcement.ts";
import { isUnsettled } from "../../src/announcement/delivery.ts";
import type { BotNotice, NoticeSink } from "../../src/ports/notices.ts";
import type { Store } from "../../src/ports/store.ts";
import { isStoreUnavailable } from "../../src/ports/store-unavailable.ts";
import type { CommandInput, CommandOutcome } from "../../commands/input.ts";

/** What the store holds, or undefined while it is unreachable: the gauges then keep their last values. */
const unlessStoreAway = <T>(read: Promise<T>): Promise<T | undefined> =>
  read.catch((error: unknown) => {
    if (isStoreUnavailable(error)) return undefined;
    throw error;
  });

/** Seconds, from a few milliseconds (gateway on loopback) to minutes (pacing, retries, a person's hand-off). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

/**
 * amtsbote's Prometheus metrics. Counters are fed where commands and notices pass through the
 * composition root; the announcement and outbox gauges are read from the store at each scrape,
 * so they are right across restarts and across instances sharing the store.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #chatEvents = new Counter({
    name: "amtsbote_chat_events_total",
    help: "Chat events handled (commands, reactions, clicks), by chat and kind",
    labelNames: ["chat", "kind"] as const,
    registers: [this.registry],
  });
  readonly #errors = new Counter({
    name: "amtsbote_errors_total",
    help: "Commands answered with an error, by error code",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly #approvals = new Counter({
    name: "amtsbote_approvals_total",
    help: "Approvals given",
    registers: [this.registry],
  });
  readonly #notices = new Counter({
    name: "amtsbote_notices_total",
    help: "Domain notices, by kind (published, rejected, delivery_failed, …)",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly #latency = new Histogram({
    name: "amtsbote_publish_latency_seconds",
    help: "From the moment a post is due (approved, or its scheduled time) to the outlet's receipt, per outlet",
    labelNames: ["outlet"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #retries = new Counter({
    name: "amtsbote_delivery_retries_total",
    help: "Delivery attempts beyond the first, per outlet, counted when the delivery settles",
    labelNames: ["outlet"] as const,
    registers: [this.registry],
  });

  /** The open announcements as this scrape read them (undefined while the store is away); both gauges share one read. */
  #reading: Promise<Announcement[] | undefined> | undefined;

  /** `storeUp`: whether the store answers now. */
  constructor(store: Store, storeUp: () => boolean = () => true) {
    collectDefaultMetrics({ register: this.registry, prefix: "amtsbote_" });
    const open = (): Promise<Announcement[] | undefined> =>
      (this.#reading ??= unlessStoreAway(
        store
          .openIds()
          .then(async (ids) => (await store.getMany(ids)).filter((a): a is Announcement => a !== undefined)),
      ));
    new Gauge({
      name: "amtsbote_store_up",
      help: "1 while the store answers, 0 while it is unreachable",
      registers: [this.registry],
      collect() {
        this.set(storeUp() ? 1 : 0);
      },
    });
    new Gauge({
      name: "amtsbote_announcements_open",
      help: "Announcements not yet in a final state, by state",
      labelNames: ["state"] as const,
      registers: [this.registry],
      async collect() {
        const records = await open();
        if (!records) return;
        const counts = new Map<string, number>(ANNOUNCEMENT_STATES.map((s) => [s, 0]));
        for (const a of records) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
    new Gauge({
      name: "amtsbote_outbox_depth",
      help: "Deliveries not yet settled (queued, sending, waiting for a hand-off confirmation)",
      labelNames: ["outlet", "state"] as const,
      registers: [this.registry],
      async collect() {
        const records = await open();
        if (!records) return;
        this.reset();
        for (const a of records) {
          for (const d of a.deliveries) {
            if (isUnsettled(d)) this.inc({ outlet: d.outlet, state: d.state });
          }
        }
      },
    });
    new Gauge({
      name: "amtsbote_announcements_created",
      help: "Announcements created since the store was set up",
      registers: [this.registry],
      async collect() {
        const created = await unlessStoreAway(store.currentSequence("announcement"));
        if (created !== undefined) this.set(created);
      },
    });
  }

  /** One scrape in Prometheus text: the gauges read the store afresh, so a draft made just before counts. */
  async scrape(): Promise<string> {
    this.#reading = undefined;
    try {
      return await this.registry.metrics();
    } finally {
      this.#reading = undefined;
    }
  }

  /** Wraps the command entry point: counts every event and every error code. */
  handle(next: (input: CommandInput) => Promise<CommandOutcome>) {
    return async (input: CommandInput): Promise<CommandOutcome> => {
      const outcome = await next(input);
      this.#chatEvents.inc({ chat: input.actor.platform, kind: input.kind });
      if (outcome.kind === "error") this.#errors.inc({ code: outcome.code });
      return outcome;
    };
  }

  /** A notice bus subscriber: counts notices, approvals, and measures publication per outlet. */
  notices(): NoticeSink {
    return {
      emit: async (notice: BotNotice) => {
        this.#notices.inc({ kind: notice.kind });
        if (notice.kind === "approved") this.#approvals.inc();
        if (notice.kind === "published") this.#published(notice.announcement);
      },
    };
  }

  #published(a: Announcement): void {
    const decided = [...a.events].reverse().find((e) => e.event === "start_publishing");
    for (const d of a.deliveries) {
      if (d.state !== "sent" || !d.receipt) continue;
      if (decided) {
        const seconds = (Date.parse(d.receipt.at) - Date.parse(decided.at)) / 1000;
        if (seconds >= 0) this.#latency.observe({ outlet: d.outlet }, seconds);
      }
      if (d.attempts > 1) this.#retries.inc({ outlet: d.outlet }, d.attempts - 1);
    }
  }
}
