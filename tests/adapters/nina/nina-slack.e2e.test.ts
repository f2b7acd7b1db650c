import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACTIONS } from "../../../adapters/slack/blocks.ts";
import { WARNING_ACTIONS } from "../../../adapters/slack/warning-board.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { FakeNina } from "../../fakes/fake-nina.ts";
import { FakeSlack, type StoredMessage } from "../../fakes/fake-slack.ts";
import { APPROVALS, approvalCard, startSlackBot, U, type SlackBot } from "../../fakes/slack-bot.ts";
import { DISTRICT_ARS, ninaSource, STORM, STORM_INSTRUCTION } from "../../fakes/warnings.ts";

const ARS = DISTRICT_ARS;
const INSTRUCTION = STORM_INSTRUCTION;

let slack: FakeSlack;
let nina: FakeNina;
let store: MemoryStore;
let bot: SlackBot;

const start = () =>
  startSlackBot(slack, {
    store,
    nina: { source: ninaSource(nina) },
  });

beforeEach(async () => {
  slack = await FakeSlack.start();
  nina = await FakeNina.start();
  store = new MemoryStore();
  bot = await start();
});

afterEach(async () => {
  await bot.stop();
  await slack.stop();
  await nina.stop();
});

const poll = async () => {
  const outcome = await bot.watcher?.poll();
  await bot.settled();
  return outcome;
};

const isCard = (m: StoredMessage, handle: string) =>
  (m.blocks as { block_id?: string }[] | undefined)?.some((b) => b.block_id === `warning:${handle}`) ?? false;
const warningCards = () => slack.messages.filter((m) => m.channel === APPROVALS && /^W-/.test(cardHandle(m) ?? ""));
const cardHandle = (m: StoredMessage) =>
  (m.blocks as { block_id?: string }[] | undefined)
    ?.map((b) => /^warning:(W-\d+)$/.exec(b.block_id ?? "")?.[1])
    .find(Boolean);
const cardOf = (handle: string) => {
  const card = slack.messages.find((m) => m.channel === APPROVALS && isCard(m, handle));
  if (!card) throw new Error(`no card for ${handle}`);
  return card;
};
const buttonsOf = (card: StoredMessage) =>
  ((card.blocks ?? []) as { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[])
    .filter((b) => b.type === "actions")
    .flatMap((b) => b.elements ?? []);
const click = async (user: string, card: StoredMessage, actionId: string) => {
  const button = buttonsOf(card).find((b) => b.action_id === actionId);
  if (!button) throw new Error(`no ${actionId} on the card`);
  await slack.envelope(
    "interactive",
    slack.payloads.blockAction({ user, channel: card.channel, messageTs: card.ts, actionId, value: button.value }),
  );
  await bot.settled();
};
const answersTo = (user: string) => slack.ephemerals.filter((e) => e.user === user).map((e) => e.text);
const hookTexts = () => slack.responses.map((r) => (r.body as { text?: string }).text ?? "");
const thread = (card: StoredMessage) => slack.messages.filter((m) => m.thread_ts === card.ts).map((m) => m.text);
const approve = async (id: string) => {
  const card = await approvalCard(bot, slack, id);
  await click(U.carla, card, ACTIONS.approve);
  await expect.poll(() => bot.service.get(id as `A-${string}`).then((a) => a?.state)).toBe("published");
};
const roomTexts = () => slack.messages.filter((m) => m.channel === APPROVALS && !m.thread_ts).map((m) => m.text);

describe("official warnings in Slack, against a local NINA", () => {
  it("Severe storm → one card → relay → draft with attribution → approval → published once; update and end follow in the chain; a restart offers nothing twice", async () => {
    nina.add(ARS, STORM);
    nina.add(ARS, { ...STORM, id: "dwd.minor", severity: "Minor", headline: "Amtliche WARNUNG vor GLÄTTE" });
    expect(await poll()).toBe("ok");
    expect(warningCards().map(cardHandle)).toEqual(["W-0001"]);
    const card = cardOf("W-0001");
    const facts = JSON.stringify(card.blocks);
    for (const part of [
      "Amtliche Warnung W-0001",
      "DWD (Deutscher Wetterdienst)",
      "schwer",
      STORM.headline,
      "Gebiet: Landkreis Verden",
      INSTRUCTION,
      `https://warnung.bund.de/meldungen/${STORM.id}/`,
    ]) {
      expect(facts).toContain(part);
    }
    expect(buttonsOf(card).map((b) => [b.action_id, b.value])).toEqual([
      [WARNING_ACTIONS.relay, "W-0001"],
      [WARNING_ACTIONS.dismiss, "W-0001"],
    ]);

    await click(U.anna, card, WARNING_ACTIONS.relay);
    await expect.poll(() => hookTexts().join("\n")).toContain("W-0001 ist als A-0001 angelegt und wartet auf Freigabe");
    const draft = await bot.service.get("A-0001");
    const text = draft?.versions[0]?.content.text ?? "";
    expect(text).toContain("Quelle: NINA / DWD (Deutscher Wetterdienst), Deutscher Wetterdienst");
    expect(text).toContain(INSTRUCTION);
    expect(text).toContain(`https://warnung.bund.de/meldungen/${STORM.id}/`);
    expect(draft?.category).toBe("krise");
    expect(JSON.stringify(cardOf("W-0001").blocks)).toContain("Weitergegeben als A-0001 von Anna");
    expect(buttonsOf(cardOf("W-0001"))).toEqual([]);
    await approve("A-0001");
    expect(bot.outlet.published.map((p) => p.post.announcementId)).toEqual(["A-0001"]);

    // Restart: the same store, a new process (with its own fake outlet); the dashboard unchanged.
    const publishedBefore = bot.outlet.published.map((p) => p.post.announcementId);
    await bot.stop();
    bot = await start();
    await poll();
    expect(warningCards().map(cardHandle)).toEqual(["W-0001"]);

    nina.update(ARS, STORM.id, { instruction: `${INSTRUCTION} Bäume meiden.` });
    await poll();
    const updated = cardOf("W-0001");
    expect(buttonsOf(updated).map((b) => b.text.text)).toEqual(["🔄 Update weitergeben", "Ignorieren"]);
    expect(thread(updated).join("\n")).toContain("W-0001 wurde vom Absender aktualisiert");
    await click(U.anna, updated, WARNING_ACTIONS.relay);
    const update = await bot.service.get("A-0002");
    expect(update?.incident).toEqual({ root: "A-0001", kind: "update" });
    expect(update?.versions[0]?.content.text).toContain("Bäume meiden.");
    await approve("A-0002");

    nina.remove(ARS, STORM.id);
    await poll();
    await poll();
    const ended = cardOf("W-0001");
    expect(buttonsOf(ended).map((b) => b.text.text)).toEqual(["✅ Entwarnung weitergeben", "Ignorieren"]);
    await click(U.anna, ended, WARNING_ACTIONS.relay);
    expect((await bot.service.get("A-0003"))?.incident).toEqual({ root: "A-0001", kind: "cancel" });
    await approve("A-0003");
    expect([...publishedBefore, ...bot.outlet.published.map((p) => p.post.announcementId)]).toEqual([
      "A-0001",
      "A-0002",
      "A-0003",
    ]);
    expect(warningCards()).toHaveLength(1);
  });

  it("dismiss: recorded with who and when, the card says so, and nothing more is offered", async () => {
    nina.add(ARS, STORM);
    await poll();
    await click(U.anna, cardOf("W-0001"), WARNING_ACTIONS.dismiss);
    await expect.poll(() => hookTexts().join("\n")).toContain("W-0001 ist ignoriert");
    expect(JSON.stringify(cardOf("W-0001").blocks)).toContain("Ignoriert von Anna");
    const before = slack.messages.length;
    nina.update(ARS, STORM.id, { severity: "Extreme" });
    await poll();
    nina.remove(ARS, STORM.id);
    await poll();
    await poll();
    expect(slack.messages.length).toBe(before);
    expect((await bot.watcher?.get("W-0001"))?.decisions).toEqual([
      { action: "dismiss", by: "anna", at: expect.any(String), version: 1 },
    ]);
  });

  it("someone who may not draft is told so, and the card stays open", async () => {
    nina.add(ARS, STORM);
    await poll();
    await click(U.zora, cardOf("W-0001"), WARNING_ACTIONS.relay);
    await expect.poll(() => hookTexts().join("\n")).toContain("nur, wer Meldungen entwerfen darf");
    expect(buttonsOf(cardOf("W-0001"))).toHaveLength(2);
    expect(await bot.service.get("A-0001")).toBeUndefined();
  });

  it("the service down for ten polls: one notice, then one when it is back; the warnings command says so", async () => {
    nina.failNext(10, 503);
    for (let i = 0; i < 10; i += 1) expect(await poll()).toBe("failed");
    expect(roomTexts().filter((t) => t.includes("nicht erreichbar"))).toHaveLength(1);
    nina.add(ARS, { ...STORM, id: "dwd.minor", severity: "Minor", headline: "Glätte" });
    expect(await poll()).toBe("ok");
    await poll();
    expect(roomTexts().filter((t) => t.includes("antwortet wieder"))).toHaveLength(1);
    expect(warningCards()).toEqual([]);
    await slack.envelope(
      "slash_commands",
      slack.payloads.slashCommand({ text: "warnings", user_id: U.ben, channel_id: APPROVALS }),
    );
    await bot.settled();
    await expect
      .poll(() => hookTexts().join("\n"))
      .toContain("W-0001 DWD (Deutscher Wetterdienst), minor: Glätte – Below the threshold");
  });

  it("exercise mode marks the card; crisis mode does not hold it", async () => {
    expect((await bot.service.setMode("carla", "crisis", true)).ok).toBe(true);
    expect((await bot.service.setMode("carla", "exercise", true)).ok).toBe(true);
    nina.add(ARS, STORM);
    await poll();
    expect(JSON.stringify(cardOf("W-0001").blocks)).toContain("🧪 ÜBUNG");
    expect(answersTo(U.anna)).toEqual([]);
  });
});
