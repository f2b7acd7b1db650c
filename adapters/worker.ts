import type { Logger } from "../src/ports/logger.ts";
import type { Outbox } from "../src/outbox/outbox.ts";

/** Whether the store answers; a pass that meets it unreachable is reported here instead of logged as an error. */
export interface StoreHealth {
  available(): boolean;
  /** True when `error` is the store's outage, which the health logs once. */
  noticed(error: unknown): boolean;
}

export interface Worker {
  /** Run a pass now instead of at the next tick. */
  wake: () => void;
  stop: () => Promise<void>;
}

/**
 * Drives the outbox: a pass at start (resuming what a crash left), on every tick and whenever woken;
 * `tasks` (expiry, reminders, escalation, incidents) run after it, at most every `tasksEveryMs`:
 * each reads every open announcement, and minute-scale rules need no second-scale checks.
 * While `store` says the store is unreachable, passes wait; wake the worker when it is back.
 */
export function startWorker(
  outbox: Outbox,
  pollMs: number,
  log: Logger,
  tasks: readonly (() => Promise<unknown>)[] = [],
  tasksEveryMs = pollMs,
  store?: StoreHealth,
): Worker {
  const failed = (error: unknown) => {
    if (!store?.noticed(error)) log.error({ err: error }, "outbox pass failed");
  };
  const storeAway = () => store?.available() === false;
  let current: Promise<void> = Promise.resolve();
  let ticking = false;
  let stopped = false;
  let tasksRanAt = -Infinity;
  const tick = () => {
    // A slow tick (a gateway taking its time) is not overtaken by the next one.
    if (stopped || ticking || storeAway()) return;
    ticking = true;
    current = (async () => {
      try {
        await outbox.runOnce();
        if (Date.now() - tasksRanAt >= tasksEveryMs) {
          tasksRanAt = Date.now();
          for (const task of tasks) await task();
        }
      } catch (error) {
        failed(error);
      } finally {
        ticking = false;
      }
    })();
  };
  const timer = setInterval(tick, pollMs);
  tick();
  return {
    wake: () => {
      if (!stopped && !storeAway()) current = current.then(() => outbox.runOnce()).catch(failed);
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await current;
      await outbox.idle();
    },
  };
}
