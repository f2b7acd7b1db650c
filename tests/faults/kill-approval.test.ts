import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BotProcess } from "../fakes/bot-process.ts";
import { FakeSlack } from "../fakes/fake-slack.ts";
import { FakeWaha } from "../fakes/fake-waha.ts";
import { APPROVALS, PRESS_DESK, SLACK_POLICY_YAML, U } from "../fakes/slack-bot.ts";

const ROUNDS = 20;
/** When the kill comes after the ✅ is sent: on its ack (the bot has it, nothing stored yet), or this many ms later. */
const KILL_AFTER: readonly ("ack" | number)[] = ["ack", 0, "ack", 2, 5, "ack", 10, 20, "ack", 40];

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

interface Card {
  channel: string;
  ts: string;
}

/**
 * amtsbote in Slack (Socket Mode) as its own process, killed with SIGKILL at chosen instants right after an
 * approver's ✅ reached it, then started again on the same SQLite file: every ✅ given counts, every decided
 * announcement is published exactly once. Slack's side is played as Slack plays it: a reaction is in Slack's
 * state once given, and an event nobody acknowledged is sent again, marked as a retry.
 */
describe("kill -9 while approval events arrive: Slack", () => {
  it(`${ROUNDS} rounds, each killed right after a ✅; all approvals count, each post goes out once`, async () => {
    const slack = await FakeSlack.start();
    cleanup.push(() => slack.stop());
    for (const [name, id] of Object.entries(U)) slack.users.set(id, { id, name });
    const waha = new FakeWaha();
    const wahaUrl = await waha.start();
    cleanup.push(() => waha.stop());
    const dir = mkdtempSync(join(tmpdir(), "amtsbote-kill-slack-"));
    writeFileSync(join(dir, "policy.yaml"), SLACK_POLICY_YAML);
    const env = {
      CHAT: "slack",
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      STORE_URL: `sqlite://${join(dir, "amtsbote.sqlite")}`,
      POLICY_FILE: join(dir, "policy.yaml"),
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_API_URL: slack.apiUrl,
      SLACK_APPROVAL_CHANNEL: APPROVALS,
      SLACK_POST_GAP_MS: "0",
      WAHA_URL: wahaUrl,
      WAHA_API_KEY: waha.apiKey,
      WHATSAPP_CHANNEL_ID: waha.channelId,
      WHATSAPP_MIN_GAP_MS: "0",
      OUTBOX_POLL_MS: "100",
    };
    const startBot = async () => {
      const bot = new BotProcess(dir, env);
      cleanup.push(() => bot.kill9());
      await bot.waitForLog(/Slack app started/);
      return bot;
    };
    const cardOf = async (id: string): Promise<Card> => {
      let card: Card | undefined;
      await expect
        .poll(
          () =>
            (card = slack.messages.find(
              (m) => m.channel === APPROVALS && !m.thread_ts && JSON.stringify(m.blocks ?? []).includes(id),
            )),
          { timeout: 10_000 },
        )
        .toBeDefined();
      if (!card) throw new Error(`no card for ${id}`);
      return card;
    };
    const reaction = (user: string, card: Card, eventId: string) =>
      slack.payloads.reactionEvent({
        type: "reaction_added",
        user,
        reaction: "white_check_mark",
        channel: card.channel,
        ts: card.ts,
        eventId,
      });
    const send = (payload: object, retry = 0): Promise<boolean> =>
      slack
        .envelope("events_api", payload, {
          ackTimeoutMs: 2000,
          ...(retry > 0 ? { retryAttempt: retry, retryReason: "timeout" } : {}),
        })
        .then(() => true)
        .catch(() => false);
    /** An event not acknowledged is sent again, up to three times. */
    const deliver = async (payload: object, firstTry: Promise<boolean>) => {
      if (await firstTry) return;
      for (let retry = 1; retry <= 3; retry += 1) if (await send(payload, retry)) return;
      throw new Error("an event was never acknowledged");
    };

    let bot = await startBot();
    for (let round = 1; round <= ROUNDS; round += 1) {
      const id = `A-${String(round).padStart(4, "0")}`;
      await slack.envelope(
        "slash_commands",
        slack.payloads.slashCommand({
          text: `Runde ${round} --category baustelle`,
          user_id: U.anna,
          channel_id: PRESS_DESK,
        }),
      );
      const card = await cardOf(id);
      const when = KILL_AFTER[round % KILL_AFTER.length] ?? 0;
      const carla = reaction(U.carla, card, `Ev0KILL${round}`);
      const given = send(carla);
      if (when === "ack") await given;
      else await new Promise((resolve) => setTimeout(resolve, when));
      await bot.kill9();

      bot = await startBot();
      await deliver(carla, given);
      const dieter = reaction(U.dieter, card, `Ev0SECOND${round}`);
      await deliver(dieter, send(dieter));
      const current = bot;
      await expect
        .poll(() => waha.posts.length, { timeout: 20_000, message: `round ${round}, killed ${String(when)}` })
        .toBe(round)
        .catch((error: unknown) => {
          throw new Error(`${String(error)}\n--- bot log ---\n${current.errors.split("\n").slice(-30).join("\n")}`);
        });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(waha.posts.map((p) => p.body)).toEqual(Array.from({ length: ROUNDS }, (_, i) => `Runde ${i + 1}`));
  }, 300_000);
});
