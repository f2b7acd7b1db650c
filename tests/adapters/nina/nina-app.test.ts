import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createApp, type App } from "../../../adapters/app.ts";
import { loadEnv } from "../../../adapters/config/env.ts";
import { FakeNina } from "../../fakes/fake-nina.ts";

let app: App | undefined;
let nina: FakeNina | undefined;
afterEach(async () => {
  await app?.stop("test over");
  await nina?.stop();
});

describe("the composition root with NINA_ARS set", () => {
  it("polls the district's dashboard at start, shows the card in the console and takes `relay`", async () => {
    nina = await FakeNina.start();
    nina.add("033610000000", {
      id: "mow.DE-NI-VER-W001",
      provider: "MOWAS",
      severity: "Extreme",
      eventCode: "BBK-EVC-031",
      headline: "Gefahrstoffaustritt in Achim",
      description: "Austritt von Chlorgas.",
      instruction: "Fenster schließen.",
      senderName: "Landkreis Verden",
      area: "Stadt Achim",
      sent: "2026-11-30T09:30:00+01:00",
    });
    const dir = mkdtempSync(join(tmpdir(), "amtsbote-nina-"));
    const { env } = loadEnv({
      STORE_URL: `sqlite://${join(dir, "amtsbote.sqlite")}`,
      OPS_ENDPOINT: "off",
      LOG_FILE: join(dir, "amtsbote.log"),
      NINA_ARS: "033610001001",
      NINA_URL: nina.url,
      NINA_CONTACT: "it@achim.de",
    });
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = "";
    stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    app = await createApp(env, { stdin, stdout, onFatal: () => undefined });
    const running = app.run();
    await expect.poll(() => out).toContain("Amtliche Warnung W-0001 · BBK (MoWaS) · extrem");
    expect(nina.dashboardRequests()[0]?.path).toBe("/api31/dashboard/033610000000.json");
    expect(nina.dashboardRequests()[0]?.headers["user-agent"]).toContain("contact: it@achim.de");
    stdin.write("relay W-0001\n");
    await expect.poll(() => out).toContain("W-0001 ist als A-0001 angelegt");
    stdin.end();
    await running;
    app = undefined;
  });
});
