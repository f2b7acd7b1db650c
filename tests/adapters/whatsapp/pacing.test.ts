import { describe, expect, it } from "vitest";
import { paced } from "../../../adapters/whatsapp/pacing.ts";
import { aPost } from "../../contracts/outlet.contract.ts";
import { FakeOutlet } from "../../fakes/fixtures.ts";

const attempt = { id: "a", startedAt: "2026-11-30T09:00:00.000Z", fingerprint: "f" };

function virtualTime() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms: number) => void (t += ms),
    sleeps,
  };
}

describe("pacing", () => {
  it("sends one post at a time, at least the gap apart", async () => {
    const time = virtualTime();
    const inner = new FakeOutlet();
    let inFlight = 0;
    let most = 0;
    const original = inner.publish.bind(inner);
    inner.publish = async (post, a) => {
      most = Math.max(most, ++inFlight);
      await Promise.resolve();
      inFlight -= 1;
      return original(post, a);
    };
    const outlet = paced(inner, { gapMs: 10_000, jitter: 0, now: time.now, sleep: time.sleep });
    await Promise.all([
      outlet.publish(aPost(), attempt),
      outlet.publish(aPost(), attempt),
      outlet.publish(aPost(), attempt),
    ]);
    expect(inner.published).toHaveLength(3);
    expect(most).toBe(1);
    expect(time.sleeps).toEqual([10_000, 10_000]);
  });

  it("does not wait when the last post is long enough ago, and adds jitter within bounds", async () => {
    const time = virtualTime();
    const outlet = paced(new FakeOutlet(), {
      gapMs: 10_000,
      jitter: 0.2,
      now: time.now,
      sleep: time.sleep,
      random: () => 0.5,
    });
    await outlet.publish(aPost(), attempt);
    time.advance(60_000);
    await outlet.publish(aPost(), attempt);
    expect(time.sleeps).toEqual([]);
    await outlet.publish(aPost(), attempt);
    expect(time.sleeps).toEqual([11_000]);
  });

  it("keeps going after a send that throws, and does not pace read-back", async () => {
    const time = virtualTime();
    const inner = new FakeOutlet();
    inner.publishAnswers = [new Error("boom")];
    const outlet = paced(inner, { gapMs: 5_000, jitter: 0, now: time.now, sleep: time.sleep });
    await expect(outlet.publish(aPost(), attempt)).rejects.toThrow("boom");
    expect(await outlet.publish(aPost(), attempt)).toMatchObject({ state: "sent" });
    await outlet.readBack(aPost(), attempt);
    expect(time.sleeps).toEqual([5_000]);
    expect(inner.readBacks).toHaveLength(1);
  });
});
