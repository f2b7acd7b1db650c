import type { Logger } from "../src/ports/logger.ts";
import type { Outbox } from "../src/outbox/outbox.ts";

export interface Worker {
  /** Run a pass now instead of at the next tick. */
  wake: () => void;
  /** Adds periodic work done on each tick (e.g. expiry). */
  alsoRun: (task: () => Promise<unknown>) => void;
  stop: () => Promise<void>;
}

/** Drives the outbox: a pass at start (resuming what a crash left), on every tick and whenever woken. */
export function startWorker(outbox: Outbox, pollMs: number, log: Logger): Worker {
  const tasks: (() => Promise<unknown>)[] = [];
  let current: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    current = (async () => {
      try {
        await outbox.runOnce();
        for (const task of tasks) await task();
      } catch (error) {
        log.error({ err: error }, "outbox pass failed");
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
    alsoRun: (task) => tasks.push(task),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
