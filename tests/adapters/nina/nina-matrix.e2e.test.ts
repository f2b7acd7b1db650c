import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AnnouncementId } from "../../../src/announcement/announcement.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { GONE_AFTER_ANSWERS } from "../../../src/warnings/decide.ts";
import { FakeHomeserver, type MatrixEvent, type SentEvent } from "../../fakes/fake-homeserver.ts";
import { FakeNina, type FakeWarning } from "../../fakes/fake-nina.ts";
import { APPROVAL_ROOM, M, OPS_ROOM, startMatrixBot, type MatrixBot } from "../../fakes/matrix-bot.ts";
import { validateSentContent } from "../../fakes/matrix-spec.ts";
import { DISTRICT_ARS, ninaSource, STORM, STORM_INSTRUCTION } from "../../fakes/warnings.ts";

const ARS = DISTRICT_ARS;
const INSTRUCTION = STORM_INSTRUCTION;
const FIRE: Omit<FakeWarning, "version" | "msgType"> = {
  ...STORM,
  id: "mow.DE-NI-VER-W003-20261130-000",
  provider: "MOWAS",
  eventCode: "BBK-EVC-031",
  headline: "Rauchentwicklung nach Großbrand in Achim-Uphusen",
  senderName: "Landkreis Verden",
};

let hs: FakeHomeserver;
let nina: FakeNina;
let store: MemoryStore;
let bot: MatrixBot;

const start = () =>
  startMatrixBot(hs, {
    store,
    nina: { source: ninaSource(nina) },
  });

beforeEach(async () => {
  hs = await FakeHomeserver.start();
  hs.createRoom(APPROVAL_ROOM, { members: Object.values(M) });
  hs.createRoom(OPS_ROOM, { members: Object.values(M) });
  nina = await FakeNina.start();
  store = new MemoryStore();
  bot = await start();
});

afterEach(async () => {
  await bot.stop();
  for (const sent of hs.sent)
    expect(validateSentContent(sent.type, sent.content), JSON.stringify(sent.content)).toEqual([]);
  await hs.stop();
  await nina.stop();
});

const poll = async () => {
  const outcome = await bot.watcher?.poll();
  await bot.settled();
  return outcome;
};

const relation = (s: SentEvent) => s.content["m.relates_to"] as { rel_type?: string; event_id?: string } | undefined;
/** The relay cards posted: top-level messages of the approval room, not edits or replies. */
const cards = () =>
  hs.sent.filter(
    (s) => s.roomId === APPROVAL_ROOM && !relation(s) && String(s.content.body).includes("Amtliche Warnung W-"),
  );
const cardOf = (handle: string): SentEvent => {
  const card = cards().find((s) => String(s.content.body).includes(`Amtliche Warnung ${handle} ·`));
  if (!card) throw new Error(`no card for ${handle}`);
  return card;
};
/** What the card shows now: its last edit, else the card as sent. */
const shown = (handle: string): string => {
  const card = cardOf(handle);
  const edits = hs.sent.filter((s) => relation(s)?.rel_type === "m.replace" && relation(s)?.event_id === card.eventId);
  const last = edits.at(-1)?.content["m.new_content"] as { body?: string } | undefined;
  return last?.body ?? String(card.content.body);
};
const thread = (handle: string) =>
  hs.sent
    .filter((s) => relation(s)?.rel_type === "m.thread" && relation(s)?.event_id === cardOf(handle).eventId)
    .map((s) => String(s.content.body))
    .join("\n");

/** Types `body` in `room` as `user`; resolves with the bot's answer to it. */
async function say(user: string, body: string, room = APPROVAL_ROOM): Promise<string> {
  const [event] = hs.push(room, hs.message(user, body));
  return answerTo(event);
}
async function answerTo(event: MatrixEvent | undefined): Promise<string> {
  const answer = () => hs.sent.find((s) => s.txnId === `amtsbote-reply-${event?.event_id ?? "?"}`);
  await expect.poll(answer).toBeDefined();
  await bot.settled();
  return String(answer()?.content.body);
}

async function approve(id: AnnouncementId): Promise<void> {
  await expect.poll(() => bot.desk.state.post(id)).toBeDefined();
  await bot.settled();
  const preview = await bot.desk.state.post(id);
  hs.push(APPROVAL_ROOM, hs.reaction(M.carla, preview?.id ?? "?", "✅"));
  await expect.poll(async () => (await bot.service.get(id))?.state).toBe("published");
  await bot.settled();
}

describe("official warnings in Matrix with the real matrix-bot-sdk, against a local NINA", () => {
  it("Severe storm → one card → relay → approval → published once; update and all-clear edit the same card and follow in the chain; a restart offers nothing twice", async () => {
    nina.add(ARS, STORM);
    nina.add(ARS, { ...STORM, id: "dwd.minor", severity: "Minor", headline: "Amtliche WARNUNG vor GLÄTTE" });
    expect(await poll()).toBe("ok");
    expect(cards()).toHaveLength(1);
    const card = cardOf("W-0001");
    for (const part of [
      "⚠️ Amtliche Warnung W-0001 · DWD (Deutscher Wetterdienst) · schwer",
      STORM.headline,
      "Gebiet: Landkreis Verden",
      INSTRUCTION,
      `https://warnung.bund.de/meldungen/${STORM.id}/`,
      "Angeboten: weitergeben oder ignorieren?",
      "`!announce relay W-0001` weitergeben · `!announce dismiss W-0001` ignorieren",
    ]) {
      expect(String(card.content.body)).toContain(part);
    }
    expect(card.content).toMatchObject({ msgtype: "m.notice", "m.mentions": {} });
    expect(String(card.content.formatted_body)).toContain("<code>!announce relay W-0001</code>");

    expect(await say(M.anna, "!announce relay W-0001")).toContain(
      "W-0001 ist als A-0001 angelegt und wartet auf Freigabe",
    );
    const text = (await bot.service.get("A-0001"))?.versions[0]?.content.text ?? "";
    expect(text).toContain("Quelle: NINA / DWD (Deutscher Wetterdienst), Deutscher Wetterdienst");
    expect(text).toContain(INSTRUCTION);
    expect(shown("W-0001")).toContain("✅ Weitergegeben als A-0001 von Anna");
    expect(shown("W-0001")).not.toContain("!announce relay");
    expect(thread("W-0001")).toContain("W-0001: ✅ Weitergegeben als A-0001 von Anna");
    await approve("A-0001");
    expect(bot.outlet.published.map((p) => p.post.announcementId)).toEqual(["A-0001"]);

    // Restart: the same store and homeserver, a new bot (with its own fake outlet); the dashboard unchanged.
    const published = bot.outlet.published.map((p) => p.post.announcementId);
    await bot.stop();
    bot = await start();
    const before = hs.sent.length;
    expect(await poll()).toBe("ok");
    expect(hs.sent.length).toBe(before);

    nina.update(ARS, STORM.id, { instruction: `${INSTRUCTION} Bäume meiden.` });
    await poll();
    expect(shown("W-0001")).toContain("neue Fassung (Version 2): Update weitergeben?");
    expect(shown("W-0001")).toContain("`!announce relay W-0001` Update weitergeben");
    expect(thread("W-0001")).toContain("🔄 W-0001 wurde vom Absender aktualisiert.");
    expect(await say(M.anna, "!announce relay W-0001")).toContain("W-0001 ist als A-0002 angelegt");
    const update = await bot.service.get("A-0002");
    expect(update?.incident).toEqual({ root: "A-0001", kind: "update" });
    expect(update?.versions[0]?.content.text).toContain("Bäume meiden.");
    expect(shown("W-0001")).toContain("Weitergegeben als A-0001 (+ A-0002) von Anna");
    await approve("A-0002");

    nina.remove(ARS, STORM.id);
    for (let answer = 1; answer < GONE_AFTER_ANSWERS; answer += 1) await poll();
    expect(shown("W-0001")).not.toContain("Entwarnung");
    await poll();
    expect(shown("W-0001")).toContain("die Warnung ist beendet: Entwarnung weitergeben?");
    expect(shown("W-0001")).toContain("`!announce relay W-0001` Entwarnung weitergeben");
    expect(thread("W-0001")).toContain("✅ W-0001 ist beendet.");
    expect(await say(M.anna, "!announce relay W-0001")).toContain("W-0001 ist als A-0003 angelegt");
    expect((await bot.service.get("A-0003"))?.incident).toEqual({ root: "A-0001", kind: "cancel" });
    await approve("A-0003");
    expect([...published, ...bot.outlet.published.map((p) => p.post.announcementId)]).toEqual([
      "A-0001",
      "A-0002",
      "A-0003",
    ]);
    expect(bot.outlet.published.at(-1)?.post.text).toContain("ist beendet");
    expect(await say(M.anna, "!announce relay W-0001")).toContain("W-0001 ist schon als A-0001 weitergegeben");
    expect(cards()).toHaveLength(1);
  });

  it("dismiss on another warning: the card says who, nothing more is offered for it, the other card stays open", async () => {
    nina.add(ARS, STORM);
    nina.add(ARS, FIRE);
    await poll();
    expect(cards()).toHaveLength(2);
    expect(await say(M.ben, "!announce dismiss W-0002", OPS_ROOM)).toContain("W-0002 is dismissed");
    expect(shown("W-0002")).toContain("🚫 Ignoriert von Ben");
    expect(shown("W-0002")).not.toContain("!announce relay");
    expect(shown("W-0001")).toContain("`!announce relay W-0001` weitergeben");
    const before = hs.sent.length;
    nina.update(ARS, FIRE.id, { severity: "Extreme" });
    await poll();
    nina.remove(ARS, FIRE.id);
    for (let answer = 0; answer < GONE_AFTER_ANSWERS; answer += 1) await poll();
    expect(hs.sent.length).toBe(before);
    expect((await bot.watcher?.get("W-0002"))?.decisions).toEqual([
      { action: "dismiss", by: "ben", at: expect.any(String), version: 1 },
    ]);
    expect(await say(M.anna, "!announce relay W-0002")).toContain("W-0002 ist nicht mehr aktuell");
    expect(cards()).toHaveLength(2);
  });

  it("a card whose note expired is found again by its transaction id, not posted twice; a card never shown is posted as it stands", async () => {
    nina.add(ARS, STORM);
    nina.add(ARS, { ...FIRE, severity: "Minor" });
    await poll();
    expect(cards().map((c) => c.eventId)).toEqual([cardOf("W-0001").eventId]);
    expect(await store.getChatState("warning-card:matrix:W-0001")).toBe(cardOf("W-0001").eventId);
    await store.deleteChatState("warning-card:matrix:W-0001");
    expect(await say(M.anna, "!announce dismiss W-0001")).toContain("W-0001 ist ignoriert");
    expect(cards()).toHaveLength(1);
    expect(shown("W-0001")).toContain("🚫 Ignoriert von Anna");

    expect(await say(M.anna, "!announce dismiss W-0002")).toContain("W-0002 ist ignoriert");
    expect(cards()).toHaveLength(2);
    expect(String(cardOf("W-0002").content.body)).toContain("🚫 Ignoriert von Anna");
    expect(hs.sent.filter((s) => relation(s)?.event_id === cardOf("W-0002").eventId)).toEqual([]);
  });

  it("editing the relay command changes nothing: the draft's text is the official one, not the command", async () => {
    nina.add(ARS, STORM);
    await poll();
    const [command] = hs.push(APPROVAL_ROOM, hs.message(M.anna, "!announce relay W-0001"));
    expect(await answerTo(command)).toContain("W-0001 ist als A-0001 angelegt");
    hs.push(
      APPROVAL_ROOM,
      hs.message(M.anna, "!announce relay W-0001", {
        replaces: command?.event_id ?? "",
        newBody: "!announce relay W-1",
      }),
    );
    // Answered after the edit: the edit was handled by then.
    expect(await say(M.anna, "!announce warnings")).toContain("W-0001");
    const draft = await bot.service.get("A-0001");
    expect(draft?.versions).toHaveLength(1);
    expect(draft?.versions[0]?.content.text).toContain(STORM.headline);
  });

  it("someone who may not draft gets the clear refusal in the room, and the card stays open", async () => {
    nina.add(ARS, STORM);
    await poll();
    const before = shown("W-0001");
    expect(await say(M.zora, "!announce relay W-0001")).toContain("nur, wer Meldungen entwerfen darf");
    expect(shown("W-0001")).toBe(before);
    expect(await bot.service.get("A-0001")).toBeUndefined();
  });
});
