import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { Metrics } from "../../adapters/ops/metrics.ts";
import { OpsServer } from "../../adapters/ops/ops-server.ts";
import { VERSION } from "../../adapters/version.ts";
import { MemoryStore } from "../../src/memory/memory-store.ts";
import { silentLogger } from "../../src/ports/logger.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const manifest = z
  .looseObject({ version: z.string() })
  .parse(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")));

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe("the version", () => {
  it("is package.json's, a semantic version", () => {
    expect(VERSION).toBe(manifest.version);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/);
  });

  it("npm start -- --version prints it and exits 0 without starting the bot", () => {
    const out = execFileSync("npm", ["start", "--silent", "--", "--version"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 20_000,
    });
    expect(out).toBe(`${VERSION}\n`);
  });

  it("/healthz says it, beside the status", async () => {
    server = new OpsServer({
      host: "127.0.0.1",
      port: 0,
      metrics: new Metrics(new MemoryStore()),
      log: silentLogger,
      checks: [],
    });
    const { port } = await server.start();
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", version: VERSION });
  });
});
