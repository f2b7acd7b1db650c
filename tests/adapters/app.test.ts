import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createApp, type App } from "../../adapters/app.ts";
import { loadEnv } from "../../adapters/config/env.ts";

let app: App | undefined;
afterEach(async () => {
  await app?.stop("test over");
  app = undefined;
});

describe("createApp: the whole app in-process", () => {
  it("builds from an environment, takes console commands from a stream and shows notices as they happen", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amtsbote-app-"));
    const { env } = loadEnv({
      STORE_URL: `sqlite://${join(dir, "amtsbote.sqlite")}`,
      OPS_ENDPOINT: "off",
      LOG_FILE: join(dir, "amtsbote.log"),
      OUTBOX_POLL_MS: "50",
    });
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = "";
    stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    app = await createApp(env, { stdin, stdout, onFatal: () => undefined });
    const running = app.run();
    stdin.write("announce Sperrung der Hauptstraße am Montag. --category umfrage\n");
    await expect.poll(() => out).toContain("A-0001 ist angelegt");
    // The console's preview carries the hints too: an all-caps word here.
    stdin.write("announce ACHTUNG: Sperrung der Hauptstraße am Dienstag. --category umfrage\n");
    await expect.poll(() => out).toMatch(/A-0002 ist angelegt[\s\S]*💡 Hinweise:[\s\S]*ACHTUNG/);
    stdin.write("as carla approve A-0001\n");
    await expect.poll(() => out).toMatch(/Carla Meyer [^\n]*hat A-0001 freigegeben – es fehlen noch 1/);
    stdin.write("as erik approve A-0001\n");
    await expect.poll(() => out).toMatch(/📋 A-0001 \(Fassung 1\) ist freigegeben/);
    expect((await app.service.get("A-0001"))?.state).toBe("publishing");
    stdin.end();
    await running;
    app = undefined;
  });

  it("checks every outlet's settings before the feeds' listener takes its port", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amtsbote-app-"));
    const port = await freePort();
    const { env } = loadEnv({
      STORE_URL: `sqlite://${join(dir, "amtsbote.sqlite")}`,
      OPS_ENDPOINT: "off",
      LOG_FILE: join(dir, "amtsbote.log"),
      FEED_BASE_URL: "http://127.0.0.1/feeds",
      FEED_PORT: String(port),
      SMTP_URL: "smtp://127.0.0.1:2525",
      PRESS_TO: "presse@example.org",
      PRESS_FROM: "kein-absender",
    });
    await expect(
      createApp(env, { stdin: new PassThrough(), stdout: new PassThrough(), onFatal: () => undefined }),
    ).rejects.toThrow("PRESS_FROM");
    // Nothing was left listening: the port is free for the next start.
    expect(await canListen(port)).toBe(true);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
