import { describe, expect, it } from "vitest";
import { StoreWatch } from "../../../adapters/store/store-watch.ts";
import { startWorker } from "../../../adapters/worker.ts";
import type { Outbox } from "../../../src/outbox/outbox.ts";
import type { Logger } from "../../../src/ports/logger.ts";
import { StoreUnavailableError } from "../../../src/ports/store-unavailable.ts";

/** A logger that keeps every line by level. */
function recordingLog() {
  const lines: { level: string; msg: string | undefined }[] = [];
  const at =
    (level: string) =>
    (_obj: object, msg?: string): void =>
      void lines.push({ level, msg });
  const log: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => log,
  };
  const count = (level: string) => lines.filter((l) => l.level === level).length;
  return { log, lines, count };
}

const outage = () => new StoreUnavailableError(new Error("connect ECONNREFUSED"), "redis");

/** A store that is down until `back()`; every ping and outbox pass meanwhile fails as a real one would. */
function aStore() {
  let down = false;
  let pings = 0;
  let passes = 0;
  const answer = async () => {
    if (down) throw outage();
  };
  const outbox = {
    runOnce: async () => {
      passes += 1;
      await answer();
    },
    idle: async () => undefined,
  } as unknown as Outbox;
  return {
    ping: async () => {
      pings += 1;
      await answer();
    },
    outbox,
    fail: () => (down = true),
    back: () => (down = false),
    pings: () => pings,
    passes: () => passes,
  };
}

describe("the store watch", () => {
  it("logs an outage once when the background loops meet it, stays quiet meanwhile, and once when it is over", async () => {
    const store = aStore();
    const { log, count, lines } = recordingLog();
    let backs = 0;
    const watch = new StoreWatch({
      ping: store.ping,
      log,
      everyMs: 5,
      whileDownEveryMs: 5,
      onBack: () => void (backs += 1),
    });
    const worker = startWorker(store.outbox, 5, log, [], 5, watch);
    watch.start();
    try {
      await expect.poll(() => store.passes()).toBeGreaterThan(0);
      store.fail();
      await expect.poll(() => watch.available()).toBe(false);
      // Many checks and ticks while it is down: one warning, no errors, no outbox passes.
      const passesWhileDown = store.passes();
      const pingsThen = store.pings();
      await expect.poll(() => store.pings()).toBeGreaterThan(pingsThen + 10);
      expect(count("warn")).toBe(1);
      expect(count("error")).toBe(0);
      expect(store.passes()).toBe(passesWhileDown);

      store.back();
      await expect.poll(() => backs).toBe(1);
      expect(watch.available()).toBe(true);
      expect(lines.filter((l) => l.level === "info").map((l) => l.msg)).toEqual(["store reachable again"]);
      await expect.poll(() => store.passes()).toBeGreaterThan(passesWhileDown);
      expect(count("error")).toBe(0);
      expect(backs).toBe(1);
    } finally {
      await watch.stop();
      await worker.stop();
    }
  });

  it("takes only the store's outage as one; other failures are still errors", async () => {
    const { log, count } = recordingLog();
    const watch = new StoreWatch({ ping: async () => undefined, log, onBack: () => undefined });
    expect(watch.noticed(new Error("a bug"))).toBe(false);
    expect(watch.available()).toBe(true);
    expect(watch.noticed(outage())).toBe(true);
    expect(watch.noticed(outage())).toBe(true);
    expect(watch.available()).toBe(false);
    expect(count("warn")).toBe(1);
    await watch.stop();
  });
});
