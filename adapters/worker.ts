import type { Logger } from "../src/ports/logger.ts";
import type { Outbox } from "../src/outbox/outbox.ts";

export interface Worker {
  /** Run a pass now instead of at the next tick. */
  wake: () => void;
  stop: () => Promise<void>;
}

/**
 * Drives the outbox: a pass at start (resuming what a crash left), on every tick and whenever woken;
 * `tasks` run on every tick after it (expiry, reminders, escalation, incidents).
 */
export function startWorker(
  outbox: Outbox,
  pollMs: number,
  log: Logger,
  tasks: readonly (() => Promise<unknown>)[] = [],
): Worker {
  let current: Promise<void> = Promise.resolve();
  let ticking = false;
  let stopped = false;
  const tick = () => {
    // A slow tick (a gateway taking its time) is not overtaken by the next one.
    if (stopped || ticking) return;
    ticking = true;
    current = (async () => {
      try {
        await outbox.runOnce();
        for (const task of tasks) await task();
      } catch (error) {
        log.error({ err: error }, "outbox pass failed");
      } finally {
        ticking = false;
      }
    })();
  };
  const timer = setInterval(tick, pollMs);
  tick();
  return {
    wake: () => {
      if (!stopped)
        current = current
          .then(() => outbox.runOnce())
          .catch((error: unknown) => log.error({ err: error }, "outbox pass failed"));
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
