import { describe, expect, it } from "vitest";
import type { CommandOutcome } from "../../commands/input.ts";
import { findForbidden } from "../../src/announcement/text-hygiene.ts";
import type { MediaItem } from "../../src/announcement/announcement.ts";
import { aWorld, say, type World } from "../fakes/world.ts";

const JPEG: MediaItem = { name: "markt.jpg", mimeType: "image/jpeg", bytes: 120_000, sha256: "a".repeat(64) };

/** The refusal's code, after checking its words carry no control character of the input in either language. */
function refusal(o: CommandOutcome): string {
  if (o.kind !== "error") return o.kind;
  expect(findForbidden(o.message.de)).toBeUndefined();
  expect(findForbidden(o.message.en)).toBeUndefined();
  return o.code;
}

async function published(w: World): Promise<void> {
  await say(w, "anna", "Wasserrohrbruch in der Obernstraße. --category krise");
  await say(w, "carla", "approve A-0001");
  await w.outbox.runOnce();
}

describe("every command refuses control and bidi characters, blank text and untrusted links; nothing is stored", () => {
  it.each([
    ["an ANSI colour code", "announce Achtung \u001b[31mrot\u001b[0m", "CONTROL_CHARACTER"],
    ["NUL", "announce Null\u0000byte", "CONTROL_CHARACTER"],
    ["BEL", "Glocke\u0007", "CONTROL_CHARACTER"],
    ["an RLO never closed", "announce Gebühr \u202E0001 €", "BIDI_CONTROL"],
    ["an isolate", "announce a \u2068b\u2069", "BIDI_CONTROL"],
    ["zero-width spaces only", "announce \u200B\u200B\u200B", "EMPTY_TEXT"],
    ["word joiner, BOM and soft hyphen only", "announce \u2060\uFEFF\u00AD", "EMPTY_TEXT"],
    ["a javascript: link", "announce Mehr: javascript:alert(3)", "UNSAFE_LINK"],
    ["a markdown link to javascript:", "announce [klick](javascript:alert(3))", "UNSAFE_LINK"],
    ["a poll question with ESC", 'poll "Wann\u001b[2J?" "Samstag" "Sonntag"', "CONTROL_CHARACTER"],
    ["a poll option with RLO", 'poll "Wann?" "Samstag" "Son\u202Entag"', "BIDI_CONTROL"],
    ["a poll option of invisible characters", 'poll "Wann?" "Samstag" "\u200B"', "POLL_EMPTY_OPTION"],
    ["a poll question of invisible characters", 'poll "\u200B\u200D" "Samstag" "Sonntag"', "POLL_QUESTION_MISSING"],
    ["look-alike poll options", 'poll "Wann?" "Ja" "J\u00ADa"', "POLL_DUPLICATE_OPTION"],
    [
      "a template value with ESC",
      'announce --template wasserrohrbruch street="Ober\u001bstraße" until="18 Uhr"',
      "CONTROL_CHARACTER",
    ],
  ])("%s", async (_what, text, code) => {
    const w = aWorld();
    expect(refusal(await say(w, "anna", text))).toBe(code);
    expect(await w.store.currentSequence("announcement")).toBe(0);
  });

  it("a picture description with a control character, or of invisible characters only", async () => {
    const w = aWorld();
    const described = (alt: string) => say(w, "anna", `announce Markt --alt "${alt}"`, [JPEG]);
    const o = await described("Markt\u009b31mplatz");
    expect(refusal(o)).toBe("CONTROL_CHARACTER");
    expect(o.kind === "error" && o.message.de).toContain("In der Beschreibung von „markt.jpg“");
    expect(refusal(await described("\u200B"))).toBe("EMPTY_DESCRIPTION");
    expect(await w.store.currentSequence("announcement")).toBe(0);
  });

  it("edits keep the version they had", async () => {
    const w = aWorld();
    await say(w, "anna", "Straßenfest am Samstag");
    expect(refusal(await say(w, "anna", "edit A-0001 Fest \u001b[5m"))).toBe("CONTROL_CHARACTER");
    expect(refusal(await say(w, "anna", "edit A-0001 \u200B"))).toBe("EMPTY_TEXT");
    expect((await w.store.get("A-0001"))?.versions).toHaveLength(1);
  });

  it("corrections, updates and all-clears of a published post", async () => {
    const w = aWorld();
    await published(w);
    expect(refusal(await say(w, "anna", "correct A-0001 Rohr\u202Ebruch"))).toBe("BIDI_CONTROL");
    expect(refusal(await say(w, "anna", "update A-0001 \u0007"))).toBe("CONTROL_CHARACTER");
    expect(refusal(await say(w, "anna", "allclear A-0001 \u200B\u200B"))).toBe("EMPTY_TEXT");
    expect(refusal(await say(w, "anna", "update A-0001 Umleitung: file:///c:/plan"))).toBe("UNSAFE_LINK");
    expect((await w.store.get("A-0001"))?.change).toBeUndefined();
    expect(await w.store.currentSequence("announcement")).toBe(1);
    // An all-clear may still come without text of its own.
    expect(refusal(await say(w, "anna", "allclear A-0001"))).toBe("reply");
  });

  it("in exercise mode the mark does not make a blank text count", async () => {
    const w = aWorld();
    await say(w, "carla", "exercise on");
    expect(refusal(await say(w, "anna", "announce \u200B"))).toBe("EMPTY_TEXT");
    expect(await w.store.currentSequence("announcement")).toBe(0);
  });

  it("reasons: a control character is refused, invisible characters only are no reason", async () => {
    const w = aWorld();
    await say(w, "anna", "Straßenfest am Samstag");
    const o = await say(w, "carla", "reject A-0001 zu \u001b[2Jspät");
    expect(refusal(o)).toBe("CONTROL_CHARACTER");
    expect(o.kind === "error" && o.message.de).toContain("Im Grund steht an Stelle 4 das unsichtbare Steuerzeichen");
    expect(refusal(await say(w, "carla", "reject A-0001 \u200B"))).toBe("MISSING_REASON");
    expect(refusal(await say(w, "anna", "withdraw A-0001 \u202Eweg"))).toBe("BIDI_CONTROL");
    expect((await w.store.get("A-0001"))?.state).toBe("pending");

    const live = aWorld();
    await published(live);
    expect(refusal(await say(live, "anna", "retract A-0001 \u2060"))).toBe("MISSING_REASON");
    expect((await live.store.get("A-0001"))?.change).toBeUndefined();
  });

  it("errors that quote the input show its control characters instead of carrying them", async () => {
    const w = aWorld();
    const o = await say(w, "anna", "status \u001b[31mA-1");
    expect(refusal(o)).toBe("INVALID_ID");
    expect(o.kind === "error" && o.message.de).toContain("„⟨U+001B⟩[31mA-1“");
    const typo = await say(w, "anna", "statuss\u0007\u202E A-0001");
    expect(refusal(typo)).toBe("UNKNOWN_COMMAND");
    expect(typo.kind === "error" && typo.message.en).toContain('"statuss⟨U+0007⟩⟨U+202E⟩"');
  });

  it("mailto, tel, https, newlines, tabs, emoji and bidi marks are fine", async () => {
    const w = aWorld();
    const o = await say(
      w,
      "anna",
      "announce Fest 🎉\n\tAnmeldung: mailto:info@achim.de, tel:+495111234, https://achim.de\n\u200Fمرحبا\u200E",
    );
    expect(refusal(o)).toBe("reply");
  });
});
