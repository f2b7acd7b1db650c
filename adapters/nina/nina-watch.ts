import type { AnnouncementService } from "../../src/announcement/service.ts";
import type { Policy } from "../../src/policy/policy.ts";
import { systemClock } from "../../src/ports/clock.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import type { WarningBoard } from "../../src/ports/warning-board.ts";
import { createWarningWatcher, type PollOutcome, type WarningWatcher } from "../../src/warnings/watcher.ts";
import type { NinaSettings } from "../config/env.ts";
import { NAME, VERSION } from "../version.ts";
import { NinaClient } from "./nina-client.ts";

/** How long one request to the warning service may take. */
export const NINA_TIMEOUT_MS = 15_000;

/**
 * Polls on a timer: every `pollMs` while the service answers; after failures the gap doubles each time, up to
 * `maxBackoffMs`, so an outage is not hammered. A poll is never overtaken by the next.
 */
export class NinaWatch {
  readonly #poll: () => Promise<PollOutcome>;
  readonly #pollMs: number;
  readonly #maxBackoffMs: number;
  readonly #log: Logger;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #current: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(o: { poll: () => Promise<PollOutcome>; pollMs: number; log: Logger; maxBackoffMs?: number }) {
    this.#poll = o.poll;
    this.#pollMs = o.pollMs;
    this.#maxBackoffMs = o.maxBackoffMs ?? o.pollMs * 15;
    this.#log = o.log;
  }

  /** The gap before the next poll. */
  delay(): number {
    return this.#failures === 0 ? this.#pollMs : Math.min(this.#pollMs * 2 ** this.#failures, this.#maxBackoffMs);
  }

  start(): void {
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#current = this.#run();
    }, ms);
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    const outcome = await this.#poll().catch((error: unknown) => {
      this.#log.error({ err: error }, "warning poll failed");
      return "failed" as const;
    });
    this.#failures = outcome === "failed" ? this.#failures + 1 : 0;
    this.#schedule(this.delay());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#current;
  }
}

/** `amtsbote/0.1.0 (official-warning relay of a town hall; contact: …)`: who polls, and whom to ask. */
export const userAgentOf = (contact: string): string =>
  `${NAME}/${VERSION} (official-warning relay of a town hall; contact: ${contact})`;

/** The watcher and its timer, as the composition root wires them when NINA_ARS is set. */
export function ninaWatchOf(
  settings: NinaSettings,
  deps: { store: Store; service: AnnouncementService; board: WarningBoard; policy: Policy; log: Logger },
): { watcher: WarningWatcher; watch: NinaWatch } {
  const log = deps.log.child({ module: "nina" });
  if (settings.normalisedFrom) {
    log.warn(
      { given: settings.normalisedFrom, used: settings.ars },
      "NINA_ARS named a municipality; using its district",
    );
  }
  const watcher = createWarningWatcher({
    store: deps.store,
    source: new NinaClient({
      baseUrl: settings.url,
      ars: settings.ars,
      userAgent: userAgentOf(settings.contact),
      timeoutMs: NINA_TIMEOUT_MS,
    }),
    board: deps.board,
    service: deps.service,
    policy: deps.policy,
    clock: systemClock,
    log,
    filter: { minSeverity: settings.minSeverity, providers: settings.providers },
    ars: settings.ars,
  });
  return { watcher, watch: new NinaWatch({ poll: () => watcher.poll(), pollMs: settings.pollMs, log }) };
}
