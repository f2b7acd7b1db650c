import type { Logger } from "../../src/ports/logger.ts";

/** Jobs in progress at once: enough to overlap one job's store and Slack round trips with another's CPU. */
export const AFTER_ACK_LIMIT = 2;

/**
 * The work that follows Slack's acknowledgements: run in the order acknowledged, at most `limit` jobs at a
 * time, each begun on a fresh turn of the event loop.
 *
 * Node accepts one new connection per event-loop turn, and Slack opens new connections when it likes. When
 * every acknowledged command was drafted at once, each turn ran the continuations of hundreds of drafts and
 * lasted 100–300 ms, so a request on a newly opened connection waited one such turn per connection ahead of
 * it: seconds, past Slack's 3 s limit. With few jobs in progress a turn is short, so accepting, reading and
 * acknowledging stay quick, while the jobs still use all the CPU that requests leave them.
 */
export class AfterAck {
  readonly #limit: number;
  readonly #log: Logger;
  readonly #waiting: { what: string; work: () => Promise<void> }[] = [];
  #running = 0;
  #idle: (() => void)[] = [];

  constructor(log: Logger, limit = AFTER_ACK_LIMIT) {
    this.#log = log;
    this.#limit = limit;
  }

  /** Queues `work`; a failure is logged with `what`, never thrown into Bolt. */
  run(what: string, work: () => Promise<void>): void {
    this.#waiting.push({ what, work });
    this.#next();
  }

  /** Jobs acknowledged but not finished. */
  get pending(): number {
    return this.#running + this.#waiting.length;
  }

  /** Resolves once every job queued so far, and any queued meanwhile, has finished. */
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #next(): void {
    if (this.#running >= this.#limit) return;
    const job = this.#waiting.shift();
    if (!job) {
      if (this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    this.#running += 1;
    // setImmediate: the poll phase first takes what waits on the sockets (new connections, requests to ack).
    setImmediate(() => {
      void job
        .work()
        .catch((error: unknown) =>
          this.#log.error({ err: error, what: job.what }, "Slack request failed after its ack"),
        )
        .finally(() => {
          this.#running -= 1;
          this.#next();
        });
    });
  }
}
