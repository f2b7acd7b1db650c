import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BotProcess } from "../fakes/bot-process.ts";
import { FakeWaha } from "../fakes/fake-waha.ts";
import { serviceUrl } from "../fakes/services.ts";

const haveRedis = serviceUrl("TEST_REDIS_URL") !== undefined && spawnSync("redis-server", ["--version"]).status === 0;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });

/** A Redis of its own, so stopping it disturbs no other test; the append-only file keeps data across restarts. */
class OwnRedis {
  #child: ChildProcess | undefined;
  readonly port: number;
  readonly dir: string;

  constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  async start(): Promise<void> {
    this.#child = spawn(
      "redis-server",
      [
        "--bind",
        "127.0.0.1",
        "--port",
        String(this.port),
        "--dir",
        this.dir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
      ],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 100; i++) {
      if (
        spawnSync("redis-cli", ["-p", String(this.port), "ping"])
          .stdout?.toString()
          .includes("PONG")
      )
        return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("redis-server did not start");
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
}

describe.skipIf(!haveRedis)("store outage: Redis stopped and started again", () => {
  it("answers friendly errors while the store is down, then goes on; nothing lost, nothing published twice", async () => {
    const redis = new OwnRedis(await freePort(), mkdtempSync(join(tmpdir(), "amtsbote-redis-")));
    await redis.start();
    const waha = new FakeWaha();
    const wahaUrl = await waha.start();
    const dir = mkdtempSync(join(tmpdir(), "amtsbote-outage-"));
    writeFileSync(join(dir, ".env"), "");
    const bot = new BotProcess(dir, {
      STORE_URL: `redis://127.0.0.1:${redis.port}`,
      WAHA_URL: wahaUrl,
      WAHA_API_KEY: waha.apiKey,
      WHATSAPP_CHANNEL_ID: waha.channelId,
      WHATSAPP_MIN_GAP_MS: "0",
      OUTBOX_POLL_MS: "100",
    });
    try {
      await bot.waitFor(/amtsbote bereit/);
      bot.say("announce Vor dem Ausfall --category baustelle");
      await bot.waitFor(/A-0001 ist angelegt/);

      await redis.stop();
      const from = bot.output.length;
      bot.say("as carla approve A-0001");
      await bot.waitFor(/vorübergehend|temporarily|nicht erreichbar/i, 20_000, from);

      await redis.start();
      await bot.askUntil(
        "as carla approve A-0001",
        /A-0001 ist freigegeben|nicht im passenden Zustand|schon freigegeben/,
        40,
      );
      await expect.poll(() => waha.posts.length, { timeout: 15_000 }).toBe(1);
      await bot.askUntil("status A-0001", /veröffentlicht/, 40);
      expect(waha.posts.map((p) => p.body)).toEqual(["Vor dem Ausfall"]);
      expect(await bot.end()).toBe(0);
    } finally {
      if (bot.child.exitCode === null) await bot.kill9();
      await waha.stop();
      await redis.stop();
    }
  });
});
