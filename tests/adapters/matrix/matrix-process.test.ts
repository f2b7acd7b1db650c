import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BotProcess } from "../../fakes/bot-process.ts";
import { FakeHomeserver } from "../../fakes/fake-homeserver.ts";
import { FakeWaha } from "../../fakes/fake-waha.ts";
import { APPROVAL_ROOM, M, MATRIX_POLICY_YAML, OPS_ROOM } from "../../fakes/matrix-bot.ts";

describe("amtsbote as a process in Matrix (CHAT=matrix) with a WAHA gateway", () => {
  it("drafts from !announce, publishes on ✅ exactly once, and a revoked token stops it with exit code 3", async () => {
    const hs = await FakeHomeserver.start();
    hs.createRoom(APPROVAL_ROOM, { members: Object.values(M) });
    hs.createRoom(OPS_ROOM, { members: Object.values(M) });
    const waha = new FakeWaha();
    const wahaUrl = await waha.start();
    const dir = mkdtempSync(join(tmpdir(), "amtsbote-matrix-"));
    writeFileSync(join(dir, "policy.yaml"), MATRIX_POLICY_YAML);
    const bot = new BotProcess(dir, {
      CHAT: "matrix",
      MATRIX_HOMESERVER_URL: hs.url,
      MATRIX_ACCESS_TOKEN: hs.accessToken,
      MATRIX_APPROVAL_ROOM: APPROVAL_ROOM,
      MATRIX_DRAFT_ROOMS: OPS_ROOM,
      WAHA_URL: wahaUrl,
      WAHA_API_KEY: waha.apiKey,
      WHATSAPP_CHANNEL_ID: waha.channelId,
      WHATSAPP_MIN_GAP_MS: "0",
    });
    try {
      await hs.waitFor(() => hs.requests.some((r) => r.route === "sync"), 20_000, "the first sync");
      hs.push(OPS_ROOM, hs.message(M.anna, "!announce Laternenumzug am Freitag"));
      await hs.waitFor(
        () => hs.sent.some((s) => s.roomId === APPROVAL_ROOM && String(s.content.body).includes("Laternenumzug")),
        10_000,
        "the preview",
      );
      const preview = hs.sent.find(
        (s) => s.roomId === APPROVAL_ROOM && String(s.content.body).includes("Laternenumzug"),
      );
      hs.push(APPROVAL_ROOM, hs.reaction(M.carla, preview?.eventId ?? "", "✅"));
      await expect.poll(() => waha.posts.map((p) => p.body), { timeout: 10_000 }).toEqual(["Laternenumzug am Freitag"]);
      hs.revokeToken();
      expect(await bot.exited).toBe(3);
      expect(bot.errors).toContain("MATRIX_ACCESS_TOKEN");
      expect(waha.posts).toHaveLength(1);
    } finally {
      if (bot.child.exitCode === null) await bot.kill9();
      await waha.stop();
      await hs.stop();
    }
  });

  it("names every missing Matrix setting at start", async () => {
    const bot = new BotProcess(mkdtempSync(join(tmpdir(), "amtsbote-matrix-")), { CHAT: "matrix" });
    expect(await bot.exited).toBe(2);
    for (const key of ["MATRIX_HOMESERVER_URL", "MATRIX_ACCESS_TOKEN", "MATRIX_APPROVAL_ROOM"]) {
      expect(bot.errors).toContain(`${key}: required with CHAT=matrix`);
    }
  });
});
