import { describe, expect, it } from "vitest";
import { cardBlocks } from "../../adapters/slack/blocks.ts";
import { MatrixSurface } from "../../adapters/matrix/matrix-surface.ts";
import type { CommandOutcome } from "../../commands/input.ts";
import { errorText, type Localized } from "../../commands/messages.ts";
import { renderNotice } from "../../commands/notices.ts";
import { MemoryStore } from "../../src/memory/memory-store.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import { aWorld, origin, say, type World } from "../fakes/world.ts";

/** Saturday 24 October 2026, 12:00 in Berlin (CEST); the clocks go back tonight. */
const SATURDAY_NOON = Date.parse("2026-10-24T10:00:00Z");

function world(): World {
  const w = aWorld();
  w.clock.advance(SATURDAY_NOON - w.clock.now().getTime());
  return w;
}

function message(o: CommandOutcome): Localized {
  if (o.kind !== "reply" && o.kind !== "error") throw new Error(`no message: ${o.kind}`);
  return o.message;
}

/** No ISO instant and no UTC `Z` time anywhere a person reads. */
function expectNoUtc(text: string): void {
  expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  expect(text).not.toMatch(/\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z/);
}

describe("times a person reads are local (the policy's zone), in one format", () => {
  it("crisis status says since when in local time, and by whom", async () => {
    const w = world();
    await say(w, "dieter", "crisis on");
    const de = message(await say(w, "anna", "crisis status"));
    expect(de.de).toBe("Krisenmodus ist AN (seit Sa, 24.10.2026, 12:00, Dieter).");
    expect(de.en).toBe("Crisis mode is ON (since Sat 24 Oct 2026, 12:00, Dieter).");
    expectNoUtc(de.de);
    expectNoUtc(de.en);
  });

  it("exercise status too", async () => {
    const w = world();
    await w.store.putSetting("mode:exercise", { on: true, by: "erik", at: "2026-10-25T01:30:00.000Z" });
    const o = message(await say(w, "anna", "exercise status"));
    expect(o.de).toBe("Übungsmodus ist AN (seit So, 25.10.2026, 02:30 (UTC+1), Erik).");
  });

  it("a --at draft, its status, the list, the approval and the history show the wall time", async () => {
    const w = world();
    const drafted = message(await say(w, "anna", 'Laternenumzug --at "morgen 02:30" --expires "morgen 18:00"'));
    expect(drafted.de).toContain("Geplant für So, 25.10.2026, 02:30 (UTC+2)");
    expect(drafted.de).toContain("Gilt bis So, 25.10.2026, 18:00");
    expect(drafted.de).toContain("zweimal; es gilt die erste");
    expect(drafted.en).toContain("Scheduled for Sun 25 Oct 2026, 02:30 (UTC+2)");
    expect(drafted.en).toContain("the first one counts");

    const status = message(await say(w, "anna", "status A-0001"));
    expect(status.de).toContain("Freigabe bis So, 25.10.2026, 02:30 (UTC+2)");
    expect(status.en).toContain("Valid until Sun 25 Oct 2026, 18:00");
    const list = message(await say(w, "anna", "list"));
    expect(list.de).toContain("geplant für So, 25.10.2026, 02:30 (UTC+2)");

    const approved = message(await say(w, "carla", "approve A-0001"));
    expect(approved.de).toBe("A-0001 ist freigegeben und für So, 25.10.2026, 02:30 (UTC+2) eingeplant.");
    const notice = w.notices.notices.find((n) => n.kind === "approved");
    if (!notice) throw new Error("no approved notice");
    const [toApprovers] = renderNotice(w.policy, notice);
    expect(toApprovers?.message.en).toBe(
      "✅ A-0001 was approved by Carla and goes out on Sun 25 Oct 2026, 02:30 (UTC+2).",
    );

    const history = message(await say(w, "anna", "history A-0001"));
    expect(history.de.split("\n")[1]).toMatch(/^Sa, 24\.10\.2026, 12:00 A-0001 v1 /);
    for (const text of [drafted, status, list, approved, history].flatMap((m) => [m.de, m.en])) expectNoUtc(text);
  });

  it("a time in the repeated hour typed after the first pass is already past, and says which 02:45 it was", async () => {
    const w = world();
    w.clock.advance(Date.parse("2026-10-25T01:40:00Z") - w.clock.now().getTime()); // 02:40 CET, the second pass
    const o = message(await say(w, "anna", 'Text --at "02:45"'));
    expect(o.de).toBe("Der Zeitpunkt „02:45“ (So, 25.10.2026, 02:45 (UTC+2)) liegt in der Vergangenheit.");
  });

  it("refuses a time the clocks skip, saying from when to when they jump", async () => {
    const w = world();
    const o = await say(w, "anna", 'Text --at "2027-03-28 02:30"');
    expect(o.kind === "error" && o.code).toBe("DATE_DOES_NOT_EXIST");
    expect(message(o).de).toBe(
      "„2027-03-28 02:30“ gibt es nicht: Bei der Zeitumstellung springen die Uhren an diesem Tag von 02:00 auf 03:00 Uhr. Bitte eine Uhrzeit vor 02:00 oder ab 03:00 wählen.",
    );
    expect(message(o).en).toContain("the clocks jump from 02:00 to 03:00");
  });

  it("a past or too distant time from the service is shown in local time", async () => {
    const w = world();
    const past = await w.service.draft("anna", {
      content: { text: "Text", media: [] },
      origin,
      publishAt: new Date("2026-10-24T09:00:00Z"),
    });
    if (past.ok) throw new Error("accepted a past time");
    const far = message(await say(w, "anna", 'Text --at "2028-01-01 10:00"'));
    expect(far.de).toBe("Der Zeitpunkt Sa, 01.01.2028, 10:00 liegt mehr als ein Jahr in der Zukunft.");
    expect(far.en).toBe("The time Sat 1 Jan 2028, 10:00 is more than a year ahead.");
    expect(errorText(past.error).en).toBe("The time Sat 24 Oct 2026, 11:00 is in the past.");
  });

  it("the Slack card and the Matrix preview show the scheduled time and the approval deadline", async () => {
    const w = world();
    await say(w, "anna", 'Laternenumzug --at "2026-10-31 17:00"');
    const a = await w.service.get("A-0001");
    if (!a) throw new Error("not drafted");
    const card = JSON.stringify(cardBlocks(w.policy, a, "de").blocks);
    expect(card).toContain("Geplant für Sa, 31.10.2026, 17:00");
    expect(card).toContain("Freigabe bis Mo, 26.10.2026, 12:00");
    expectNoUtc(card);

    const surface = new MatrixSurface({
      sender: { send: async () => "$unused" } as never,
      client: { doRequest: async () => ({}) },
      state: new MemoryStore(),
      policy: w.policy,
      approvalRoom: "!approvals:achim.de",
      log: silentLogger,
    });
    const preview = surface.previewContent(a);
    expect(preview.body).toContain("Geplant für Sa, 31.10.2026, 17:00");
    expect(preview.formatted_body).toContain("Freigabe bis Mo, 26.10.2026, 12:00");
    expectNoUtc(JSON.stringify(preview));
  });
});
