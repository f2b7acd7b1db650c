import type { Logger } from "../../src/ports/logger.ts";
import type { Outlet, OutletHealth } from "../../src/ports/outlet.ts";

export interface HealthWatchOptions {
  outlet: Pick<Outlet, "id" | "health">;
  intervalMs: number;
  log: Logger;
  /** Called once per change between working and not working; never for repeats. */
  onChange: (health: OutletHealth, previous: OutletHealth | undefined) => Promise<void>;
}

/**
 * Watches an outlet's health (a gateway's session, an account's access, a mail server). Deliveries wait while it
 * is down; people hear about a change once, not at every check.
 */
export class HealthWatch {
  readonly #o: HealthWatchOptions;
  #current: OutletHealth | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;

  constructor(options: HealthWatchOptions) {
    this.#o = options;
  }

  /** Until the first check says otherwise, the outlet counts as available. */
  available(): boolean {
    return this.#current?.state !== "down";
  }

  get current(): OutletHealth | undefined {
    return this.#current;
  }

  /** One check now; concurrent calls share it. */
  check(): Promise<void> {
    this.#checking ??= this.#check().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #check(): Promise<void> {
    let health: OutletHealth;
    try {
      health = await this.#o.outlet.health();
    } catch (error) {
      health = { state: "down", reason: error instanceof Error ? error.message : String(error), problem: "unexpected" };
    }
    const previous = this.#current;
    this.#current = health;
    const wasDown = previous?.state === "down";
    const isDown = health.state === "down";
    if (wasDown === isDown && previous !== undefined) return;
    if (previous === undefined && !isDown) return;
    this.#o.log[isDown ? "warn" : "info"]({ outlet: this.#o.outlet.id, health }, "outlet health changed");
    try {
      await this.#o.onChange(health, previous);
    } catch (error) {
      this.#o.log.error({ err: error }, "could not report outlet health");
    }
  }

  start(): void {
    void this.check();
    this.#timer = setInterval(() => void this.check(), this.#o.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#checking;
  }
}
