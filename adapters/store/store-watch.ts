import type { Logger } from "../../src/ports/logger.ts";
import { isStoreUnavailable } from "../../src/ports/store-unavailable.ts";

export interface StoreWatchOptions {
  /** One cheap call to the store. */
  ping: () => Promise<void>;
  log: Logger;
  /** How often the store is asked while it answers (5 s) and while it does not (1 s). */
  everyMs?: number;
  whileDownEveryMs?: number;
  /** Once each time the store answers again after an outage: what waited for it goes on. */
  onBack: () => Promise<void> | void;
}

/**
 * Whether the store answers, for the whole process. An outage is logged once when it is first seen (by the
 * watch's own ping, or by a background loop that reports it through `noticed`) and once when it is over;
 * the loops stay quiet in between instead of logging a failure per pass.
 */
export class StoreWatch {
  readonly #o: StoreWatchOptions;
  #downSince: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: StoreWatchOptions) {
    this.#o = options;
  }

  available(): boolean {
    return this.#downSince === undefined;
  }

  /** True when `error` is the store's outage (then known, and logged once); false for any other error. */
  noticed(error: unknown): boolean {
    if (!isStoreUnavailable(error)) return false;
    if (this.#downSince === undefined) {
      this.#downSince = Date.now();
      this.#o.log.warn(
        { store: error.message },
        "store unreachable: commands are answered 'try again in a minute'; delivery and reactions wait for it",
      );
      this.#next();
    }
    return true;
  }

  start(): void {
    this.#next();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#checking;
  }

  #next(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    const ms = this.available() ? (this.#o.everyMs ?? 5_000) : (this.#o.whileDownEveryMs ?? 1_000);
    this.#timer = setTimeout(() => {
      this.#checking = this.#check().finally(() => this.#next());
    }, ms);
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    try {
      await this.#o.ping();
    } catch (error) {
      if (!this.noticed(error)) this.#o.log.error({ err: error }, "store check failed");
      return;
    }
    if (this.#downSince === undefined) return;
    const downForMs = Date.now() - this.#downSince;
    this.#downSince = undefined;
    this.#o.log.info({ downForMs }, "store reachable again");
    try {
      await this.#o.onBack();
    } catch (error) {
      this.#o.log.error({ err: error }, "could not resume what waited for the store");
    }
  }
}
