import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { BotProcess } from "../fakes/bot-process.ts";
import { FakeMastodon } from "../fakes/fake-mastodon.ts";
import { FakeSmtp } from "../fakes/fake-smtp.ts";
import { FakeTelegram } from "../fakes/fake-telegram.ts";
import { FakeWaha } from "../fakes/fake-waha.ts";
import { leaves, parseMail } from "../fakes/mime.ts";
import { freePort } from "../fakes/own-servers.ts";

/**
 * "One approval, every outlet": the real bot as a process, with WhatsApp (WAHA), Mastodon, Telegram, the website
 * feeds and the press list all configured by environment against their fakes.
 */

const FEED_BASE_URL = "https://www.achim.de/amtsbote";
const ALT = "Karte der Umleitung über die Bergstraße";

interface FeedItem {
  id: string;
  content_text: string;
  attachments?: { url: string; mime_type: string; title?: string }[];
}

/** The five outlets' fakes, a data folder with a picture in it, and the environment that wires them. */
class Outlets {
  readonly dir = mkdtempSync(join(tmpdir(), "amtsbote-fan-out-"));
  readonly waha = new FakeWaha();
  readonly mastodon = new FakeMastodon();
  readonly telegram = new FakeTelegram();
  smtp!: FakeSmtp;
  env: Record<string, string> = {};
  feedPort = 0;
  readonly bots: BotProcess[] = [];

  async start(): Promise<this> {
    const [wahaUrl, mastodonUrl, telegramUrl, smtp, feedPort] = await Promise.all([
      this.waha.start(),
      this.mastodon.start(),
      this.telegram.start(),
      FakeSmtp.start(),
      freePort(),
    ]);
    this.smtp = smtp;
    this.feedPort = feedPort;
    this.env = {
      WAHA_URL: wahaUrl,
      WAHA_API_KEY: this.waha.apiKey,
      WHATSAPP_CHANNEL_ID: this.waha.channelId,
      WHATSAPP_MIN_GAP_MS: "0",
      MASTODON_URL: mastodonUrl,
      MASTODON_TOKEN: "town-token",
      TELEGRAM_BOT_TOKEN: this.telegram.token,
      TELEGRAM_CHAT_ID: String(this.telegram.channel.id),
      TELEGRAM_API_URL: telegramUrl,
      FEED_BASE_URL,
      FEED_HOST: "127.0.0.1",
      FEED_PORT: String(feedPort),
      SMTP_URL: smtp.url(),
      PRESS_TO: "presseverteiler@lists.achim.example",
      PRESS_FROM: "Pressestelle <presse@achim.example>",
    };
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: "#c00" } })
      .png()
      .toBuffer();
    writeFileSync(join(this.dir, "umleitung.png"), png);
    return this;
  }

  async bot(): Promise<BotProcess> {
    const bot = new BotProcess(this.dir, this.env);
    this.bots.push(bot);
    await bot.waitFor(/amtsbote bereit/);
    return bot;
  }

  async stop(): Promise<void> {
    for (const bot of this.bots) if (bot.child.exitCode === null && bot.child.signalCode === null) await bot.kill9();
    await Promise.all([this.waha.stop(), this.mastodon.stop(), this.telegram.stop(), this.smtp.close()]);
  }

  /** GET from the feed listener; resolves to undefined while it does not answer (the bot is down). */
  async feed(path: string): Promise<Response | undefined> {
    try {
      return await fetch(`http://127.0.0.1:${this.feedPort}${path}`);
    } catch {
      return undefined;
    }
  }

  async feedItems(): Promise<FeedItem[]> {
    const res = await this.feed("/feed.json");
    if (res?.status !== 200) return [];
    return ((await res.json()) as { items: FeedItem[] }).items;
  }

  statusPosts(): number {
    return this.mastodon.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/statuses").length;
  }

  /** Every outlet holds exactly one post of `text`. */
  async expectOnceEverywhere(text: string): Promise<void> {
    expect(this.waha.posts.map((p) => p.body.split("\n")[0])).toEqual([text]);
    expect([...this.mastodon.statuses.values()].map((s) => s.text.split("\n")[0])).toEqual([text]);
    expect(this.telegram.messages.map((m) => m.text.split("\n")[0])).toEqual([text]);
    expect((await this.feedItems()).map((i) => i.content_text)).toEqual([text]);
    expect(this.smtp.accepted.map((m) => parseMail(m.raw).headers.get("subject"))).toEqual([
      `[Pressemitteilung] ${text}`,
    ]);
  }
}

const PUBLISHED_EVERYWHERE = new RegExp(
  ["WhatsApp", "Mastodon", "Telegram", "Website \\(Feeds\\)", "Presseverteiler"]
    .map((outlet) => `→ ${outlet}: veröffentlicht`)
    .join("[^]*"),
);

/** Telegram, the feeds and the press list recorded as published (the status shows them in this order). */
const THREE_ANSWERED =
  /→ Telegram: veröffentlicht[^\n]*\n→ Website \(Feeds\): veröffentlicht[^\n]*\n→ Presseverteiler: veröffentlicht/;

/** Telegram and the press list unclear, each handed to a person to check. */
const HANDED_OVER =
  /→ Telegram: wartet auf manuelle Veröffentlichung \(Übergabe\) \(von Hand\) – Telegram bots cannot read channel history[^\n]*\n→ Website \(Feeds\): veröffentlicht[^\n]*\n→ Presseverteiler: wartet auf manuelle Veröffentlichung \(Übergabe\) \(von Hand\) – a sent mail cannot be read back/;

const ROUNDS = 4;

let world: Outlets | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

describe("one approval, every outlet", () => {
  it("a post with a picture reaches all five outlets once, with its description", async () => {
    const w = (world = await new Outlets().start());
    const bot = await w.bot();
    await bot.tell(
      `announce Umleitung ab Montag. --image ./umleitung.png --alt "${ALT}" --category baustelle`,
      /A-0001 ist angelegt/,
    );
    await bot.tell("as carla approve A-0001", /A-0001 ist freigegeben/);
    await bot.waitFor(/📣 A-0001 ist veröffentlicht/, 20_000);

    // WhatsApp: one picture post, the description in its caption.
    expect(w.waha.sends).toBe(1);
    expect(w.waha.posts.map((p) => p.body)).toEqual([`Umleitung ab Montag.\n\n🖼️ ${ALT}`]);
    const jpeg = w.waha.files[0]?.bytes;
    expect(w.waha.files.map((f) => f.mimetype)).toEqual(["image/jpeg"]);
    expect((await sharp(jpeg).metadata()).width).toBe(300);

    // Mastodon: one status, its picture carrying the description as alt text.
    expect(w.statusPosts()).toBe(1);
    const statuses = [...w.mastodon.statuses.values()];
    expect(statuses.map((s) => s.text)).toEqual(["Umleitung ab Montag."]);
    const attached = statuses[0]?.mediaIds.map((id) => w.mastodon.media.get(id));
    expect(attached?.map((m) => [m?.mimeType, m?.description])).toEqual([["image/jpeg", ALT]]);
    expect(attached?.[0]?.bytes.equals(jpeg ?? Buffer.alloc(0))).toBe(true);

    // Telegram: one sendPhoto with the picture.
    expect(w.telegram.requests.map((r) => r.method)).not.toContain("sendMessage");
    expect(w.telegram.calls("sendPhoto")).toHaveLength(1);
    expect(w.telegram.messages.map((m) => [m.kind, m.text])).toEqual([["photo", `Umleitung ab Montag.\n\n🖼️ ${ALT}`]]);
    expect(w.telegram.messages[0]?.file?.bytes.equals(jpeg ?? Buffer.alloc(0))).toBe(true);

    // The feeds: listed once, with the picture (served by the listener) and its description.
    const items = await w.feedItems();
    expect(items.map((i) => i.content_text)).toEqual(["Umleitung ab Montag."]);
    const attachment = items[0]?.attachments?.[0];
    expect(items[0]?.attachments).toHaveLength(1);
    expect(attachment).toMatchObject({ mime_type: "image/jpeg", title: ALT });
    expect(attachment?.url.startsWith(`${FEED_BASE_URL}/media/`)).toBe(true);
    const served = await w.feed(attachment?.url.slice(FEED_BASE_URL.length) ?? "");
    expect(Buffer.from(await (served?.arrayBuffer() ?? new ArrayBuffer(0))).equals(jpeg ?? Buffer.alloc(0))).toBe(true);
    const atom = await (await w.feed("/feed.atom"))?.text();
    expect(atom?.match(/<entry>/g)).toHaveLength(1);
    expect(atom).toContain('rel="enclosure" type="image/jpeg"');

    // The press list: one mail, the picture attached.
    expect(w.smtp.accepted).toHaveLength(1);
    const mail = parseMail(w.smtp.accepted[0]?.raw ?? "");
    expect(mail.headers.get("subject")).toBe("[Pressemitteilung] Umleitung ab Montag.");
    const pictures = leaves(mail).filter((p) => p.headers.get("content-type")?.startsWith("image/jpeg"));
    expect(pictures).toHaveLength(1);
    expect(pictures[0]?.body.equals(jpeg ?? Buffer.alloc(0))).toBe(true);

    // The status names each outlet as published.
    const status = await bot.tell("status A-0001", /→ Presseverteiler: [^\n]*/);
    expect(status).toMatch(/veröffentlicht/);
    expect(bot.output.slice(bot.output.lastIndexOf("A-0001 · "))).toMatch(PUBLISHED_EVERYWHERE);
    expect(await bot.end()).toBe(0);
  }, 60_000);

  it(`${ROUNDS} rounds of kill -9 mid-fan-out: after the restart each outlet carries the post exactly once`, async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const w = (world = await new Outlets().start());
      // WhatsApp and Mastodon hold their answer: in odd rounds after doing the post, in even rounds before.
      const done = round % 2 === 1;
      w.waha.holdSends = done ? "posted" : "unposted";
      w.mastodon.script(done ? { hangAfter: true } : { hang: true }, { method: "POST", path: "/api/v1/statuses" });
      const first = await w.bot();
      const text = `Runde ${round}: Umleitung ab Montag.`;
      await first.tell(
        `announce ${text} --image ./umleitung.png --alt "${ALT}" --category baustelle`,
        /A-0001 ist angelegt/,
      );
      await first.tell("as carla approve A-0001", /A-0001 ist freigegeben/);
      // Telegram, the feeds and the press list are done and recorded; WhatsApp and Mastodon are in flight.
      await first.askUntil("status A-0001", THREE_ANSWERED, 60);
      await expect.poll(() => [w.waha.sends, w.statusPosts()], { timeout: 15_000, interval: 20 }).toEqual([1, 1]);
      const before = await first.tell("status A-0001", /→ Presseverteiler: [^\n]*/);
      expect(first.output.slice(first.output.lastIndexOf("A-0001 · "))).toMatch(
        /→ WhatsApp: wird gesendet\n→ Mastodon: wird gesendet\n/,
      );
      expect(before).toBeTruthy();
      await first.kill9();
      w.waha.holdSends = "no";

      const second = await w.bot();
      await second.askUntil("status A-0001", /A-0001 · Baustelle [^\n]* · veröffentlicht\n/, 60);
      expect(second.output.slice(second.output.lastIndexOf("A-0001 · "))).toMatch(PUBLISHED_EVERYWHERE);
      await w.expectOnceEverywhere(text);
      // Mastodon got the status request twice; its Idempotency-Key made one status of them.
      expect(w.statusPosts()).toBe(2);
      const keys = new Set(
        w.mastodon.requests.filter((r) => r.path === "/api/v1/statuses").map((r) => r.headers["idempotency-key"]),
      );
      expect(keys.size).toBe(1);
      // WhatsApp: a post that reached the channel is found by read-back; one that did not is sent again.
      expect(w.waha.sends).toBe(done ? 1 : 2);
      expect(w.telegram.calls("sendPhoto")).toHaveLength(1);
      expect(await second.end()).toBe(0);
      await w.stop();
      world = undefined;
    }
  }, 120_000);

  it("kill -9 while Telegram and the press list hold their answer: a person checks them, nothing is sent twice", async () => {
    const w = (world = await new Outlets().start());
    w.telegram.failNext("sendPhoto", "hang");
    w.smtp.hangAfterData();
    const first = await w.bot();
    await first.tell(
      `announce Umleitung ab Montag. --image ./umleitung.png --alt "${ALT}" --category baustelle`,
      /A-0001 ist angelegt/,
    );
    await first.tell("as carla approve A-0001", /A-0001 ist freigegeben/);
    await first.askUntil(
      "status A-0001",
      /→ WhatsApp: veröffentlicht\n→ Mastodon: veröffentlicht[^\n]*\n→ Telegram: wird gesendet\n→ Website \(Feeds\): veröffentlicht[^\n]*\n→ Presseverteiler: wird gesendet\n/,
      60,
    );
    await expect
      .poll(() => [w.telegram.calls("sendPhoto").length, w.smtp.mails.length], { timeout: 15_000, interval: 20 })
      .toEqual([1, 1]);
    await first.kill9();
    w.smtp.acceptData();

    const second = await w.bot();
    // Neither Telegram nor a mail can be read back: the unclear post goes to a person, never out a second time.
    await second.waitFor(/Unklar, ob A-0001 im Telegram-Kanal erschienen ist[^\n]*`posted A-0001 telegram`/);
    await second.waitFor(/Unklar, ob A-0001 beim Presseverteiler angekommen ist[^\n]*`posted A-0001 press`/);
    await second.waitFor(
      /Bitte ERST im Archiv oder Postfach des Verteilers nachsehen[^]*?Danach bestätigen: `posted A-0001 press`/,
    );
    await second.askUntil("status A-0001", HANDED_OVER, 60);
    expect(w.telegram.calls("sendPhoto")).toHaveLength(1);
    expect(w.telegram.messages).toEqual([]);
    expect(w.smtp.mails).toHaveLength(1);
    expect(w.smtp.accepted).toEqual([]);
    expect([...w.mastodon.statuses.values()]).toHaveLength(1);
    expect(w.waha.posts).toHaveLength(1);

    // Two outlets wait for a person: each is confirmed by name, never one for the other.
    await second.tell(
      "posted A-0001",
      /A-0001 wartet an mehreren Stellen auf Bestätigung: Telegram, der Presseverteiler/,
    );
    await second.tell(
      "posted A-0001 press",
      /Danke – die Veröffentlichung von A-0001 an den Presseverteiler ist vermerkt\./,
    );
    await second.tell("status A-0001", /→ Presseverteiler: [^\n]*/);
    const card = second.output.slice(second.output.lastIndexOf("A-0001 · "));
    expect(card).toMatch(/→ Telegram: wartet auf manuelle Veröffentlichung/);
    expect(card).toMatch(/→ Presseverteiler: veröffentlicht \(bestätigt von Anna Schmidt/);
    await second.tell(
      "posted A-0001 mastodon",
      /Bei A-0001 wartet für Mastodon keine Veröffentlichung auf Bestätigung/,
    );
    await second.tell("posted A-0001 telegram", /Veröffentlichung von A-0001 im Telegram-Kanal ist vermerkt/);
    await second.waitFor(/📣 A-0001 ist veröffentlicht/);
    expect(w.telegram.calls("sendPhoto")).toHaveLength(1);
    expect(w.smtp.mails).toHaveLength(1);
    expect(await second.end()).toBe(0);
  }, 60_000);

  it("failing outlets fail on their own: WhatsApp and the feeds go out, the others retry until they recover", async () => {
    const w = (world = await new Outlets().start());
    const text = "Hauptstraße ab Montag gesperrt.";
    for (let i = 0; i < 20; i++) {
      w.telegram.failNext("sendMessage", {
        status: 429,
        description: "Too Many Requests: retry after 3",
        retryAfter: 3,
      });
      w.mastodon.script(
        { respond: 503, body: { error: "Service Unavailable" } },
        { method: "POST", path: "/api/v1/statuses" },
      );
    }
    w.smtp.refuseData(451, "4.3.0 Mailbox temporarily unavailable");
    const bot = await w.bot();
    await bot.tell(`announce ${text} --category baustelle`, /A-0001 ist angelegt/);
    await bot.tell("as carla approve A-0001", /A-0001 ist freigegeben/);

    // WhatsApp and the feeds do not wait for the three that fail.
    await expect.poll(() => w.waha.posts.map((p) => p.body), { timeout: 15_000, interval: 50 }).toEqual([text]);
    await expect.poll(async () => (await w.feedItems()).length, { timeout: 15_000, interval: 50 }).toBe(1);
    // Each failing outlet has been tried, and tries again by itself.
    await expect
      .poll(() => [w.telegram.calls("sendMessage").length, w.statusPosts(), w.smtp.mails.length].map((n) => n >= 2), {
        timeout: 30_000,
        interval: 100,
      })
      .toEqual([true, true, true]);
    await bot.askUntil("status A-0001", /→ Presseverteiler: [^\n]*451/, 60);
    const card = bot.output.slice(bot.output.lastIndexOf("A-0001 · "));
    expect(card).toMatch(/A-0001 · [^\n]* · wird veröffentlicht/);
    expect(card).toMatch(/→ WhatsApp: veröffentlicht\n/);
    expect(card).toMatch(/→ Website \(Feeds\): veröffentlicht/);
    // Each failing outlet's line says what it is doing and why.
    expect(card).toMatch(
      /→ Telegram: wartet, bis der Kanal wieder erreichbar ist – zu viele Anfragen, der Dienst bremst \(Telegram asks to slow down \(429 Too Many Requests: retry after 3\)\)\n/,
    );
    expect(card).toMatch(
      /→ Mastodon: Ergebnis unklar – wird geprüft – Mastodon \(127\.0\.0\.1:\d+\) answered 503: Service Unavailable/,
    );
    expect(card).toMatch(
      /→ Presseverteiler: neuer Versuch folgt – mail server 127\.0\.0\.1:\d+ answered 451 to DATA: 451 4\.3\.0 Mailbox temporarily unavailable/,
    );
    expect(w.telegram.messages).toEqual([]);
    expect(w.mastodon.statuses.size).toBe(0);
    expect(w.smtp.accepted).toEqual([]);

    w.telegram.clearScript();
    w.mastodon.clearScript();
    w.smtp.acceptData();
    await bot.waitFor(/📣 A-0001 ist veröffentlicht/, 60_000);
    await w.expectOnceEverywhere(text);
    expect(await bot.end()).toBe(0);
  }, 90_000);
});
