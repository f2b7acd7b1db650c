import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BotProcess } from "../../fakes/bot-process.ts";
import { FakeSlack } from "../../fakes/fake-slack.ts";
import { FakeWaha } from "../../fakes/fake-waha.ts";
import { APPROVALS, PRESS_DESK, SLACK_POLICY_YAML, U } from "../../fakes/slack-bot.ts";

describe("amtsbote as a process in Slack (CHAT=slack) with a WAHA gateway", () => {
  it("connects through SLACK_API_URL alone, drafts, publishes on ✅ exactly once, and stops on SIGTERM", async () => {
    const fake = await FakeSlack.start();
    const waha = new FakeWaha();
    const wahaUrl = await waha.start();
    const dir = mkdtempSync(join(tmpdir(), "amtsbote-slack-"));
    writeFileSync(join(dir, "policy.yaml"), SLACK_POLICY_YAML);
    const bot = new BotProcess(dir, {
      CHAT: "slack",
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_APP_TOKEN: fake.appToken,
      SLACK_API_URL: fake.apiUrl,
      SLACK_APPROVAL_CHANNEL: APPROVALS,
      SLACK_POST_GAP_MS: "0",
      WAHA_URL: wahaUrl,
      WAHA_API_KEY: waha.apiKey,
      WHATSAPP_CHANNEL_ID: waha.channelId,
      WHATSAPP_MIN_GAP_MS: "0",
    });
    try {
      await fake.waitForConnections(1, 20_000);
      const ack = await fake.envelope(
        "slash_commands",
        fake.payloads.slashCommand({ text: "Laternenumzug am Freitag", user_id: U.anna, channel_id: PRESS_DESK }),
      );
      expect(ack).toEqual({});
      await expect
        .poll(() => fake.messages.filter((m) => m.channel === APPROVALS && !m.thread_ts), { timeout: 10_000 })
        .toHaveLength(1);
      const card = fake.messages.find((m) => m.channel === APPROVALS && !m.thread_ts);
      await fake.envelope(
        "events_api",
        fake.payloads.reactionEvent({
          type: "reaction_added",
          user: U.carla,
          reaction: "white_check_mark",
          channel: APPROVALS,
          ts: card?.ts ?? "",
        }),
      );
      await expect.poll(() => waha.posts.map((p) => p.body), { timeout: 10_000 }).toEqual(["Laternenumzug am Freitag"]);
      await expect
        .poll(() => fake.message(APPROVALS, card?.ts ?? "")?.text, { timeout: 10_000 })
        .toMatch(/veröffentlicht/);
      bot.child.kill("SIGTERM");
      expect(await bot.exited).toBe(0);
      expect(waha.posts).toHaveLength(1);
      expect(fake.unacked()).toEqual([]);
    } finally {
      if (bot.child.exitCode === null) await bot.kill9();
      await waha.stop();
      await fake.stop();
    }
  });

  it("names every missing Slack setting at start", async () => {
    const bot = new BotProcess(mkdtempSync(join(tmpdir(), "amtsbote-slack-")), { CHAT: "slack" });
    expect(await bot.exited).toBe(2);
    expect(bot.errors).toContain("SLACK_BOT_TOKEN: required with CHAT=slack");
    expect(bot.errors).toContain("SLACK_APPROVAL_CHANNEL: required with CHAT=slack");
    expect(bot.errors).toContain("SLACK_APP_TOKEN: required in Socket Mode");
  });
});
