import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BotProcess } from "../fakes/bot-process.ts";
import { FakeWaha } from "../fakes/fake-waha.ts";

/** The lifecycle of one announcement, step by step; `umfrage` needs two approvals (example policy). */
const STEPS = [
  { say: "announce Kill-Test --category umfrage", answer: /A-0001 ist angelegt/ },
  { say: "as carla approve A-0001", answer: /Freigabe für A-0001 ist vermerkt/ },
  { say: "as erik approve A-0001", answer: /A-0001 ist freigegeben/ },
] as const;

const STATUS_PUBLISHED = /A-0001 · Umfrage · Fassung 1 · veröffentlicht/;

/**
 * amtsbote killed with SIGKILL after each step, restarted on the same SQLite file, and driven to the end:
 * each round publishes the announcement exactly once.
 */
describe("kill -9 at each step of the lifecycle", () => {
  for (const [killAfter, step] of [...STEPS.entries(), [STEPS.length, { say: "(published)" }] as const]) {
    it(`killed after "${step.say}", twice over: one post, no loss`, async () => {
      for (let round = 1; round <= 2; round++) {
        const waha = new FakeWaha();
        const url = await waha.start();
        const dir = mkdtempSync(join(tmpdir(), "amtsbote-kill-"));
        const env = {
          WAHA_URL: url,
          WAHA_API_KEY: waha.apiKey,
          WHATSAPP_CHANNEL_ID: waha.channelId,
          WHATSAPP_MIN_GAP_MS: "0",
        };
        try {
          const first = new BotProcess(dir, env);
          await first.waitFor(/amtsbote bereit/);
          for (const s of STEPS.slice(0, killAfter)) {
            const from = first.output.length;
            first.say(s.say);
            await first.waitFor(s.answer, 15_000, from);
          }
          if (killAfter === STEPS.length) await expect.poll(() => waha.posts.length, { timeout: 10_000 }).toBe(1);
          await first.kill9();

          const second = new BotProcess(dir, env);
          await second.waitFor(/amtsbote bereit/);
          for (const s of STEPS.slice(killAfter)) {
            const from = second.output.length;
            second.say(s.say);
            await second.waitFor(s.answer, 15_000, from);
          }
          await second.askUntil("status A-0001", STATUS_PUBLISHED, 40);
          expect(waha.posts.map((p) => p.body)).toEqual(["Kill-Test"]);
          expect(await second.end()).toBe(0);
        } finally {
          await waha.stop();
        }
      }
    });
  }
});
