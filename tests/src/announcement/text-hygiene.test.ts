import { describe, expect, it } from "vitest";
import {
  checkCharacters,
  checkLinksIn,
  checkLinkTarget,
  checkReason,
  findForbidden,
  firstInvisible,
  isBlank,
  revealInvisible,
  visibleKey,
} from "../../../src/announcement/text-hygiene.ts";

const range = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i));

/** Every character the hygiene refuses. */
const REFUSED = [
  ...range(0x00, 0x08),
  ...range(0x0b, 0x1f),
  ...range(0x7f, 0x9f),
  ...range(0x202a, 0x202e),
  ...range(0x2066, 0x206f),
  ...range(0xfff9, 0xfffb),
  "\u{E0001}",
  ...range(0xe0020, 0xe007f),
];
const BIDI = [...range(0x202a, 0x202e), ...range(0x2066, 0x2069)];
/** Scotland's flag: U+1F3F4, tag letters, cancel tag. */
const FLAG = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";

describe("findForbidden: control and bidi characters", () => {
  it("finds ESC of an ANSI colour code with its code, name, position and surroundings shown", () => {
    expect(findForbidden("Achtung \u001b[31mrot")).toEqual({
      kind: "control",
      code: "U+001B",
      name: "ESC",
      position: 9,
      near: "Achtung ⟨U+001B⟩[31mrot",
    });
  });

  it("names NUL, BEL, DEL, CR and C1 characters", () => {
    expect(findForbidden("a\u0000")?.name).toBe("NUL");
    expect(findForbidden("a\u0007")?.name).toBe("BEL");
    expect(findForbidden("a\u007f")?.name).toBe("DEL");
    expect(findForbidden("a\rb")?.name).toBe("CR");
    expect(findForbidden("a\u0085")?.name).toBe("NEL");
    expect(findForbidden("a\u009b31m")?.name).toBe("CSI");
  });

  it("refuses every C0/C1 control but newline and tab, DEL, hidden format controls and stray tag characters", () => {
    for (const char of REFUSED) expect(findForbidden(`x${char}y`), char.codePointAt(0)?.toString(16)).toBeDefined();
    expect(findForbidden("Zeile 1\nZeile 2\twie getippt")).toBeUndefined();
  });

  it("calls the embeddings, overrides and isolates bidi, the rest control", () => {
    for (const char of REFUSED) {
      expect(findForbidden(char)?.kind).toBe(BIDI.includes(char) ? "bidi" : "control");
    }
    expect(findForbidden("\u202Eabc")).toMatchObject({ kind: "bidi", code: "U+202E", name: "RLO", position: 1 });
    expect(findForbidden("x\u2066y")).toMatchObject({ kind: "bidi", name: "LRI" });
  });

  it("allows the bidi marks LRM, RLM and ALM, which mixed Arabic or Hebrew and Latin text needs", () => {
    expect(findForbidden("Rathaus \u200Fمرحبا\u200E 10:00 \u061C")).toBeUndefined();
  });

  it("allows an emoji flag sequence, but a tag character outside one is hidden text", () => {
    expect(findForbidden(`Schottland ${FLAG}`)).toBeUndefined();
    expect(findForbidden("ok\u{E0041}\u{E0042}")).toMatchObject({ code: "U+E0041", name: "TAG", position: 3 });
    expect(findForbidden(`${FLAG}\u{E0041}`)).toMatchObject({ code: "U+E0041", position: 8 });
  });

  it("counts the position in code points and cuts the surroundings short", () => {
    const found = findForbidden(`😀😀 ${"x".repeat(30)}\u0007${"y".repeat(30)}`);
    expect(found?.position).toBe(34);
    expect(found?.near).toBe(`${"x".repeat(12)}⟨U+0007⟩${"y".repeat(12)}`);
  });
});

describe("revealInvisible", () => {
  it("shows each refused character as ⟨U+…⟩ and leaves everything else as it is", () => {
    expect(revealInvisible("\u001b[31mrot\u001b[0m \u202Etxt")).toBe("⟨U+001B⟩[31mrot⟨U+001B⟩[0m ⟨U+202E⟩txt");
    const plain = `Straße ✅ 👩‍👩‍👧 ${FLAG} \u200F\nZeile\t2`;
    expect(revealInvisible(plain)).toBe(plain);
  });

  it("leaves none of the refused characters behind", () => {
    const all = REFUSED.join("");
    const shown = revealInvisible(all);
    expect(findForbidden(shown)).toBeUndefined();
    expect(shown.match(/⟨U\+[0-9A-F]{4,5}⟩/g)).toHaveLength(REFUSED.length);
  });
});

describe("isBlank: nothing a reader could see", () => {
  it.each([
    ["empty", ""],
    ["spaces and line breaks", " \n\t "],
    ["zero-width space", "\u200B"],
    ["ZWNJ, ZWJ, word joiner, BOM, soft hyphen", "\u200C\u200D\u2060\uFEFF\u00AD"],
    ["no-break and ideographic spaces", "\u00A0\u3000"],
    ["combining grapheme joiner, Mongolian vowel separator, Hangul filler", "\u034F\u180E\u3164"],
    ["variation selectors", "\uFE0F\u{E0100}"],
    ["bidi marks", "\u200E\u200F\u061C"],
    ["Braille blank", "\u2800"],
  ])("%s", (_what, text) => {
    expect(isBlank(text)).toBe(true);
  });

  it("a single visible character is enough", () => {
    expect(isBlank("\u200B.\u200B")).toBe(false);
    expect(isBlank("👍")).toBe(false);
    expect(isBlank("مرحبا")).toBe(false);
  });

  it("names the first invisible character that is not white space", () => {
    expect(firstInvisible(" \u200B\u00AD")).toBe("U+200B");
    expect(firstInvisible("   ")).toBeUndefined();
  });
});

describe("visibleKey: texts that look alike compare alike", () => {
  it("ignores invisible characters, case and the composition of accents", () => {
    expect(visibleKey("Ja")).toBe(visibleKey("J\u00ADa\u200B"));
    expect(visibleKey("Café")).toBe(visibleKey("cafe\u0301"));
    expect(visibleKey(" Zwei  Wörter ")).toBe(visibleKey("zwei\u00A0wörter"));
    expect(visibleKey("Ja")).not.toBe(visibleKey("Nein"));
    expect(visibleKey("\u200B")).toBe("");
  });
});

describe("checkCharacters", () => {
  it("says what and where: the field and, for a poll option, its number", () => {
    expect(checkCharacters("Ja\u0007", { field: "pollOption", number: 2 })).toEqual({
      ok: false,
      error: {
        code: "CONTROL_CHARACTER",
        params: { field: "pollOption", number: 2, code: "U+0007", name: "BEL", position: 3, near: "Ja⟨U+0007⟩" },
      },
    });
    expect(checkCharacters("\u202Etxt.exe", { field: "description", file: "plan.jpg" })).toMatchObject({
      error: { code: "BIDI_CONTROL", params: { field: "description", file: "plan.jpg", code: "U+202E" } },
    });
    expect(checkCharacters("alles gut", { field: "text" })).toEqual({ ok: true, value: undefined });
  });
});

describe("checkLinkTarget: https, mailto and tel only", () => {
  const text = { field: "text" } as const;

  it.each(["https://achim.de", "HTTPS://achim.de/a?b=1&c=2#d", "mailto:info@achim.de", "tel:+495111234"])(
    "%s passes",
    (url) => {
      expect(checkLinkTarget(url, text).ok).toBe(true);
    },
  );

  it("http is insecure", () => {
    expect(checkLinkTarget("http://achim.de", text)).toEqual({
      ok: false,
      error: { code: "INSECURE_LINK", params: { url: "http://achim.de" } },
    });
  });

  it.each([
    "javascript:alert(3)",
    "JavaScript:alert(3)",
    "data:text/html,<b>x</b>",
    "file:///etc/passwd",
    "vbscript:msgbox",
    "ftp://achim.de/plan.pdf",
    "intent://scan#Intent;end",
    "/relativ",
    "#anker",
    "achim.de",
    "https://",
    "https://achim.de/\u202Eexe",
    "java\tscript:alert(3)",
    "http://achim.de/\u0000",
  ])("%j is refused", (url) => {
    const checked = checkLinkTarget(url, text, "klick");
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.error).toEqual({
        code: "UNSAFE_LINK",
        params: { field: "text", url: url.trim(), label: "klick" },
      });
    }
  });

  it("names the label only when it differs from the target", () => {
    expect(checkLinkTarget("javascript:x", text, "javascript:x")).toEqual({
      ok: false,
      error: { code: "UNSAFE_LINK", params: { field: "text", url: "javascript:x" } },
    });
  });
});

describe("checkLinksIn: link targets in plain text", () => {
  const where = { field: "pollQuestion" } as const;

  it("refuses scheme:// targets other than https, and scripting or embedding schemes", () => {
    expect(checkLinksIn("Klick javascript:alert(3) hier", where)).toMatchObject({
      error: { code: "UNSAFE_LINK", params: { field: "pollQuestion", url: "javascript:alert(3)" } },
    });
    expect(checkLinksIn("https://achim.de und ftp://achim.de/x", where)).toMatchObject({
      error: { code: "UNSAFE_LINK", params: { url: "ftp://achim.de/x" } },
    });
    expect(checkLinksIn("Bild: data:image/png;base64,AAAA", where)).toMatchObject({ error: { code: "UNSAFE_LINK" } });
    expect(checkLinksIn("siehe HTTP://achim.de", where)).toMatchObject({ error: { code: "INSECURE_LINK" } });
  });

  it("leaves ordinary text alone", () => {
    for (const text of [
      "Uhrzeit: 10:30",
      "JavaScript: ein Kurs der VHS",
      "Metadata:xyz",
      "Daten: siehe https://achim.de/daten",
      "Mail an mailto:info@achim.de",
      "https://achim.de\u200F مرحبا",
    ]) {
      expect(checkLinksIn(text, where), text).toEqual({ ok: true, value: undefined });
    }
  });
});

describe("checkReason", () => {
  it("a reason of invisible characters only is missing; one with a control character is refused", () => {
    expect(checkReason("\u200B\u2060", { id: "A-0001", action: "reject" })).toEqual({
      ok: false,
      error: { code: "MISSING_REASON", params: { id: "A-0001", action: "reject" } },
    });
    expect(checkReason("zu \u001b[2Jspät", { id: "A-0001", action: "withdraw" })).toMatchObject({
      error: { code: "CONTROL_CHARACTER", params: { field: "reason", code: "U+001B" } },
    });
    expect(checkReason("Notiz \u202E", { id: "A-0001", action: "flag" })).toMatchObject({
      error: { code: "BIDI_CONTROL", params: { field: "note" } },
    });
    expect(checkReason("Tippfehler im Datum", { id: "A-0001", action: "retract" }).ok).toBe(true);
  });
});
