import { describe, expect, it } from "vitest";
import { AfterAck } from "../../../adapters/slack/after-ack.ts";
import { silentLogger, type Logger } from "../../../src/ports/logger.ts";

/** A promise the test resolves when it likes. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("AfterAck: the work after Slack's acknowledgements", () => {
  it("starts jobs in the order given, never more than the limit at once", async () => {
    const queue = new AfterAck(silentLogger, 2);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    gates.forEach((g, i) =>
      queue.run(`job ${i}`, async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await g.opened;
        running -= 1;
      }),
    );
    await nextTurn();
    expect(started).toEqual([0, 1]);
    expect(queue.pending).toBe(5);
    gates[1]?.open();
    await expect.poll(() => started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    await queue.settled();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(queue.pending).toBe(0);
  });

  it("begins a job on a later turn of the event loop, never inside the request that queued it", async () => {
    const queue = new AfterAck(silentLogger);
    let began = false;
    queue.run("job", async () => {
      began = true;
    });
    expect(began).toBe(false);
    await queue.settled();
    expect(began).toBe(true);
  });

  it("logs a failed job with what it was, and goes on with the next", async () => {
    const errors: { obj: object; msg: string | undefined }[] = [];
    const log: Logger = { ...silentLogger, error: (obj, msg) => errors.push({ obj, msg }) };
    const queue = new AfterAck(log, 1);
    let after = false;
    queue.run("slash command", () => Promise.reject(new Error("store gone")));
    queue.run("reaction", async () => {
      after = true;
    });
    await queue.settled();
    expect(after).toBe(true);
    expect(errors).toEqual([
      { obj: { err: new Error("store gone"), what: "slash command" }, msg: "Slack request failed after its ack" },
    ]);
  });

  it("settles only once the jobs queued while it waits are done too", async () => {
    const queue = new AfterAck(silentLogger, 1);
    const first = gate();
    const done: string[] = [];
    queue.run("first", async () => {
      await first.opened;
      done.push("first");
    });
    const settled = queue.settled().then(() => done.push("settled"));
    queue.run("second", async () => {
      done.push("second");
    });
    await nextTurn();
    first.open();
    await settled;
    expect(done).toEqual(["first", "second", "settled"]);
  });

  it("settles at once when nothing waits", async () => {
    await expect(new AfterAck(silentLogger).settled()).resolves.toBeUndefined();
  });
});
