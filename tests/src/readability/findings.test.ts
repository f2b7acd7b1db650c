import { describe, expect, it } from "vitest";
import {
  analyse,
  DEFAULT_READABILITY,
  mediaFindings,
  splitText,
  type FindingCode,
} from "../../../src/readability/index.ts";

const codes = (text: string): FindingCode[] => analyse(text).findings.map((f) => f.code);
const sentences = (text: string): string[] => splitText(text).sentences.map((s) => s.text);

describe("sentences and words of WhatsApp text", () => {
  it("ends sentences at . ! ? : ; and at every line break", () => {
    expect(sentences("Achtung! Wer hilft? Bitte melden; danke.\nStraßenfest\nAb 18 Uhr")).toEqual([
      "Achtung!",
      "Wer hilft?",
      "Bitte melden;",
      "danke.",
      "Straßenfest",
      "Ab 18 Uhr",
    ]);
  });

  it("does not end a sentence at abbreviations, street names or ordinal dates", () => {
    expect(
      sentences(
        "Bitte z. B. Nr. 5 bzw. ca. 10 Min. warten, u. a. vor der Bahnhofstr. 3 am 12. Juni und am 3.7. um 9 Uhr.",
      ),
    ).toHaveLength(1);
    expect(sentences("Die Sitzung ist am Mo. 12. Juni im Rathaus, Raum 12. Bitte pünktlich.")).toEqual([
      "Die Sitzung ist am Mo 12 Juni im Rathaus, Raum 12.",
      "Bitte pünktlich.",
    ]);
    expect(sentences("Die Str. ist frei. Der Bus fährt z.B. um 18.30 Uhr.")).toHaveLength(2);
  });

  it("leaves URLs, emoji, hashtags, mentions, markup and list markers out of the words", () => {
    const parts = splitText(
      "*Achtung* _bitte_ ~nicht~ ```parken``` 🚧🇩🇪👍🏽\n- Mehr unter https://www.achim.de/sehr/langer_pfad?x=1 #StadtAchim @rathaus\n2) Ende",
    );
    expect(parts.sentences.flatMap((s) => s.words.map((w) => w.text))).toEqual([
      "Achtung",
      "bitte",
      "nicht",
      "parken",
      "Mehr",
      "unter",
      "Ende",
    ]);
    expect(parts.emoji).toEqual(["🚧", "🇩🇪", "👍🏽"]);
    expect(parts.hashtags).toEqual(["#StadtAchim"]);
    expect(parts.urls).toEqual([{ url: "https://www.achim.de/sehr/langer_pfad?x=1", hasContext: true }]);
  });

  it("ends a sentence after closing quotes, and not inside times, addresses or gender colons", () => {
    expect(sentences("Das Motto: „Achim leuchtet.“ Alle Bürger:innen sind um 18:00 Uhr eingeladen.")).toEqual([
      "Das Motto:",
      "„Achim leuchtet.“",
      "Alle Bürger:innen sind um 18:00 Uhr eingeladen.",
    ]);
  });

  it("leaves e-mail addresses out of the words", () => {
    expect(analyse("Fragen an buergerbuero@stadt-achim.de.").counts.words).toBe(2);
  });

  it("does not count number-only tokens as words", () => {
    const r = analyse("Am 12.06.2026 von 8 bis 18:00 Uhr.");
    expect(r.counts.words).toBe(4); // Am, von, bis, Uhr
  });
});

describe("findings", () => {
  it("none on plain short announcements", () => {
    for (const text of [
      "Die Bücherei ist am Freitag geschlossen. Ab Montag sind wir wieder für Sie da.",
      "Hauptstraße ab Montag voll gesperrt. Umleitung über die Bergstraße.",
      "*Sperrmüll* 🗑️\nAbholung am 12. Juni ab 7 Uhr.\nAnmeldung bis 5. Juni: https://achim.de/sperrmuell",
      "Warnung über NINA und KATWARN: Sturm ab 18 Uhr. Die DLRG und das THW sind bereit. #Achim",
      "Der Wochenmarkt zieht um. Er ist ab Samstag auf dem Rathausplatz.",
    ]) {
      expect(analyse(text).findings, text).toEqual([]);
    }
  });

  it("long_sentence: more than maxSentenceWords words, with the start as excerpt", () => {
    const twenty =
      "Wir bitten alle Leute in der Straße, die Autos heute nicht am Rand zu parken, weil dort ab acht Uhr gefegt";
    expect(twenty.split(" ")).toHaveLength(21);
    const [finding] = analyse(`${twenty} wird.`).findings.filter((f) => f.code === "long_sentence");
    expect(finding).toEqual({
      code: "long_sentence",
      severity: "hint",
      excerpt: "Wir bitten alle Leute in der …",
      value: 22,
      limit: 20,
    });
    expect(codes(`${twenty.split(" ").slice(0, 20).join(" ")}.`)).not.toContain("long_sentence");
    expect(codes(`${twenty}.`)).toContain("long_sentence"); // 21
    expect(analyse(`${twenty}.`, { ...DEFAULT_READABILITY, maxSentenceWords: 25 }).findings).toEqual([]);
  });

  it("long_word: more letters than maxWordLetters; each part of a hyphenated compound counts alone", () => {
    expect(analyse("Die Straßenausbaubeitragssatzung gilt.").findings).toEqual([
      { code: "long_word", severity: "hint", excerpt: "Straßenausbaubeitragssatzung", value: 28, limit: 20 },
    ]);
    expect(codes("Die Straßenausbau-Beitragssatzung gilt.")).toEqual([]);
    expect(codes("Die Abfallwirtschaftsgesellschaft informiert.")).toEqual(["long_word"]); // 31 letters
    expect(codes("Die Grundstückseigentümer kommen.")).toEqual(["long_word"]); // 23 letters
    expect(codes("Die Wasserversorgung läuft.")).toEqual([]); // 16 letters
  });

  it("passive_voice: a form of werden and a past participle in one sentence (a heuristic)", () => {
    const passive = (text: string) => analyse(text).findings.find((f) => f.code === "passive_voice")?.excerpt;
    expect(passive("Die Straße wird ab Montag gesperrt.")).toBe("wird … gesperrt");
    expect(passive("Die Brücke wurde erneuert.")).toBe("wurde erneuert");
    expect(passive("Das Konzert ist abgesagt worden.")).toBe("abgesagt worden");
    expect(passive("Alle Anträge werden bis Freitag bearbeitet.")).toBe("werden … bearbeitet");
    expect(passive("Der Verkehr wird umgeleitet.")).toBe("wird umgeleitet");
    expect(passive("Die Bürger werden informiert, sobald die Leitung repariert ist.")).toBe("werden informiert");
    expect(passive("Wir sperren die Straße ab Montag.")).toBeUndefined();
    expect(passive("Es wird kalt.")).toBeUndefined();
    expect(passive("Wir werden Sie informieren.")).toBeUndefined();
    expect(passive("Die Gemeinde wird 100 Jahre alt.")).toBeUndefined(); // "Gemeinde" is a noun
    expect(passive("Die Straße ist gesperrt.")).toBeUndefined(); // sein-passive: not flagged
    // A participle before a noun is an adjective: the one closing the clause is meant.
    expect(passive("Die Straße wird für den gesamten Durchgangsverkehr voll gesperrt.")).toBe("wird … gesperrt");
    expect(passive("Es wird der gesamte Bereich geräumt.")).toBe("wird … geräumt");
  });

  it("all_caps: five letters or more, or four when the text has two; known abbreviations are fine", () => {
    expect(analyse("ACHTUNG: Straße gesperrt.").findings).toEqual([
      { code: "all_caps", severity: "hint", excerpt: "ACHTUNG", value: 1 },
    ]);
    expect(codes("Heute TOLL gelaufen.")).toEqual([]);
    expect(analyse("Heute GANZ TOLL gelaufen.").findings[0]?.excerpt).toBe("GANZ, TOLL");
    expect(codes("Info über NINA, KATWARN, ÖPNV und die DLRG. Linie B75 fährt.")).toEqual([]);
    expect(codes("Die ADAC-Station hilft.")).toEqual([]);
  });

  it("too_many_emoji: more than maxEmoji; a flag and a skin tone are one emoji each", () => {
    expect(codes("Fest 🎉🎈🍻")).toEqual([]);
    expect(analyse("Fest 🎉🎈🍻🇩🇪👍🏽").findings).toEqual([
      { code: "too_many_emoji", severity: "hint", excerpt: "🎉🎈🍻🇩🇪👍🏽", value: 5, limit: 3 },
    ]);
    expect(codes("Fest 🎉🎈🍻🇩🇪")).toEqual(["too_many_emoji"]);
  });

  it("hashtag_case: ten letters or more, all lower or all upper case", () => {
    expect(analyse("Heute Fest #stadtachim #STADTACHIM #StadtAchim #achim #ACHIM #fest2026").findings).toEqual([
      { code: "hashtag_case", severity: "hint", excerpt: "#stadtachim" },
      { code: "hashtag_case", severity: "hint", excerpt: "#STADTACHIM" },
    ]);
  });

  it("bare_url: a URL with no word on its line, unless the line before ends with a colon", () => {
    const bare = (text: string) =>
      analyse(text)
        .findings.filter((f) => f.code === "bare_url")
        .map((f) => f.excerpt);
    expect(bare("https://achim.de/fest")).toEqual(["https://achim.de/fest"]);
    expect(bare("Das Fest beginnt um 18 Uhr.\nhttps://achim.de/fest")).toEqual(["https://achim.de/fest"]);
    expect(bare("Das Fest beginnt um 18 Uhr.\n- https://achim.de/fest.")).toEqual(["https://achim.de/fest"]);
    expect(bare("Mehr: https://achim.de/fest")).toEqual([]);
    expect(bare("Das Programm finden Sie unter https://achim.de/fest.")).toEqual([]);
    expect(bare("https://achim.de/fest – das Programm")).toEqual([]);
    expect(bare("Alle Infos:\n\nhttps://achim.de/fest")).toEqual([]);
  });

  it("URLs do not count as words", () => {
    expect(analyse("Mehr unter https://www.achim.de/ein/sehr/langer/pfad/zur/seite").counts.words).toBe(2);
  });

  it("nothing at all when switched off", () => {
    expect(analyse("ACHTUNG 🎉🎈🍻🎉 https://x.de", { ...DEFAULT_READABILITY, enabled: false })).toEqual({
      counts: { sentences: 0, words: 0, syllables: 0, polysyllables: 0, monosyllables: 0, longWords: 0 },
      findings: [],
    });
  });

  it("orders findings most important first", () => {
    expect(
      codes("#stadtachim 🎉🎈🍻🎉 WICHTIG: Die Straßenausbaubeitragssatzung wird geändert.\nhttps://achim.de/satzung"),
    ).toEqual(["long_word", "passive_voice", "bare_url", "all_caps", "too_many_emoji", "hashtag_case"]);
  });
});

describe("mediaFindings", () => {
  it("a picture or video without a description, numbered within its kind", () => {
    const media = [
      { kind: "image" as const },
      { kind: "image" as const, altText: "Plan der Umleitung" },
      { kind: "video" as const, altText: "  " },
    ];
    expect(mediaFindings(media, "hint")).toEqual([
      { code: "image_without_description", severity: "warning", excerpt: "", index: 1, of: 2 },
      { code: "video_without_description", severity: "warning", excerpt: "", index: 1, of: 1 },
    ]);
    expect(mediaFindings(media, "required").map((f) => f.severity)).toEqual(["required", "required"]);
    expect(mediaFindings([{ kind: "image", altText: "Rathaus im Schnee" }], "required")).toEqual([]);
  });
});
