import { afterEach, describe, expect, it } from "vitest";
import { findForbidden } from "../../../src/announcement/text-hygiene.ts";
import { FakeHomeserver, type SentEvent } from "../../fakes/fake-homeserver.ts";
import { APPROVAL_ROOM, M, OPS_ROOM, startMatrixBot, type MatrixBot } from "../../fakes/matrix-bot.ts";
import { validateSentContent } from "../../fakes/matrix-spec.ts";

let hs: FakeHomeserver | undefined;
let bot: MatrixBot | undefined;

afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  if (hs) {
    for (const sent of hs.sent)
      expect(validateSentContent(sent.type, sent.content), JSON.stringify(sent.content)).toEqual([]);
  }
  await hs?.stop();
  hs = undefined;
});

async function started(): Promise<{ h: FakeHomeserver; b: MatrixBot }> {
  const h = await FakeHomeserver.start();
  hs = h;
  h.createRoom(APPROVAL_ROOM, { members: Object.values(M) });
  h.createRoom(OPS_ROOM, { members: Object.values(M) });
  const b = await startMatrixBot(h);
  bot = b;
  return { h, b };
}

const repliesTo = (h: FakeHomeserver, eventId: string): SentEvent[] =>
  h.sent.filter(
    (s) =>
      (s.content["m.relates_to"] as { "m.in_reply_to"?: { event_id?: string } } | undefined)?.["m.in_reply_to"]
        ?.event_id === eventId,
  );

describe("Matrix: control characters, bidi overrides, invisible-only text and hidden link targets", () => {
  it.each([
    [
      "an ANSI colour code",
      { body: "!announce Achtung \u001b[31mHauptstraße gesperrt" },
      "das unsichtbare Steuerzeichen U+001B (ESC)",
    ],
    [
      "an RLO never closed, in HTML",
      { body: "!announce Gebühr \u202E0001 €", formattedBody: "!announce <b>Gebühr</b> \u202E0001 €" },
      "das unsichtbare Schreibrichtungszeichen U+202E (RLO)",
    ],
    [
      "zero-width spaces only",
      { body: "!announce \u200B\u200B" },
      "besteht nur aus unsichtbaren Zeichen (z. B. U+200B)",
    ],
    [
      "an anchor whose target is javascript:",
      { body: "!announce Mehr: klick", formattedBody: '!announce Mehr: <a href="javascript:alert(3)">klick</a>' },
      "Der Link „klick“ im Text führt zu „javascript:alert(3)“",
    ],
    [
      "an anchor whose javascript: is split by an encoded tab",
      { body: "!announce klick", formattedBody: '!announce <a href="java&#x09;script:alert(3)">klick</a>' },
      "Der Link „klick“ im Text führt zu",
    ],
  ])("!announce with %s is refused with a friendly reply, nothing stored", async (_what, message, answer) => {
    const { h, b } = await started();
    const opts = "formattedBody" in message ? { formattedBody: message.formattedBody } : {};
    const [command] = h.push(OPS_ROOM, h.message(M.anna, message.body, opts));
    const eventId = command?.event_id ?? "?";
    await expect
      .poll(() => repliesTo(h, eventId).map((s) => String(s.content.body)))
      .toEqual([expect.stringContaining(answer)]);
    await b.settled();
    expect(await b.store.openIds()).toEqual([]);
    expect(h.sent.filter((s) => s.roomId === APPROVAL_ROOM)).toEqual([]);
    for (const s of repliesTo(h, eventId)) {
      expect(findForbidden(String(s.content.body))).toBeUndefined();
      expect(findForbidden(String(s.content.formatted_body))).toBeUndefined();
    }
  });

  it("editing the command message to hide a javascript: link keeps the version it had", async () => {
    const { h, b } = await started();
    const [command] = h.push(OPS_ROOM, h.message(M.anna, "!announce Straßenfest am Samstag"));
    await expect.poll(() => b.store.openIds()).toEqual(["A-0001"]);
    const [edit] = h.push(
      OPS_ROOM,
      h.message(M.anna, "!announce Straßenfest", {
        replaces: command?.event_id ?? "?",
        newFormattedBody: '!announce Straßenfest <a href="data:text/html,x">Anmeldung</a>',
      }),
    );
    await expect
      .poll(() => repliesTo(h, edit?.event_id ?? "?").map((s) => String(s.content.body)))
      .toEqual([expect.stringContaining("Der Link „Anmeldung“ im Text führt zu „data:text/html,x“")]);
    expect((await b.service.get("A-0001"))?.versions).toHaveLength(1);
  });
});
