import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeSlack, type StoredMessage } from "../../fakes/fake-slack.ts";
import { OutageStore } from "../../fakes/outage-store.ts";
import { PRESS_DESK, approvalCard, startSlackBot, U, type SlackBot } from "../../fakes/slack-bot.ts";

let fake: FakeSlack;
let bot: SlackBot;
let store: OutageStore;

beforeEach(async () => {
  fake = await FakeSlack.start();
  store = new OutageStore();
  bot = await startSlackBot(fake, { store });
});

afterEach(async () => {
  store.down = false;
  await bot.stop();
  expect(fake.unacked()).toEqual([]);
  await fake.stop();
});

const CANNOT_CHECK = "⚠️ Ich kann gerade nichts prüfen oder ändern";

const slash = (user: string, text: string) =>
  fake.envelope("slash_commands", fake.payloads.slashCommand({ text, user_id: user, channel_id: PRESS_DESK }));

const cardOf = (id: string): Promise<StoredMessage> => approvalCard(bot, fake, id);

const react = (user: string, card: StoredMessage, eventId: string) =>
  fake.envelope(
    "events_api",
    fake.payloads.reactionEvent({
      type: "reaction_added",
      user,
      reaction: "white_check_mark",
      channel: card.channel,
      ts: card.ts,
      eventId,
    }),
  );

const click = (user: string, card: StoredMessage, actionId: string) => {
  const blocks = (card.blocks ?? []) as { type: string; elements?: { action_id: string; value: string }[] }[];
  const button = blocks.flatMap((b) => b.elements ?? []).find((b) => b.action_id === actionId);
  return fake.envelope(
    "interactive",
    fake.payloads.blockAction({
      user,
      channel: card.channel,
      messageTs: card.ts,
      actionId,
      value: button?.value ?? "",
    }),
  );
};

const hookTexts = () => fake.responses.map((r) => (r.body as { text?: string }).text ?? "");

describe("Slack while the store is unreachable", () => {
  it("commands and buttons say so; a ✅ given meanwhile is counted once the store is back", async () => {
    await slash(U.anna, "Zwei Freigaben nötig --category baustelle");
    const card = await cardOf("A-0001");
    const answered = hookTexts().length;

    store.down = true;
    await slash(U.carla, "status A-0001");
    await click(U.dieter, card, "amtsbote_approve");
    await expect
      .poll(() => hookTexts().slice(answered))
      .toEqual([expect.stringContaining(CANNOT_CHECK), expect.stringContaining(CANNOT_CHECK)]);
    expect(hookTexts().join("\n")).not.toMatch(/gibt es nicht/);
    await react(U.carla, card, "Ev0OUTAGE");

    store.down = false;
    await bot.desk.resume();
    await expect.poll(async () => (await bot.service.get("A-0001"))?.approvals.map((a) => a.by)).toEqual(["carla"]);
    await expect.poll(async () => JSON.stringify((await cardOf("A-0001")).blocks)).toContain("Freigaben: 1/2 (Carla)");
    // Delivered again by Slack, it is not counted twice.
    await react(U.carla, card, "Ev0OUTAGE");
    await bot.desk.resume();
    expect((await bot.service.get("A-0001"))?.approvals).toHaveLength(1);
  });
});
