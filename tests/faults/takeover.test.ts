import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { approveA0001, BotProcess } from "../fakes/bot-process.ts";
import { FakeWaha } from "../fakes/fake-waha.ts";
import { serviceUrl } from "../fakes/services.ts";

const stores: [string, string | undefined][] = [
  ["redis", serviceUrl("TEST_REDIS_URL")],
  ["postgres", serviceUrl("TEST_POSTGRES_URL")],
];

/**
 * Two instances share a store; the one delivering is killed while the gateway holds its send. The other takes the
 * delivery over once the dead one's lease runs out, reads back, and sends it once.
 */
describe("two instances, the delivering one killed: the survivor delivers", () => {
  for (const [name, url] of stores) {
    it.skipIf(!url)(
      `${name}: published once, by the survivor`,
      async () => {
        const waha = new FakeWaha();
        const gateway = await waha.start();
        const namespace = `takeover_${name}_${process.pid}_${Date.now().toString(36)}`;
        const env = {
          STORE_URL: url as string,
          STORE_NAMESPACE: namespace,
          WAHA_URL: gateway,
          WAHA_API_KEY: waha.apiKey,
          WHATSAPP_CHANNEL_ID: waha.channelId,
          WHATSAPP_MIN_GAP_MS: "0",
        };
        try {
          waha.holdSends = "unposted";
          const first = new BotProcess(mkdtempSync(join(tmpdir(), "amtsbote-a-")), { ...env, INSTANCE_ID: "a" });
          await first.waitFor(/amtsbote bereit/);
          await approveA0001(first, "Übernahme");
          await expect.poll(() => waha.sends, { timeout: 10_000, interval: 20 }).toBe(1);
          const survivor = new BotProcess(mkdtempSync(join(tmpdir(), "amtsbote-b-")), { ...env, INSTANCE_ID: "b" });
          await survivor.waitFor(/amtsbote bereit/);
          waha.holdSends = "no";
          await first.kill9();
          const killed = Date.now();
          await expect.poll(() => waha.posts.length, { timeout: 40_000, interval: 50 }).toBe(1);
          const tookMs = Date.now() - killed;
          await survivor.askUntil("status A-0001", /A-0001 · Umfrage · Fassung 1 · veröffentlicht/, 20);
          expect(waha.posts.map((p) => p.body)).toEqual(["Übernahme"]);
          expect(waha.sends).toBe(2);
          expect(await survivor.end()).toBe(0);
          process.stdout.write(`${name}: the survivor delivered ${(tookMs / 1000).toFixed(1)} s after the kill\n`);
        } finally {
          await waha.stop();
        }
      },
      120_000,
    );
  }
});
