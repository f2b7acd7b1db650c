import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { approveA0001, BotProcess } from "../fakes/bot-process.ts";
import { FakeWaha } from "../fakes/fake-waha.ts";

const ROUNDS = 10;

/**
 * amtsbote killed with SIGKILL while the gateway holds its send: before the post reached the channel (then it must
 * be sent again) or after (then read-back must find it). The restarted process takes back its dead run's lease at
 * once and settles the delivery with the default read-back grace.
 */
describe("kill -9 during delivery", () => {
  it(`${ROUNDS} rounds: each post published exactly once, settled seconds after the restart`, async () => {
    const settledMs: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const waha = new FakeWaha();
      const url = await waha.start();
      const dir = mkdtempSync(join(tmpdir(), "amtsbote-kill-delivery-"));
      const env = {
        WAHA_URL: url,
        WAHA_API_KEY: waha.apiKey,
        WHATSAPP_CHANNEL_ID: waha.channelId,
        WHATSAPP_MIN_GAP_MS: "0",
      };
      const text = `Runde ${round}`;
      try {
        waha.holdSends = round % 2 === 1 ? "unposted" : "posted";
        const first = new BotProcess(dir, env);
        await first.waitFor(/amtsbote bereit/);
        await approveA0001(first, text);
        await expect.poll(() => waha.sends, { timeout: 10_000, interval: 20 }).toBe(1);
        await first.kill9();
        waha.holdSends = "no";

        const second = new BotProcess(dir, env);
        await second.waitFor(/amtsbote bereit/);
        const ready = Date.now();
        await second.askUntil("status A-0001", /A-0001 · Umfrage · Fassung 1 · veröffentlicht/, 60);
        settledMs.push(Date.now() - ready);
        expect(waha.posts.map((p) => p.body)).toEqual([text]);
        expect(await second.end()).toBe(0);
      } finally {
        await waha.stop();
      }
    }
    const sorted = settledMs.toSorted((a, b) => a - b);
    process.stdout.write(
      `kill -9 during delivery: settled after the restart in ${sorted.map((ms) => (ms / 1000).toFixed(1)).join(", ")} s\n`,
    );
  }, 400_000);
});
