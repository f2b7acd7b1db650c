import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BotProcess, count } from "../fakes/bot-process.ts";
import { FakeWaha } from "../fakes/fake-waha.ts";
import { freePort, havePostgresServer, haveRedisServer, OwnPostgres, OwnRedis } from "../fakes/own-servers.ts";
import { serviceUrl } from "../fakes/services.ts";

/** The answer while the store is unreachable (STORE_UNAVAILABLE), as the console shows it. */
const CANNOT_CHECK = /⚠️ Ich kann gerade nichts prüfen oder ändern: der Speicher von amtsbote ist nicht erreichbar/;

/** A server the test can stop and start under the running bot without disturbing anyone else's. */
interface OwnStore {
  url: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

async function readiness(port: number): Promise<{ status: number; body: { checks: Record<string, { ok: boolean }> } }> {
  const answer = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: answer.status, body: (await answer.json()) as { checks: Record<string, { ok: boolean }> } };
}

/**
 * The bot as a process on `server`: an announcement drafted, the server stopped, commands typed, the server
 * started again. Meanwhile every command says it cannot check or change anything (never "does not exist"),
 * nothing is half written, the bot keeps running and logs the outage once; afterwards everything works
 * without a restart and the announcement is published exactly once.
 */
async function outageScenario(server: OwnStore): Promise<void> {
  const waha = new FakeWaha();
  const wahaUrl = await waha.start();
  const dir = mkdtempSync(join(tmpdir(), "amtsbote-outage-"));
  writeFileSync(join(dir, ".env"), "");
  const opsPort = await freePort();
  const bot = new BotProcess(dir, {
    STORE_URL: server.url,
    WAHA_URL: wahaUrl,
    WAHA_API_KEY: waha.apiKey,
    WHATSAPP_CHANNEL_ID: waha.channelId,
    WHATSAPP_MIN_GAP_MS: "0",
    OUTBOX_POLL_MS: "100",
    OPS_PORT: String(opsPort),
    LOG_LEVEL: "info",
  });
  try {
    await bot.waitFor(/amtsbote bereit/);
    bot.say("announce Vor dem Ausfall --category baustelle");
    await bot.waitFor(/A-0001 ist angelegt/);

    await server.stop();
    for (const line of ["status A-0001", "list", "as carla approve A-0001", "announce Während des Ausfalls"]) {
      const from = bot.output.length;
      bot.say(line);
      const answer = await bot.waitFor(/⚠️[^\n]*/, 20_000, from);
      expect(answer, line).toMatch(CANNOT_CHECK);
    }
    expect(bot.output).not.toMatch(/gibt es nicht|does not exist/);
    expect(await readiness(opsPort)).toMatchObject({ status: 503, body: { checks: { store: { ok: false } } } });
    expect(bot.child.exitCode).toBeNull();

    await server.start();
    await bot.askUntil("status A-0001", /A-0001[^\n]*wartet auf Freigabe/, 40);
    await bot.waitForLog(/"store reachable again"/, 15_000);
    await bot.askUntil("list", /A-0001/, 5);
    await expect.poll(async () => (await readiness(opsPort)).body.checks.store?.ok, { timeout: 15_000 }).toBe(true);
    bot.say("as carla approve A-0001");
    await bot.waitFor(/A-0001 ist freigegeben/);
    await expect.poll(() => waha.posts.length, { timeout: 15_000 }).toBe(1);
    await bot.askUntil("status A-0001", /veröffentlicht/, 40);
    // The draft typed during the outage was refused whole: no number was taken, no record half written.
    await bot.askUntil("status A-0002", /A-0002 gibt es nicht/, 5);
    expect(waha.posts.map((p) => p.body)).toEqual(["Vor dem Ausfall"]);

    expect(await bot.end()).toBe(0);
    const log = bot.errors;
    expect(count(log, /"store unreachable: commands are answered/)).toBe(1);
    expect(count(log, /"store reachable again"/)).toBe(1);
    expect(count(log, /"outbox pass failed"/)).toBe(0);
  } finally {
    if (bot.child.exitCode === null) await bot.kill9();
    await waha.stop();
  }
}

const haveRedis = serviceUrl("TEST_REDIS_URL") !== undefined && haveRedisServer;
const havePostgres = serviceUrl("TEST_POSTGRES_URL") !== undefined && havePostgresServer;

describe("store outage under a running bot: the server stopped and started again", () => {
  it.skipIf(!haveRedis)("Redis", async () => {
    const redis = new OwnRedis(await freePort());
    await redis.start();
    try {
      await outageScenario(redis);
    } finally {
      await redis.stop();
    }
  });

  it.skipIf(!havePostgres)("PostgreSQL", async () => {
    const postgres = new OwnPostgres(await freePort());
    postgres.init();
    postgres.start();
    try {
      await outageScenario(postgres);
    } finally {
      postgres.stop();
    }
  });
});
