import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeSlack, type StoredMessage } from "../../fakes/fake-slack.ts";
import { APPROVALS, PRESS_DESK, approvalCard, startSlackBot, U, type SlackBot } from "../../fakes/slack-bot.ts";

let fake: FakeSlack;
let bot: SlackBot;

beforeEach(async () => {
  fake = await FakeSlack.start();
  bot = await startSlackBot(fake);
});

afterEach(async () => {
  await bot.stop();
  expect(fake.unacked()).toEqual([]);
  await fake.stop();
});

const announce = (user: string, text: string, channel = PRESS_DESK) =>
  fake.envelope("slash_commands", fake.payloads.slashCommand({ text, user_id: user, channel_id: channel }));

const cardOf = (id: string): Promise<StoredMessage> => approvalCard(bot, fake, id);

const react = (
  user: string,
  card: StoredMessage,
  reaction: string,
  type: "reaction_added" | "reaction_removed" = "reaction_added",
  eventId?: string,
) =>
  fake.envelope(
    "events_api",
    fake.payloads.reactionEvent({
      type,
      user,
      reaction,
      channel: card.channel,
      ts: card.ts,
      ...(eventId ? { eventId } : {}),
    }),
  );

const click = (user: string, card: StoredMessage, actionId: string, value?: string) => {
  const button = buttonsOf(card).find((b) => b.action_id === actionId);
  return fake.envelope(
    "interactive",
    fake.payloads.blockAction({
      user,
      channel: card.channel,
      messageTs: card.ts,
      actionId,
      value: value ?? button?.value ?? "",
    }),
  );
};

const buttonsOf = (card: StoredMessage): { action_id: string; value: string }[] =>
  ((card.blocks ?? []) as { type: string; elements?: { action_id: string; value: string }[] }[])
    .filter((b) => b.type === "actions")
    .flatMap((b) => b.elements ?? []);

const thread = (card: StoredMessage) => fake.messages.filter((m) => m.thread_ts === card.ts).map((m) => m.text);
const ephemeralsFor = (user: string) => fake.ephemerals.filter((e) => e.user === user).map((e) => e.text);
const hookTexts = () => fake.responses.map((r) => (r.body as { text?: string }).text ?? "");

describe("Slack in Socket Mode against a local Slack", () => {
  it("/announce → card → ✅ by an approver → published once → card updated, thread logs it", async () => {
    expect(
      await announce(
        U.anna,
        "Hauptstraße ab Montag *gesperrt* & Umleitung über <https://achim.de/umleitung|die Karte>",
      ),
    ).toEqual({});
    await expect.poll(hookTexts).toEqual([expect.stringContaining("A-0001")]);
    const card = await cardOf("A-0001");
    expect(card.channel).toBe(APPROVALS);
    expect(JSON.stringify(card.blocks)).toContain(
      "gesperrt* &amp; Umleitung über die Karte: https://achim.de/umleitung",
    );
    expect(buttonsOf(card).map((b) => b.value)).toEqual(["A-0001:1", "A-0001:1", "A-0001:1", "A-0001:1"]);

    await react(U.carla, card, "white_check_mark::skin-tone-2");
    await expect.poll(() => bot.outlet.published.length).toBe(1);
    await expect.poll(async () => (await bot.service.get("A-0001"))?.state).toBe("published");
    const updated = await cardOf("A-0001");
    expect(updated.ts).toBe(card.ts);
    expect(updated.text).toMatch(/veröffentlicht/);
    expect(buttonsOf(updated)).toEqual([]);
    expect(thread(card).join("\n")).toMatch(/freigegeben von Carla|von Carla freigegeben/);
    expect(bot.outlet.published[0]?.post.text).toBe(
      "Hauptstraße ab Montag *gesperrt* & Umleitung über die Karte: https://achim.de/umleitung",
    );
    expect(fake.messages.filter((m) => m.channel === APPROVALS && !m.thread_ts)).toHaveLength(1);
    expect(fake.messages.some((m) => m.channel === PRESS_DESK && m.text.includes(`<@${U.anna}>`))).toBe(false);
    expect(fake.dmMessages(U.anna).map((m) => m.text)).toEqual([
      expect.stringMatching(/A-0001 wurde von Carla freigegeben/),
      expect.stringMatching(/A-0001 ist veröffentlicht/),
    ]);
  });

  it("the card shows plain-language hints and warns of a picture without a description", async () => {
    await announce(
      U.anna,
      "Aufgrund der umfangreichen Sanierungsarbeiten an der Wasserleitung in der Hauptstraße wird die Straße ab Montag bis voraussichtlich Freitag zwischen der Bergstraße und dem Marktplatz für den gesamten Durchgangsverkehr voll gesperrt.",
    );
    const card = JSON.stringify((await cardOf("A-0001")).blocks);
    expect(card).toContain("💡 Hinweise:");
    expect(card).toMatch(/Satz mit \d+ Wörtern/);
    const drafted = await bot.service.draft("anna", {
      content: {
        text: "Neue Ampel am Markt.",
        media: [{ name: "ampel.jpg", mimeType: "image/jpeg", bytes: 1000, sha256: "f".repeat(64) }],
      },
      withoutDescription: true,
      origin: { platform: "slack", room: PRESS_DESK },
    });
    expect(drafted.ok).toBe(true);
    expect(JSON.stringify((await cardOf("A-0002")).blocks)).toContain("⚠️ Bild ohne Beschreibung");
  });

  it("refuses self-approval and non-approvers privately and changes nothing", async () => {
    await announce(U.carla, "Carlas eigene Meldung");
    const card = await cardOf("A-0001");
    await react(U.carla, card, "white_check_mark");
    await expect.poll(() => ephemeralsFor(U.carla)).toEqual([expect.stringMatching(/eigene|own/i)]);
    await click(U.zora, card, "amtsbote_approve");
    await expect.poll(() => fake.responses.length).toBe(2);
    expect(hookTexts()[1]).toMatch(/⚠️/);
    await click(U.anna, card, "amtsbote_reject");
    await expect.poll(() => fake.responses.length).toBe(3);
    expect(fake.views).toEqual([]);
    const a = await bot.service.get("A-0001");
    expect(a?.approvals).toEqual([]);
    expect(a?.state).toBe("pending");
    expect(bot.outlet.published).toEqual([]);
  });

  it("an edit voids approvals; a click on the stale card is refused; the card shows the new version", async () => {
    await announce(U.anna, "Erster Text --category baustelle");
    const card = await cardOf("A-0001");
    await click(U.carla, card, "amtsbote_approve");
    await expect.poll(async () => (await bot.service.get("A-0001"))?.approvals.length).toBe(1);
    expect((await bot.service.get("A-0001"))?.approvals[0]?.via).toBe("button");
    await announce(U.anna, "edit A-0001 Zweiter Text");
    await expect.poll(async () => JSON.stringify((await cardOf("A-0001")).blocks)).toContain("Zweiter Text");
    expect(buttonsOf(await cardOf("A-0001"))[0]?.value).toBe("A-0001:2");
    expect((await cardOf("A-0001")).text).toContain("Fassung 2");
    await click(U.dieter, card, "amtsbote_approve", "A-0001:1");
    await expect.poll(() => hookTexts().at(-1)).toMatch(/Fassung|version/);
    const a = await bot.service.get("A-0001");
    expect(a?.approvals.filter((x) => x.versionHash === a.versions[1]?.hash)).toEqual([]);
    expect(bot.outlet.published).toEqual([]);
  });

  it("reject asks for the reason in a form; an empty reason is refused in the form; the author hears why", async () => {
    await announce(U.anna, "Bitte ablehnen");
    const card = await cardOf("A-0001");
    await click(U.carla, card, "amtsbote_reject");
    await expect.poll(() => fake.views.length).toBe(1);
    const view = fake.views[0]?.view as { id: string; private_metadata: string; callback_id: string };
    expect(view.callback_id).toBe("amtsbote_reject_reason");
    const submit = (reason: string) =>
      fake.submitView(U.carla, view, { reason: { reason: { type: "plain_text_input", value: reason } } });
    expect(await submit("  ")).toMatchObject({ response_action: "errors", errors: { reason: expect.any(String) } });
    expect((await bot.service.get("A-0001"))?.state).toBe("pending");
    expect(await submit("Falsche Straße")).toEqual({});
    await expect.poll(async () => (await bot.service.get("A-0001"))?.state).toBe("rejected");
    await bot.settled();
    expect(fake.messages.some((m) => m.channel === PRESS_DESK && m.text.includes("Falsche Straße"))).toBe(false);
    expect(fake.dmMessages(U.anna).map((m) => m.text)).toEqual([expect.stringContaining("Grund: Falsche Straße")]);
    expect(thread(card).join("\n")).not.toContain("Falsche Straße");
    expect(buttonsOf(await cardOf("A-0001"))).toEqual([]);
  });

  it("quorum 2: each ✅ and each ✅ taken back shows on the card and in its thread; a redelivered event counts once", async () => {
    await announce(U.anna, "Zwei Freigaben nötig --category baustelle");
    const card = await cardOf("A-0001");
    expect(JSON.stringify(card.blocks)).toContain("Freigaben: 0/2");
    await react(U.carla, card, "white_check_mark", "reaction_added", "Ev0SAME");
    await expect.poll(async () => JSON.stringify((await cardOf("A-0001")).blocks)).toContain("Freigaben: 1/2 (Carla)");
    await expect.poll(() => thread(card)).toEqual([expect.stringContaining("Carla hat A-0001 freigegeben")]);
    await fake.envelope(
      "events_api",
      fake.payloads.reactionEvent({
        type: "reaction_added",
        user: U.carla,
        reaction: "white_check_mark",
        channel: card.channel,
        ts: card.ts,
        eventId: "Ev0SAME",
      }),
      { retryAttempt: 1, retryReason: "timeout" },
    );
    await react(U.carla, card, "white_check_mark", "reaction_removed");
    await expect.poll(async () => (await bot.service.get("A-0001"))?.approvals.length).toBe(0);
    await bot.settled();
    expect(JSON.stringify((await cardOf("A-0001")).blocks)).toContain("Freigaben: 0/2");
    expect(thread(card)).toEqual([
      expect.stringContaining("Carla hat A-0001 freigegeben"),
      expect.stringContaining("Carla hat die Freigabe für A-0001 zurückgenommen"),
    ]);
    expect(ephemeralsFor(U.carla)).toEqual([]);
    await react(U.carla, card, "white_check_mark");
    await react(U.dieter, card, "heavy_check_mark");
    await expect.poll(() => bot.outlet.published.length).toBe(1);
    await bot.settled();
    expect(bot.outlet.published).toHaveLength(1);
    await expect.poll(async () => (await bot.service.get("A-0001"))?.state).toBe("published");
    await bot.settled();
    const final = JSON.stringify((await cardOf("A-0001")).blocks);
    expect(final).toContain("Freigaben: 2/2 (Carla, Dieter)");
    expect(final).toContain("→ WhatsApp: veröffentlicht");
  });

  it("/announce alone opens the compose form; its submission drafts, and bad fields are named in the form", async () => {
    expect(await announce(U.ben, "")).toEqual({});
    await expect.poll(() => fake.views.length).toBe(1);
    const view = fake.views[0]?.view as { id: string; private_metadata: string; callback_id: string };
    expect(view.callback_id).toBe("amtsbote_compose");
    const submit = (values: Record<string, Record<string, unknown>>) => fake.submitView(U.ben, view, values);
    expect(
      await submit({ poll_question: { poll_question: { type: "plain_text_input", value: "Wann?" } } }),
    ).toMatchObject({
      response_action: "errors",
      errors: { poll_options: expect.stringContaining("2 to 12") },
    });
    expect(await bot.store.openIds()).toEqual([]);
    const ack = await submit({
      text: { text: { type: "plain_text_input", value: "Laternenumzug --urgent ist Text" } },
      category: { category: { type: "static_select", selected_option: { value: "baustelle" } } },
    });
    expect(ack).toEqual({});
    await expect.poll(() => bot.store.openIds()).toEqual(["A-0001"]);
    const a = await bot.service.get("A-0001");
    expect(a).toMatchObject({
      author: "ben",
      category: "baustelle",
      urgent: false,
      origin: { platform: "slack", room: PRESS_DESK },
    });
    expect(a?.versions[0]?.content.text).toBe("Laternenumzug --urgent ist Text");
    await expect.poll(() => ephemeralsFor(U.ben)).toEqual([expect.stringContaining("A-0001")]);
  });

  it("the message shortcut proposes a thread reply as a draft, anchored in that thread", async () => {
    const message = {
      user: U.zora,
      ts: "1760000100.000200",
      thread_ts: "1760000000.000100",
      text: "Stromausfall in &lt;Uphusen&gt;, <@U0ZORA> meldet",
    };
    await fake.envelope(
      "interactive",
      fake.payloads.messageAction({ user: U.anna, channel: PRESS_DESK, message, callbackId: "propose_announcement" }),
    );
    await expect.poll(() => fake.views.length).toBe(1);
    const view = fake.views[0]?.view as {
      id: string;
      private_metadata: string;
      callback_id: string;
      blocks: unknown[];
    };
    expect(JSON.stringify(view.blocks)).toContain("Stromausfall in <Uphusen>");
    await fake.submitView(U.anna, view, {
      text: { text: { type: "plain_text_input", value: "Stromausfall in <Uphusen>" } },
    });
    await expect
      .poll(async () => (await bot.service.get("A-0001"))?.origin)
      .toEqual({
        platform: "slack",
        room: PRESS_DESK,
        thread: "1760000000.000100",
      });
  });

  it("a dropped socket in the middle: Bolt reconnects and nothing is lost", async () => {
    await announce(U.anna, "Vor dem Abriss");
    const card = await cardOf("A-0001");
    fake.dropSocket();
    await fake.waitForConnections(2);
    await react(U.carla, card, "white_check_mark");
    await expect.poll(() => bot.outlet.published.length).toBe(1);
    await announce(U.anna, "Nach dem Abriss");
    await cardOf("A-0002");
    fake.requestRefresh();
    await fake.waitForConnections(3);
    await react(U.dieter, await cardOf("A-0002"), "heavy_check_mark");
    await expect.poll(() => bot.outlet.published.map((p) => p.post.announcementId)).toEqual(["A-0001", "A-0002"]);
  });
});
