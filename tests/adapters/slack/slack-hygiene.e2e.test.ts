import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findForbidden } from "../../../src/announcement/text-hygiene.ts";
import { FakeSlack } from "../../fakes/fake-slack.ts";
import { APPROVALS, PRESS_DESK, startSlackBot, U, type SlackBot } from "../../fakes/slack-bot.ts";

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

const announce = (text: string) =>
  fake.envelope("slash_commands", fake.payloads.slashCommand({ text, user_id: U.anna, channel_id: PRESS_DESK }));
const hookTexts = () => fake.responses.map((r) => (r.body as { text?: string }).text ?? "");
const privateTexts = () => [
  ...fake.ephemerals.filter((e) => e.user === U.anna).map((e) => e.text),
  ...fake.dmMessages(U.anna).map((m) => m.text),
];

/** Nothing drafted, no card, and no answer carries a control character back into Slack. */
async function nothingStored(): Promise<void> {
  await bot.settled();
  expect(await bot.store.openIds()).toEqual([]);
  expect(fake.messages.filter((m) => m.channel === APPROVALS)).toEqual([]);
  for (const text of [...hookTexts(), ...privateTexts()]) expect(findForbidden(text), text).toBeUndefined();
}

describe("Slack: control characters, bidi overrides, invisible-only text and hidden link targets", () => {
  it.each([
    ["an ANSI colour code", "Achtung \u001b[31mHauptstraße gesperrt", "das unsichtbare Steuerzeichen U+001B (ESC)"],
    ["an RLO never closed", "Gebühr \u202E0001 €", "das unsichtbare Schreibrichtungszeichen U+202E (RLO)"],
    ["zero-width spaces only", "\u200B\u200B\u200B", "Der Text besteht nur aus unsichtbaren Zeichen (z. B. U+200B)"],
    [
      "a link whose target is javascript:",
      "Mehr Infos <javascript:alert(3)|klick>",
      "Der Link „klick“ im Text führt zu „javascript:alert(3)“",
    ],
  ])("/announce with %s is refused with a friendly answer", async (_what, text, answer) => {
    expect(await announce(text)).toEqual({});
    await expect.poll(hookTexts).toEqual([expect.stringContaining(answer)]);
    await nothingStored();
  });

  it("the compose form: a control character in the text or a bidi override in a poll option is refused", async () => {
    expect(await announce("")).toEqual({});
    await expect.poll(() => fake.views.length).toBe(1);
    const view = fake.views[0]?.view as { id: string; private_metadata: string; callback_id: string };
    await fake.submitView(U.anna, view, {
      text: { text: { type: "plain_text_input", value: "Läuten\u0007 um acht" } },
    });
    await expect
      .poll(privateTexts)
      .toEqual([expect.stringContaining("Im Text steht an Stelle 7 das unsichtbare Steuerzeichen U+0007 (BEL)")]);
    // The typed text is given back, its control character shown.
    expect(privateTexts()[0]).toContain("Läuten⟨U+0007⟩ um acht");
    await fake.submitView(U.anna, view, {
      poll_question: { poll_question: { type: "plain_text_input", value: "Wann?" } },
      poll_options: { poll_options: { type: "plain_text_input", value: "Samstag\nSonn\u202Etag" } },
    });
    await expect.poll(() => privateTexts().length).toBe(2);
    expect(privateTexts()[1]).toContain("In Antwort 2 der Umfrage steht an Stelle 5");
    await nothingStored();
  });

  it("the message shortcut does not open the form for a message hiding a javascript: link", async () => {
    const message = { user: U.zora, ts: "1760000100.000200", text: "Hier <javascript:alert(3)|klicken>" };
    await fake.envelope(
      "interactive",
      fake.payloads.messageAction({ user: U.anna, channel: PRESS_DESK, message, callbackId: "propose_announcement" }),
    );
    await expect.poll(privateTexts).toEqual([expect.stringContaining("Der Link „klicken“ im Text führt zu")]);
    expect(fake.views).toEqual([]);
    await nothingStored();
  });
});
