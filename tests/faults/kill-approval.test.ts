import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BotProcess } from "../fakes/bot-process.ts";
import { FakeHomeserver } from "../fakes/fake-homeserver.ts";
import { FakeSlack } from "../fakes/fake-slack.ts";
import { FakeWaha } from "../fakes/fake-waha.ts";
import { APPROVAL_ROOM, M, MATRIX_POLICY_YAML, OPS_ROOM } from "../fakes/matrix-bot.ts";
import { APPROVALS, PRESS_DESK, SLACK_POLICY_YAML, U } from "../fakes/slack-bot.ts";

const ROUNDS = 20;
/**
 * When the kill comes after the ✅ is sent: this many ms after the bot logged that it received it (before its
 * effect is stored, mostly), on the event's ack, or this many ms after sending.
 */
const KILL_AFTER: readonly ({ received: number } | "ack" | number)[] = [
  { received: 0 },
  { received: 1 },
  "ack",
  { received: 0 },
  { received: 2 },
  0,
  { received: 0 },
  { received: 3 },
  5,
  20,
];

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface Card {
  channel: string;
  ts: string;
}

/** A WAHA stand-in, a folder with the policy, and the environment both chats' bot processes share. */
async function processWorld(chat: "slack" | "matrix", policyYaml: string) {
  const waha = new FakeWaha();
  const wahaUrl = await waha.start();
  cleanup.push(() => waha.stop());
  const dir = mkdtempSync(join(tmpdir(), `amtsbote-kill-${chat}-`));
  writeFileSync(join(dir, "policy.yaml"), policyYaml);
  const env = {
    CHAT: chat,
    LOG_LEVEL: "debug",
    LOG_FORMAT: "json",
    STORE_URL: `sqlite://${join(dir, "amtsbote.sqlite")}`,
    POLICY_FILE: join(dir, "policy.yaml"),
    WAHA_URL: wahaUrl,
    WAHA_API_KEY: waha.apiKey,
    WHATSAPP_CHANNEL_ID: waha.channelId,
    WHATSAPP_MIN_GAP_MS: "0",
    OUTBOX_POLL_MS: "100",
  };
  return { waha, dir, env };
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
    const world = await processWorld("slack", SLACK_POLICY_YAML);
    const { waha, dir } = world;
    const env = {
      ...world.env,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_API_URL: slack.apiUrl,
      SLACK_APPROVAL_CHANNEL: APPROVALS,
      SLACK_POST_GAP_MS: "0",
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
      const eventId = `Ev0KILL${round}`;
      const carla = reaction(U.carla, card, eventId);
      const given = send(carla);
      if (when === "ack") await given;
      else if (typeof when === "number") await new Promise((resolve) => setTimeout(resolve, when));
      else {
        await bot.waitForLog(new RegExp(`"eventId":"${eventId}"`), 15_000, 1);
        if (when.received > 0) await new Promise((resolve) => setTimeout(resolve, when.received));
      }
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

/** Ready as the container runtime sees it: `/readyz` answers 200 (store, chat after its first sync, outlet). */
async function readyz(bot: BotProcess): Promise<void> {
  await bot.waitForLog(/operations endpoint listening/);
  const port = /"port":(\d+),"msg":"operations endpoint listening"/.exec(bot.errors)?.[1];
  await expect
    .poll(
      () =>
        fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status,
          () => 0,
        ),
      { timeout: 15_000 },
    )
    .toBe(200);
}

describe("kill -9 while approval events arrive: Matrix", () => {
  it(`${ROUNDS} rounds, each killed right after a ✅ reached the bot; all approvals count, each post goes out once`, async () => {
    const hs = await FakeHomeserver.start();
    cleanup.push(() => hs.stop());
    hs.createRoom(APPROVAL_ROOM, { members: Object.values(M) });
    hs.createRoom(OPS_ROOM, { members: Object.values(M) });
    const world = await processWorld("matrix", MATRIX_POLICY_YAML);
    const { waha, dir } = world;
    const env = {
      ...world.env,
      MATRIX_HOMESERVER_URL: hs.url,
      MATRIX_ACCESS_TOKEN: hs.accessToken,
      MATRIX_APPROVAL_ROOM: APPROVAL_ROOM,
      MATRIX_DRAFT_ROOMS: OPS_ROOM,
      MATRIX_CRYPTO_DIR: join(dir, "crypto"),
    };
    const startBot = async () => {
      const bot = new BotProcess(dir, env);
      cleanup.push(() => bot.kill9());
      await readyz(bot);
      return bot;
    };
    const previewOf = async (id: string): Promise<string> => {
      let preview: string | undefined;
      await expect
        .poll(
          () =>
            (preview = hs.sent.find(
              (e) =>
                e.roomId === APPROVAL_ROOM &&
                !e.content["m.relates_to"] &&
                String(e.content.body).startsWith(`${id} ·`),
            )?.eventId),
          { timeout: 10_000 },
        )
        .toBeDefined();
      if (!preview) throw new Error(`no preview for ${id}`);
      return preview;
    };

    let bot = await startBot();
    for (let round = 1; round <= ROUNDS; round += 1) {
      const id = `A-${String(round).padStart(4, "0")}`;
      hs.push(OPS_ROOM, hs.message(M.anna, `!announce Runde ${round} --category baustelle`));
      const preview = await previewOf(id);
      const when = KILL_AFTER[round % KILL_AFTER.length] ?? 0;
      const [given] = hs.push(APPROVAL_ROOM, hs.reaction(M.carla, preview, "✅"));
      if (typeof when === "number") await new Promise((resolve) => setTimeout(resolve, when));
      else {
        await bot.waitForLog(new RegExp(`"eventId":"${escapeRegExp(given?.event_id ?? "?")}"`), 5000, 1);
        if (typeof when === "object" && when.received > 0) await new Promise((r) => setTimeout(r, when.received));
      }
      await bot.kill9();

      bot = await startBot();
      hs.push(APPROVAL_ROOM, hs.reaction(M.dieter, preview, "✅"));
      const current = bot;
      await expect
        .poll(() => waha.posts.length, { timeout: 20_000, message: `round ${round}, killed ${JSON.stringify(when)}` })
        .toBe(round)
        .catch((error: unknown) => {
          throw new Error(`${String(error)}\n--- bot log ---\n${current.errors.split("\n").slice(-30).join("\n")}`);
        });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(waha.posts.map((p) => p.body)).toEqual(Array.from({ length: ROUNDS }, (_, i) => `Runde ${i + 1}`));
  }, 300_000);
});
