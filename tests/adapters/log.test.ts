import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, maskUrlPassword } from "../../adapters/log.ts";
import { sdkLogger } from "../../adapters/matrix/matrix-client.ts";
import { BotProcess } from "../fakes/bot-process.ts";

describe("logging", () => {
  it("redacts secrets wherever they appear in a logged object", () => {
    let written = "";
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        written += chunk.toString();
        done();
      },
    });
    const log = createLogger("info", sink);
    log.info({ gateway: { apiKey: "k-123" }, slack: { token: "xoxb-456" } }, "a");
    log.info({ req: { headers: { authorization: "Bearer abc" } } }, "b");
    log.child({ module: "x" }).warn({ env: { WAHA_API_KEY: "waha-789", MATRIX_ACCESS_TOKEN: "syt_0" } }, "c");
    for (const secret of ["k-123", "xoxb-456", "Bearer abc", "waha-789", "syt_0"])
      expect(written).not.toContain(secret);
    expect(written.match(/\[redacted\]/g)).toHaveLength(5);
  });

  it("masks the password of a store URL", () => {
    expect(maskUrlPassword("postgres://amtsbote:geheim@db.achim.local:5432/amtsbote")).toBe(
      "postgres://amtsbote:***@db.achim.local:5432/amtsbote",
    );
    expect(maskUrlPassword("redis://:pw@127.0.0.1:6379")).toBe("redis://:***@127.0.0.1:6379");
    expect(maskUrlPassword("sqlite://./data/amtsbote.sqlite")).toBe("sqlite://./data/amtsbote.sqlite");
  });
});

describe("the Matrix SDK's lines", () => {
  it("a 404 the SDK reports as an error (no m.direct yet, a state event never set) is debug; other errors stay errors", () => {
    let written = "";
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        written += chunk.toString();
        done();
      },
    });
    const sdk = sdkLogger(createLogger("trace", sink));
    sdk.error("MatrixHttpClient", "(REQ-404)", { errcode: "M_NOT_FOUND", error: "Account data not found" });
    sdk.warn("MatrixClient", "Error getting m.direct account data:", "M_NOT_FOUND: Account data not found");
    sdk.error("MatrixHttpClient", "(REQ-2)", { errcode: "M_FORBIDDEN", error: "You are not in this room" });
    const levels = written
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { level: number }).level);
    expect(levels).toEqual([20, 20, 50]);
  });
});

describe("the log tells who changed what, never the text", () => {
  it("one info line per state change with id, actor and action, and one per refused action", async () => {
    const bot = new BotProcess(mkdtempSync(join(tmpdir(), "amtsbote-log-")), { LOG_LEVEL: "info", LOG_FORMAT: "json" });
    await bot.waitFor(/amtsbote bereit/);
    for (const [say, answer] of [
      ["announce Geheimer Entwurf Obernstraße", /A-0001 ist angelegt/],
      ["as carla approve A-0001", /A-0001 ist freigegeben/],
      ["as carla reject A-0001 zu spät", /⚠️/],
    ] as const) {
      const from = bot.output.length;
      bot.say(say);
      await bot.waitFor(answer, 15_000, from);
    }
    await bot.waitForLog(/"action":"reject","code"/);
    expect(await bot.end()).toBe(0);
    const lines = bot.errors
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const changes = lines.filter((l) => l.msg === "announcement changed");
    expect(changes.map((l) => [l.id, l.actor, l.action])).toEqual(
      expect.arrayContaining([
        ["A-0001", "carla", "approve"],
        ["A-0001", "carla", "quorum_reached"],
      ]),
    );
    expect(lines.filter((l) => l.msg === "action refused")).toEqual([
      expect.objectContaining({ platform: "console", user: "carla", action: "reject", code: expect.any(String) }),
    ]);
    expect(bot.errors).not.toContain("Geheimer Entwurf");
    expect(bot.errors).not.toContain("zu spät");
  });
});
