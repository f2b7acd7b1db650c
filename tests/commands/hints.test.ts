import { describe, expect, it } from "vitest";
import { fleschLabel, hintLines, hintsFor, hintTexts, scoreLine } from "../../commands/hints.ts";
import { analyse, DEFAULT_READABILITY } from "../../src/readability/index.ts";

const OFFICIALESE =
  "Die Stadtverwaltung bittet alle Anwohnerinnen und Anwohner um Verständnis für die Einschränkungen während der Bauarbeiten.";

describe("score line", () => {
  it("German with a decimal comma, English with a point", () => {
    // FRE 28.5 → 29 (rounded, "sehr schwer" below 30); WSTF 14.1177 → 14,1
    const r = analyse(OFFICIALESE);
    expect(scoreLine(r)).toEqual({
      de: "Lesbarkeit: Flesch 29 (sehr schwer) · Wiener Sachtextformel 14,1",
      en: "Readability: Flesch 29 (very hard) · Vienna formula (WSTF) 14.1",
    });
  });

  it("none for empty text, polls and texts under ten words", () => {
    expect(scoreLine(analyse(""))).toBeUndefined();
    expect(scoreLine(analyse("Hauptstraße ab Montag voll gesperrt. Umleitung über die Bergstraße."))).toBeUndefined();
    expect(hintsFor({ text: "", media: [], poll: { question: "Wann soll das Stadtfest stattfinden?" } }).lines).toEqual(
      [],
    );
  });

  it("labels the Flesch bands", () => {
    expect([10, 40, 55, 65, 75, 85, 95].map((n) => fleschLabel(n).de)).toEqual([
      "sehr schwer",
      "schwer",
      "mittelschwer",
      "mittel",
      "mittelleicht",
      "leicht",
      "sehr leicht",
    ]);
  });
});

describe("hint lines", () => {
  it("one friendly line per finding, in German and in English", () => {
    const r = analyse(
      "ACHTUNG 🎉🎈🍻🎉 Die Straßenausbaubeitragssatzung wird geändert.\nhttps://achim.de/satzung\n#stadtachim",
    );
    expect(hintLines(r, "de")).toEqual([
      "Langes Wort: „Straßenausbaubeitragssatzung“ (28 Buchstaben) – mit Bindestrich gliedern oder umschreiben.",
      "Passiv „wird geändert“? Aktiv ist klarer: Wer tut was?",
      "Link ohne Erklärung: https://achim.de/satzung – sagen Sie in ein paar Wörtern, was dort steht.",
      "GROSSBUCHSTABEN („ACHTUNG“) sind schwer zu lesen und wirken laut – lieber normal schreiben, *fett* hebt hervor.",
      "4 Emoji (höchstens 3): Screenreader lesen jedes einzeln vor – weniger ist besser.",
      "Hashtag #stadtachim: jedes Wort groß beginnen (wie #StadtAchim), dann liest ein Screenreader ihn richtig.",
    ]);
    expect(hintLines(r, "en")).toEqual([
      "Long word: “Straßenausbaubeitragssatzung” (28 letters) – break it up with a hyphen or rephrase it.",
      "Passive voice “wird geändert”? Active is clearer: who does what?",
      "Link without context: https://achim.de/satzung – say in a few words what it leads to.",
      "ALL CAPS (“ACHTUNG”) are hard to read and come across as shouting – use normal case; *bold* stands out.",
      "4 emoji (3 at most): screen readers read out every one – fewer is better.",
      "Hashtag #stadtachim: start each word with a capital (like #StadtAchim) so screen readers read it right.",
    ]);
  });

  it("a long sentence names its length, its start and the limit", () => {
    const text =
      "Wir bitten alle Leute in der Straße, die Autos heute nicht am Rand zu parken, weil dort ab acht Uhr die Kehrmaschine fährt.";
    expect(hintLines(analyse(text), "de")).toContain(
      "Satz mit 23 Wörtern: „Wir bitten alle Leute in der …“ – lieber teilen (höchstens 20).",
    );
    expect(hintLines(analyse(text), "en")).toContain(
      "Sentence with 23 words: “Wir bitten alle Leute in der …” – better split it (20 at most).",
    );
  });

  it("both score findings share one line", () => {
    const lines = hintLines(analyse(OFFICIALESE), "de");
    expect(lines).toEqual([
      "Lesbarkeit: Flesch 29 (sehr schwer) · Wiener Sachtextformel 14,1",
      "Schwer zu lesen (Flesch 29, Ziel ab 50; Wiener Sachtextformel 14,1, Ziel höchstens 12): kürzere Sätze und kürzere Wörter helfen.",
    ]);
    expect(hintLines(analyse(OFFICIALESE), "en")[1]).toBe(
      "Hard to read (Flesch 29, aim for 50 or more; Vienna formula 14.1, aim for 12 at most): shorter sentences and shorter words help.",
    );
  });

  it("at most six lines, the most important first, then how many more", () => {
    const r = analyse(
      `${OFFICIALESE} ACHTUNG 🎉🎈🍻🎉 Die Straßenausbaubeitragssatzung wird geändert.\nhttps://achim.de/satzung\n#stadtachim`,
    );
    // score line + 7 finding lines (hard_to_read, long_word, passive, bare_url, all_caps, emoji, hashtag)
    const de = hintLines(r, "de");
    expect(de).toHaveLength(6);
    expect(de[0]).toMatch(/^Lesbarkeit: Flesch/);
    expect(de[1]).toMatch(/^Schwer zu lesen/);
    expect(de[5]).toBe("+3 weitere Hinweise");
    expect(hintLines(r, "en")[5]).toBe("+3 more hints");
    expect(hintTexts(r, 3).map((l) => l.de)).toEqual([de[0], de[1], "+6 weitere Hinweise"]);
  });
});

describe("hintsFor (what the previews call)", () => {
  it("takes attachments by kind or MIME type and warns about missing descriptions", () => {
    const hints = hintsFor({
      text: "Der Wochenmarkt zieht um.",
      media: [
        { mimeType: "image/jpeg" },
        { mimeType: "image/png", altText: "Lageplan des neuen Marktes" },
        { kind: "video" },
      ],
    });
    expect(hints.missingDescriptions).toBe(2);
    expect(hints.descriptionRequired).toBe(false);
    expect(hints.lines.map((l) => l.de)).toEqual([
      "⚠️ Bild 1 ohne Beschreibung: bitte kurz beschreiben, was zu sehen ist (steht dann in der Bildunterschrift).",
      "⚠️ Video ohne Beschreibung: bitte in einem Satz sagen, worum es geht (steht dann in der Bildunterschrift).",
    ]);
    expect(hints.lines.map((l) => l.en)).toEqual([
      "⚠️ Picture 1 without a description: please say briefly what it shows (it goes into the caption).",
      "⚠️ Video without a description: please say in one sentence what it is about (it goes into the caption).",
    ]);
  });

  it("a required description is marked, and asks for the author's confirmation", () => {
    const hints = hintsFor(
      { text: "Der Wochenmarkt zieht um.", media: [{ mimeType: "image/jpeg" }] },
      { ...DEFAULT_READABILITY, describeMedia: "required" },
    );
    expect(hints.descriptionRequired).toBe(true);
    expect(hints.lines[0]?.de).toBe(
      "⚠️ Bild ohne Beschreibung – in dieser Kategorie Pflicht: bitte kurz beschreiben, was zu sehen ist (steht dann in der Bildunterschrift).",
    );
    expect(hints.lines[0]?.en).toBe(
      "⚠️ Picture without a description – required in this category: please say briefly what it shows (it goes into the caption).",
    );
  });

  it("switched off: no text hints, but pictures are still checked", () => {
    const hints = hintsFor(
      { text: "ACHTUNG!!! 🎉🎈🍻🎉", media: [{ kind: "image" }] },
      { ...DEFAULT_READABILITY, enabled: false },
    );
    expect(hints.readability.findings.map((f) => f.code)).toEqual(["image_without_description"]);
  });

  it("a poll without text: its question is checked, with no scores", () => {
    const hints = hintsFor({ text: "", media: [], poll: { question: "WELCHER Termin passt Ihnen?" } });
    expect(hints.readability.scores).toBeUndefined();
    expect(hints.lines.map((l) => l.de)).toEqual([
      "GROSSBUCHSTABEN („WELCHER“) sind schwer zu lesen und wirken laut – lieber normal schreiben, *fett* hebt hervor.",
    ]);
  });

  it("uses the caller's syllable counter", () => {
    const text = "Heute ist das Rathaus zu. Morgen sind wir wieder da.";
    const builtIn = hintsFor({ text, media: [] }).readability.scores?.flesch;
    const oneEach = hintsFor({ text, media: [] }, DEFAULT_READABILITY, () => 1).readability.scores?.flesch;
    expect(builtIn).toBeCloseTo(93.1, 6);
    expect(oneEach).toBeCloseTo(180 - 5 - 58.5, 6); // ten words, ten syllables
  });

  it("a plain announcement gets no hints at all", () => {
    expect(
      hintsFor({ text: "Hauptstraße ab Montag voll gesperrt. Umleitung über die Bergstraße.", media: [] }),
    ).toEqual({
      readability: expect.objectContaining({ findings: [] }),
      lines: [],
      missingDescriptions: 0,
      descriptionRequired: false,
    });
  });
});
