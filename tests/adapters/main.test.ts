import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { BotProcess, count } from "../fakes/bot-process.ts";
import { FakeWaha } from "../fakes/fake-waha.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "amtsbote-main-"));

const HANDOFF = /📋 A-0001 \(Fassung 1\) ist freigegeben/;

describe("amtsbote as a process (console chat, SQLite, manual hand-off)", () => {
  it("starts with no .env: draft → approval by a second person → hand-off confirmation, and history shows every step", async () => {
    const bot = new BotProcess(tempDir());
    await bot.waitFor(/amtsbote bereit – Konsole als anna/);
    bot.say("announce Hauptstraße ab Montag **voll gesperrt**. Umleitung über die Bergstraße. --category baustelle");
    await bot.waitFor(/A-0001 ist angelegt und wartet auf Freigabe/);
    bot.say("approve A-0001");
    await bot.waitFor(/Vier-Augen-Prinzip/);
    bot.say("as carla approve A-0001");
    await bot.waitFor(HANDOFF);
    expect(bot.output).toContain("Hauptstraße ab Montag *voll gesperrt*. Umleitung über die Bergstraße.");
    await bot.askUntil("list", /A-0001 · Baustelle \/ Sperrung \/ Umleitung · Fassung 1 · wartet auf Übergabe/);
    bot.say("as ines posted A-0001");
    await bot.waitFor(/Thanks – the publication of A-0001 is recorded/);
    bot.say("history A-0001");
    const history = await bot.waitFor(/Verlauf von A-0001:[\s\S]*überall veröffentlicht[^\n]*\n/);
    for (const step of [
      "angelegt – Anna Schmidt",
      "zur Freigabe eingereicht – Anna Schmidt",
      "freigegeben – Carla Meyer",
      "alle nötigen Freigaben erteilt",
      "Zustellung begonnen – System (whatsapp-manual)",
      "zur manuellen Veröffentlichung übergeben",
      "veröffentlicht – Ines Wolf (IT) (whatsapp-manual, bestätigt von Ines Wolf (IT))",
      "überall veröffentlicht",
    ]) {
      expect(history).toContain(step);
    }
    expect(await bot.end()).toBe(0);
  });

  it("killed with SIGKILL after approval and before delivery, delivers the job exactly once after restart", async () => {
    const dir = tempDir();
    const first = new BotProcess(dir, { DELIVERY_WORKER: "off" });
    await first.waitFor(/amtsbote bereit/);
    first.say("announce Sperrung Bahnhofstraße --category baustelle");
    await first.waitFor(/A-0001 ist angelegt/);
    first.say("as carla approve A-0001");
    await first.waitFor(/A-0001 ist freigegeben und wird veröffentlicht/);
    await first.kill9();
    expect(count(first.output, HANDOFF)).toBe(0);

    const second = new BotProcess(dir);
    await second.waitFor(HANDOFF);
    second.say("as carla posted A-0001");
    await second.waitFor(/Veröffentlichung von A-0001 ist vermerkt/);
    second.say("history A-0001");
    const history = await second.waitFor(/Verlauf von A-0001:[\s\S]*überall veröffentlicht[^\n]*\n/);
    expect(count(history, /Zustellung begonnen/)).toBe(1);
    expect(count(history, /zur manuellen Veröffentlichung übergeben/)).toBe(1);
    expect(count(history, / überall veröffentlicht/)).toBe(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(count(second.output, HANDOFF)).toBe(1);
    expect(await second.end()).toBe(0);
  });

  it("killed right after the approval with delivery running, still publishes exactly once", async () => {
    const dir = tempDir();
    for (let round = 0; round < 3; round++) {
      const id = `A-000${round + 1}`;
      const first = new BotProcess(dir);
      await first.waitFor(/amtsbote bereit/);
      first.say(`announce Runde ${round} --category baustelle`);
      await first.waitFor(new RegExp(`${id} ist angelegt`));
      first.say(`as carla approve ${id}`);
      await first.waitFor(new RegExp(`${id} ist freigegeben`));
      await first.kill9();

      const second = new BotProcess(dir);
      await second.waitFor(/amtsbote bereit/);
      const handoff = new RegExp(`📋 ${id} \\(Fassung 1\\)`);
      if (!handoff.test(first.output)) await second.waitFor(handoff);
      second.say(`as carla posted ${id}`);
      await second.waitFor(new RegExp(`Veröffentlichung von ${id} ist vermerkt`));
      second.say(`history ${id}`);
      const history = await second.waitFor(new RegExp(`Verlauf von ${id}:[\\s\\S]*überall veröffentlicht[^\\n]*\\n`));
      expect(count(history, / überall veröffentlicht/)).toBe(1);
      expect(count(history, / #[0-9a-f]{8} veröffentlicht – Carla/)).toBe(1);
      expect(await second.end()).toBe(0);
    }
  });

  it("stops at a bad configuration with a message naming the key and line", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, ".env"), "# comment\nSTORE_URL=mysql://nope\n");
    const bot = new BotProcess(dir);
    expect(await bot.exited).toBe(2);
    expect(bot.errors).toContain(".env:2: STORE_URL: must start with sqlite://, redis:// or postgres://");
  });

  it("stops with a clear message when the store cannot be reached, without showing its password", async () => {
    const bot = new BotProcess(tempDir(), { STORE_URL: "postgres://amtsbote:geheim@127.0.0.1:1/amtsbote" });
    expect(await bot.exited).toBe(2);
    expect(bot.errors).toContain("STORE_URL: cannot open the store at postgres://amtsbote:***@127.0.0.1:1/amtsbote");
    expect(bot.errors).not.toContain("geheim");
  });

  it("stops when CONSOLE_USER is nobody in the policy", async () => {
    const bot = new BotProcess(tempDir(), { CONSOLE_USER: "mallory" });
    expect(await bot.exited).toBe(2);
    expect(bot.errors).toContain('CONSOLE_USER: no person in the policy has the console identity "mallory"');
  });
});

describe("amtsbote as a process with a WAHA gateway", () => {
  it("publishes the approved announcement to the channel exactly once and records the receipt", async () => {
    const waha = new FakeWaha();
    const url = await waha.start();
    try {
      const bot = new BotProcess(tempDir(), {
        WAHA_URL: url,
        WAHA_API_KEY: waha.apiKey,
        WHATSAPP_CHANNEL_ID: waha.channelId,
        WHATSAPP_MIN_GAP_MS: "200",
        WAHA_CAN_EDIT: "off",
      });
      await bot.waitFor(/amtsbote bereit/);
      bot.say("announce Hauptstraße ab Montag **voll gesperrt**. --category baustelle");
      await bot.waitFor(/A-0001 ist angelegt/);
      bot.say("as carla approve A-0001");
      await bot.waitFor(/📣 A-0001 ist veröffentlicht/);
      bot.say("history A-0001");
      const history = await bot.waitFor(/Verlauf von A-0001:[\s\S]*überall veröffentlicht[^\n]*\n/);
      expect(history).toContain(`(whatsapp-waha, ID true_${waha.channelId}_000001)`);
      expect(waha.posts.map((p) => p.body)).toEqual(["Hauptstraße ab Montag *voll gesperrt*."]);

      bot.say("correct A-0001 Hauptstraße ab Dienstag voll gesperrt.");
      await bot.waitFor(/Korrektur von A-0001 wartet auf Freigabe/);
      bot.say("as erik approve A-0001 v2");
      await bot.waitFor(/✏️ A-0001 ist im Kanal korrigiert/);
      // This WAHA engine cannot edit (WAHA_CAN_EDIT=off): the correction is a new, marked post.
      expect(waha.posts.map((p) => p.body)).toEqual([
        "Hauptstraße ab Montag *voll gesperrt*.",
        "✏️ Korrektur: Hauptstraße ab Dienstag voll gesperrt.",
      ]);
      expect(await bot.end()).toBe(0);
    } finally {
      await waha.stop();
    }
  });

  it("sends an attached picture as JPEG with its description in the caption", async () => {
    const waha = new FakeWaha();
    const url = await waha.start();
    try {
      const dir = tempDir();
      const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: "#c00" } })
        .png()
        .toBuffer();
      writeFileSync(join(dir, "umleitung.png"), png);
      const bot = new BotProcess(dir, {
        WAHA_URL: url,
        WAHA_API_KEY: waha.apiKey,
        WHATSAPP_CHANNEL_ID: waha.channelId,
      });
      await bot.waitFor(/amtsbote bereit/);
      bot.say("announce Umleitung ab Montag. --image ./nicht-da.png");
      await bot.waitFor(/nicht-da\.png lässt sich nicht lesen \(ENOENT\)/);
      bot.say('announce Umleitung ab Montag. --image ./umleitung.png --alt "Karte der Umleitung" --category baustelle');
      await bot.waitFor(/A-0001 ist angelegt/);
      expect(bot.output).toContain("📎 umleitung.jpg (image/jpeg");
      bot.say("as carla approve A-0001");
      await bot.waitFor(/📣 A-0001 ist veröffentlicht/);
      expect(waha.posts.map((p) => p.body)).toEqual(["Umleitung ab Montag.\n\n🖼️ Karte der Umleitung"]);
      expect(waha.files).toHaveLength(1);
      expect(waha.files[0]?.mimetype).toBe("image/jpeg");
      expect((await sharp(waha.files[0]?.bytes).metadata()).width).toBe(300);
      expect(await bot.end()).toBe(0);
    } finally {
      await waha.stop();
    }
  });

  it("refuses to start with half a gateway configuration", async () => {
    const bot = new BotProcess(tempDir(), { WAHA_URL: "http://127.0.0.1:9" });
    expect(await bot.exited).toBe(2);
    expect(bot.errors).toContain("WHATSAPP_CHANNEL_ID: required when a gateway is configured");
    expect(bot.errors).toContain("WAHA_API_KEY: required with WAHA_URL");
  });
});
