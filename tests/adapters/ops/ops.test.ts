import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Metrics } from "../../../adapters/ops/metrics.ts";
import { OpsServer } from "../../../adapters/ops/ops-server.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import { anAnnouncement } from "../../contracts/store-harness.ts";
import { BotProcess } from "../../fakes/bot-process.ts";

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe("operations endpoint", () => {
  it("answers /healthz, and /readyz with 503 naming what is not ready, also while draining", async () => {
    let chatUp = false;
    server = new OpsServer({
      host: "127.0.0.1",
      port: 0,
      metrics: new Metrics(new MemoryStore()),
      log: silentLogger,
      timeoutMs: 200,
      checks: [
        { name: "store", check: async () => ({ ok: true }) },
        { name: "chat:slack", check: () => ({ ok: chatUp }) },
        { name: "outlet:slow", check: () => new Promise(() => undefined) },
      ],
    });
    const { port } = await server.start();
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    expect((await get("/healthz")).status).toBe(200);
    const notReady = await get("/readyz");
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({
      status: "not ready",
      checks: {
        store: { ok: true },
        "chat:slack": { ok: false },
        "outlet:slow": { ok: false, detail: expect.stringContaining("200 ms") },
      },
    });
    chatUp = true;
    expect((await get("/nope")).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: "POST" })).status).toBe(405);
  });

  it("the gauges are current at every scrape: an announcement drafted right after a scrape counts in the next", async () => {
    const store = new MemoryStore();
    const metrics = new Metrics(store);
    expect(await metrics.scrape()).toMatch(/amtsbote_announcements_open\{state="pending"\} 0/);
    await store.put(anAnnouncement("A-0001"));
    await store.markOpen("A-0001");
    expect(await metrics.scrape()).toMatch(/amtsbote_announcements_open\{state="pending"\} 1/);
  });

  it("the bot as a process: ready, counts commands and approvals, and on SIGTERM says what it leaves", async () => {
    const bot = new BotProcess(mkdtempSync(join(tmpdir(), "amtsbote-ops-")), { LOG_LEVEL: "info" });
    await bot.waitFor(/amtsbote bereit/);
    const listening = /"port":(\d+),"msg":"operations endpoint listening"/;
    await expect.poll(() => listening.test(bot.errors)).toBe(true);
    const port = Number(listening.exec(bot.errors)?.[1]);
    expect(port).toBeGreaterThan(0);
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    const ready = await get("/readyz");
    expect(await ready.json()).toMatchObject({
      status: "ready",
      checks: { store: { ok: true }, "chat:console": { ok: true } },
    });
    bot.say("announce Wochenmarkt fällt aus --category baustelle");
    await bot.waitFor(/A-0001 ist angelegt/);
    bot.say("as carla approve A-0001");
    await bot.waitFor(/📋 A-0001/);
    bot.say("as ines approve A-0001");
    await bot.waitFor(/⚠️/);
    const scrape = async () => (await get("/metrics")).text();
    await expect
      .poll(scrape)
      .toMatch(/amtsbote_outbox_depth\{outlet="whatsapp-manual",state="awaiting_confirmation"\} 1/);
    const metrics = await scrape();
    expect(metrics).toMatch(/amtsbote_chat_events_total\{chat="console",kind="text"\} 3/);
    expect(metrics).toMatch(/amtsbote_approvals_total 1/);
    expect(metrics).toMatch(/amtsbote_errors_total\{code="(UNKNOWN_PERSON|NOT_AN_APPROVER|INVALID_STATE)"\} 1/);
    expect(metrics).toMatch(/amtsbote_announcements_open\{state="publishing"\} 1/);
    expect(metrics).toMatch(/amtsbote_process_resident_memory_bytes \d+/);
    bot.child.kill("SIGTERM");
    expect(await bot.exited).toBe(0);
    await expect
      .poll(() => bot.errors)
      .toMatch(/"left":\[\{"id":"A-0001","outlet":"whatsapp-manual","state":"awaiting_confirmation"\}\]/);
  });
});
