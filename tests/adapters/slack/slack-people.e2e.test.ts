import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../../../src/ports/logger.ts";
import { parsePolicy } from "../../../adapters/config/policy-file.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { FakeSlack, type StoredMessage } from "../../fakes/fake-slack.ts";
import { PRESS_DESK, SLACK_POLICY_YAML, startSlackBot, U, type SlackBot } from "../../fakes/slack-bot.ts";

let fake: FakeSlack | undefined;
let bot: SlackBot | undefined;

afterEach(async () => {
  await bot?.stop();
  expect(fake?.unacked()).toEqual([]);
  await fake?.stop();
  bot = undefined;
  fake = undefined;
});

/** Keeps what is logged, to check what the IT admin would read. */
function recordingLogger(lines: { level: string; obj: object; msg?: string }[]): Logger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void =>
      void lines.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
  const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => log };
  return log;
}

async function start(options: Parameters<typeof startSlackBot>[1] = {}, prepare?: (f: FakeSlack) => void) {
  fake = await FakeSlack.start();
  prepare?.(fake);
  bot = await startSlackBot(fake, options);
  return { fake, bot };
}

const announce = (f: FakeSlack, user: string, text: string) =>
  f.envelope("slash_commands", f.payloads.slashCommand({ text, user_id: user, channel_id: PRESS_DESK }));

async function cardOf(f: FakeSlack, b: SlackBot, id: string): Promise<StoredMessage> {
  await b.settled();
  const ref = await b.desk.state.post(id as `A-${string}`);
  const card = ref && f.message(ref.room, ref.id);
  if (!card) throw new Error(`no card for ${id}`);
  return card;
}

const approveByReaction = (f: FakeSlack, user: string, card: StoredMessage) =>
  f.envelope(
    "events_api",
    f.payloads.reactionEvent({
      type: "reaction_added",
      user,
      reaction: "white_check_mark",
      channel: card.channel,
      ts: card.ts,
    }),
  );

const LINKED_POLICY = SLACK_POLICY_YAML.replace(
  "editors: [anna, ben, carla]",
  "slackUsergroups:\n  leitung: S0LEITUNG\neditors: [anna, ben, carla]",
);

describe("Slack hand-off and people", () => {
  it("without a gateway: the copy-ready hand-off appears under the card, and its button records who posted it", async () => {
    const { fake, bot } = await start({ handoff: true });
    await announce(fake, U.anna, "Bitte von Hand posten");
    const card = await cardOf(fake, bot, "A-0001");
    await approveByReaction(fake, U.carla, card);
    await expect
      .poll(() => fake.messages.filter((m) => m.thread_ts === card.ts && m.text.includes("```")))
      .toHaveLength(1);
    const handoff = fake.messages.find((m) => m.thread_ts === card.ts && m.text.includes("```"));
    expect(handoff?.text).toContain("Bitte von Hand posten");
    const button = JSON.stringify(handoff?.blocks);
    expect(button).toContain("amtsbote_posted");
    await fake.envelope(
      "interactive",
      fake.payloads.blockAction({
        user: U.dieter,
        channel: card.channel,
        messageTs: handoff?.ts ?? "",
        actionId: "amtsbote_posted",
        value: "A-0001:1",
      }),
    );
    await expect.poll(async () => (await bot.service.get("A-0001"))?.state).toBe("published");
    const a = await bot.service.get("A-0001");
    expect(a?.events.some((e) => e.actor === "dieter" && e.event === "delivery_sent")).toBe(true);
  });

  it("members of a linked Slack user group approve; guests and deactivated accounts do not", async () => {
    const { fake, bot } = await start({ policy: parsePolicy(LINKED_POLICY, "linked.yaml") }, (f) => {
      f.usergroups.set("S0LEITUNG", ["U0NEWHEAD", "U0GUEST"]);
      f.users.set("U0NEWHEAD", {
        id: "U0NEWHEAD",
        name: "nina",
        real_name: "Nina Neu",
        profile: { display_name: "Nina Neu" },
      });
      f.users.set("U0GUEST", { id: "U0GUEST", name: "gast", is_restricted: true });
    });
    await expect.poll(() => bot.policy.people.has("slack-u0newhead")).toBe(true);
    expect(bot.policy.people.has("slack-u0guest")).toBe(false);
    await announce(fake, U.anna, "Neue Leitung gibt frei");
    const card = await cardOf(fake, bot, "A-0001");
    await approveByReaction(fake, "U0GUEST", card);
    await expect.poll(() => fake.ephemerals.filter((e) => e.user === "U0GUEST")).toHaveLength(1);
    expect((await bot.service.get("A-0001"))?.approvals).toEqual([]);
    await approveByReaction(fake, "U0NEWHEAD", card);
    await expect.poll(() => bot.outlet.published.length).toBe(1);
    expect((await bot.service.get("A-0001"))?.approvals[0]?.by).toBe("slack-u0newhead");
    await bot.settled();
    expect(
      fake.messages
        .filter((m) => m.thread_ts === card.ts)
        .map((m) => m.text)
        .join("\n"),
    ).toContain("Nina Neu");
  });

  it("on a free plan says once that user groups are unavailable and keeps the listed ids", async () => {
    const lines: { level: string; obj: object; msg?: string }[] = [];
    const { fake, bot } = await start(
      { policy: parsePolicy(LINKED_POLICY, "linked.yaml"), log: recordingLogger(lines) },
      (f) => (f.plan = "free"),
    );
    await expect
      .poll(() => lines.filter((l) => l.level === "warn" && /paid Slack plan/.test(l.msg ?? "")))
      .toHaveLength(1);
    await announce(fake, U.anna, "Listed ids still count");
    const card = await cardOf(fake, bot, "A-0001");
    await approveByReaction(fake, U.carla, card);
    await expect.poll(() => bot.outlet.published.length).toBe(1);
  });

  it("a picture from the compose form is fetched, checked, shown on the card and handed over with the text", async () => {
    const { fake, bot } = await start({ handoff: true });
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#c00" } })
      .png()
      .toBuffer();
    const file = fake.addFile(png, "image/png", "sperrung.png");
    await announce(fake, U.anna, "");
    await expect.poll(() => fake.views.length).toBe(1);
    const view = fake.views[0]?.view as { id: string; private_metadata: string; callback_id: string };
    await fake.submitView(U.anna, view, {
      text: { text: { type: "plain_text_input", value: "Sperrung mit Karte" } },
      media: { media: { type: "file_input", files: [file] } },
      alt: { alt: { type: "plain_text_input", value: "Karte der Umleitung" } },
    });
    await expect.poll(() => bot.store.openIds()).toEqual(["A-0001"]);
    const media = (await bot.service.get("A-0001"))?.versions[0]?.content.media;
    expect(media).toMatchObject([{ mimeType: "image/jpeg", altText: "Karte der Umleitung" }]);
    expect(fake.downloads).toEqual([{ id: file.id, token: fake.botToken }]);
    const card = await cardOf(fake, bot, "A-0001");
    expect(JSON.stringify(card.blocks)).toContain("📎");
    await approveByReaction(fake, U.carla, card);
    await expect.poll(() => fake.uploads).toHaveLength(1);
    expect(fake.uploads[0]).toMatchObject({ channel: card.channel, thread_ts: card.ts });
    expect((await sharp(fake.uploads[0]?.bytes).metadata()).format).toBe("jpeg");
  });

  it("Edit and Withdraw open their forms for those allowed; the edit is a new version", async () => {
    const { fake, bot } = await start();
    await announce(fake, U.anna, "Alter Text");
    const card = await cardOf(fake, bot, "A-0001");
    const press = (user: string, actionId: string) =>
      fake.envelope(
        "interactive",
        fake.payloads.blockAction({ user, channel: card.channel, messageTs: card.ts, actionId, value: "A-0001:1" }),
      );
    await press(U.zora, "amtsbote_edit");
    await expect.poll(() => fake.responses.length).toBe(2);
    expect(fake.views).toEqual([]);
    await press(U.anna, "amtsbote_edit");
    await expect.poll(() => fake.views.length).toBe(1);
    const edit = fake.views[0]?.view as {
      id: string;
      private_metadata: string;
      callback_id: string;
      blocks: unknown[];
    };
    expect(JSON.stringify(edit.blocks)).toContain("Alter Text");
    await fake.submitView(U.anna, edit, {
      reason: { reason: { type: "plain_text_input", value: "Neuer Text --mit Strichen" } },
    });
    await expect
      .poll(async () => (await bot.service.get("A-0001"))?.versions.at(-1)?.content.text)
      .toBe("Neuer Text --mit Strichen");
    await press(U.anna, "amtsbote_withdraw");
    await expect.poll(() => fake.views.length).toBe(2);
    const withdraw = fake.views[1]?.view as { id: string; private_metadata: string; callback_id: string };
    await fake.submitView(U.anna, withdraw, {
      reason: { reason: { type: "plain_text_input", value: "Doch nicht nötig" } },
    });
    await expect.poll(async () => (await bot.service.get("A-0001"))?.state).toBe("withdrawn");
  });

  it("waits out Slack's 429 and posts the card once; mentions read as names", async () => {
    const { fake, bot } = await start({}, (f) => {
      f.users.set(U.carla, { id: U.carla, name: "carla", profile: { display_name: "Carla Meyer" } });
      f.rateLimitNext("chat.postMessage", 1);
    });
    await announce(fake, U.anna, "Rückfragen an <@U0CARLA> oder in <#C0PRESSDESK|presse>");
    await expect.poll(() => bot.store.openIds()).toEqual(["A-0001"]);
    expect((await bot.service.get("A-0001"))?.versions[0]?.content.text).toBe(
      "Rückfragen an @Carla Meyer oder in #presse",
    );
    await expect
      .poll(() => fake.calls.filter((c) => c.method === "chat.postMessage").length, { timeout: 5000 })
      .toBe(2);
    await cardOf(fake, bot, "A-0001");
    expect(fake.messages.filter((m) => m.channel === "C0APPROVALS" && !m.thread_ts)).toHaveLength(1);
  });

  it("reactions given and taken back while the bot was down count after its restart", async () => {
    const { fake, bot: first } = await start({ store: new MemoryStore() });
    const store = first.store;
    await announce(fake, U.anna, "Zwei Freigaben --category baustelle");
    const card = await cardOf(fake, first, "A-0001");
    await approveByReaction(fake, U.carla, card);
    await expect.poll(async () => (await first.service.get("A-0001"))?.approvals.length).toBe(1);
    await first.stop();
    bot = undefined;

    fake.removeReaction(card.channel, card.ts, "white_check_mark", U.carla);
    fake.addReaction(card.channel, card.ts, "white_check_mark", U.dieter);
    fake.addReaction(card.channel, card.ts, "heavy_check_mark::skin-tone-4", U.erik);
    bot = await startSlackBot(fake, { store });
    const second = bot;
    await expect.poll(() => second.outlet.published.length).toBe(1);
    const a = await second.service.get("A-0001");
    expect(a?.approvals.map((x) => x.by).sort()).toEqual(["dieter", "erik"]);
  });

  it("after a restart, a ✅ left from before an edit does not approve the new text", async () => {
    const { fake, bot: first } = await start({ store: new MemoryStore() });
    const store = first.store;
    await announce(fake, U.anna, "Alter Text --category baustelle");
    const card = await cardOf(fake, first, "A-0001");
    await approveByReaction(fake, U.carla, card);
    await expect.poll(async () => (await first.service.get("A-0001"))?.approvals.length).toBe(1);
    await announce(fake, U.anna, "edit A-0001 Neuer Text");
    await expect.poll(async () => (await first.service.get("A-0001"))?.versions.length).toBe(2);
    await first.stop();
    bot = undefined;

    fake.addReaction(card.channel, card.ts, "white_check_mark", U.dieter);
    bot = await startSlackBot(fake, { store });
    const second = bot;
    await expect.poll(async () => (await second.service.get("A-0001"))?.approvals.map((x) => x.by)).toContain("dieter");
    await second.settled();
    const a = await second.service.get("A-0001");
    expect(a?.approvals.filter((x) => x.versionHash === a.versions[1]?.hash).map((x) => x.by)).toEqual(["dieter"]);
    expect(a?.state).toBe("pending");
    expect(second.outlet.published).toEqual([]);
  });
});
