import type { Logger } from "../src/ports/logger.ts";
import type { Outbox } from "../src/outbox/outbox.ts";

export interface Worker {
  /** Run a pass now instead of at the next tick. */
  wake: () => void;
  stop: () => Promise<void>;
}

/**
 * Drives the outbox: a pass at start (resuming what a crash left), on every tick and whenever woken;
 * `tasks` (expiry, reminders, escalation, incidents) run after it, at most every `tasksEveryMs`:
 * each reads every open announcement, and minute-scale rules need no second-scale checks.
 */
export function startWorker(
  outbox: Outbox,
  pollMs: number,
  log: Logger,
  tasks: readonly (() => Promise<unknown>)[] = [],
  tasksEveryMs = pollMs,
): Worker {
  let current: Promise<void> = Promise.resolve();
  let ticking = false;
  let stopped = false;
  let tasksRanAt = -Infinity;
  const tick = () => {
    // A slow tick (a gateway taking its time) is not overtaken by the next one.
    if (stopped || ticking) return;
    ticking = true;
    current = (async () => {
      try {
        await outbox.runOnce();
        if (Date.now() - tasksRanAt >= tasksEveryMs) {
          tasksRanAt = Date.now();
          for (const task of tasks) await task();
        }
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
