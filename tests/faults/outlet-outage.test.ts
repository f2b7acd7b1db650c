import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BotProcess } from "../fakes/bot-process.ts";
import { FakeWaha } from "../fakes/fake-waha.ts";

const gatewayEnv = (waha: FakeWaha, url: string, apiKey = waha.apiKey) => ({
  WAHA_URL: url,
  WAHA_API_KEY: apiKey,
  WHATSAPP_CHANNEL_ID: waha.channelId,
  WHATSAPP_MIN_GAP_MS: "0",
  WHATSAPP_HEALTH_INTERVAL_MS: "1000",
});

describe("posts approved while the WhatsApp gateway cannot send", () => {
  it("the session waits for a QR scan while posts are approved 2, 3, 1: once scanned they go out 2, 3, 1", async () => {
    const waha = new FakeWaha();
    const url = await waha.start();
    try {
      waha.sessionStatus = "SCAN_QR_CODE";
      const bot = new BotProcess(mkdtempSync(join(tmpdir(), "amtsbote-qr-")), gatewayEnv(waha, url));
      await bot.waitFor(/amtsbote bereit/);
      for (const [i, text] of ["Eins", "Zwei", "Drei"].entries()) {
        await bot.tell(`announce ${text}`, new RegExp(`A-000${i + 1} ist angelegt`));
      }
      for (const id of ["A-0002", "A-0003", "A-0001"]) {
        await bot.tell(`as carla approve ${id}`, new RegExp(`${id} ist freigegeben`));
      }
      await bot.waitFor(/A-0001 ist freigegeben[\s\S]*/);
      expect(waha.posts).toEqual([]);
      waha.sessionStatus = "WORKING";
      await expect.poll(() => waha.posts.length, { timeout: 20_000, interval: 50 }).toBe(3);
      expect(waha.posts.map((p) => p.body)).toEqual(["Zwei", "Drei", "Eins"]);
      expect(await bot.end()).toBe(0);
    } finally {
      await waha.stop();
    }
  }, 60_000);

  it("a refused API key: the post waits instead of going to a person, and goes out once the key is fixed", async () => {
    const waha = new FakeWaha("the-right-key");
    const url = await waha.start();
    const dir = mkdtempSync(join(tmpdir(), "amtsbote-key-"));
    try {
      const wrong = new BotProcess(dir, gatewayEnv(waha, url, "a-wrong-key"));
      await wrong.waitFor(/amtsbote bereit/);
      await wrong.tell("announce Hauptstraße gesperrt", /A-0001 ist angelegt/);
      await wrong.tell("as carla approve A-0001", /A-0001 ist freigegeben/);
      await expect.poll(() => waha.requests.filter((r) => r.startsWith("POST")).length, { timeout: 5_000 }).toBe(0);
      await wrong.tell("status A-0001", /A-0001 ·/);
      expect(wrong.output).toMatch(/→ WhatsApp: in der Warteschlange/);
      expect(wrong.output).toMatch(/funktioniert nicht: das Gateway lehnt den API-Schlüssel ab\. IT: Schlüssel prüfen/);
      expect(wrong.output).not.toMatch(/refused|credentials/);
      expect(wrong.output).not.toMatch(/Bitte von Hand veröffentlichen|wartet auf Übergabe/);
      expect(await wrong.end()).toBe(0);

      const fixed = new BotProcess(dir, gatewayEnv(waha, url));
      await fixed.waitFor(/amtsbote bereit/);
      await expect.poll(() => waha.posts.length, { timeout: 15_000, interval: 50 }).toBe(1);
      await fixed.askUntil("status A-0001", /A-0001 · Allgemeines · Fassung 1 · veröffentlicht/, 20);
      expect(fixed.output).not.toMatch(/Bitte von Hand veröffentlichen|wartet auf Übergabe/);
      expect(await fixed.end()).toBe(0);
    } finally {
      await waha.stop();
    }
  }, 60_000);
});
