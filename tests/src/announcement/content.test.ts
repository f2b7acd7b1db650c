import { describe, expect, it } from "vitest";
import type { Content, MediaItem, Poll } from "../../../src/announcement/announcement.ts";
import { codePoints, contentHash, LIMITS, normaliseText, validateContent } from "../../../src/announcement/content.ts";

const MB = 1024 * 1024;

const jpeg = (overrides: Partial<MediaItem> = {}): MediaItem => ({
  name: "markt.jpg",
  mimeType: "image/jpeg",
  bytes: 200_000,
  sha256: "a".repeat(64),
  ...overrides,
});

const poll = (overrides: Partial<Poll> = {}): Poll => ({
  question: "Wann soll das Fest sein?",
  options: ["Samstag", "Sonntag"],
  multipleChoice: false,
  ...overrides,
});

const text = (t: string, media: MediaItem[] = []): Content => ({ text: t, media });

describe("normaliseText", () => {
  it("turns **bold** into *bold*", () => {
    expect(normaliseText("Das ist **wichtig** heute")).toBe("Das ist *wichtig* heute");
    expect(normaliseText("**zwei Wörter**")).toBe("*zwei Wörter*");
  });

  it("turns ~~strike~~ into ~strike~", () => {
    expect(normaliseText("Markt ~~Samstag~~ Sonntag")).toBe("Markt ~Samstag~ Sonntag");
  });

  it("leaves bold markers with white space inside alone", () => {
    expect(normaliseText("a ** b ** c")).toBe("a ** b ** c");
  });

  it("leaves single-star WhatsApp markup alone", () => {
    expect(normaliseText("*fett* _kursiv_ ~durch~")).toBe("*fett* _kursiv_ ~durch~");
  });

  it("turns a markdown link into label: URL", () => {
    expect(normaliseText("Mehr unter [Infoseite](https://example.org/fest)")).toBe(
      "Mehr unter Infoseite: https://example.org/fest",
    );
    expect(normaliseText("[label](https://x)")).toBe("label: https://x");
  });

  it("trims the link label", () => {
    expect(normaliseText("[ Infoseite ](https://x)")).toBe("Infoseite: https://x");
  });

  it("writes just the URL when the label is the URL", () => {
    expect(normaliseText("[https://example.org](https://example.org)")).toBe("https://example.org");
    expect(normaliseText("[ https://x ](https://x)")).toBe("https://x");
  });

  it("converts several links in one line", () => {
    expect(normaliseText("[a](https://a) und [b](https://b)")).toBe("a: https://a und b: https://b");
  });

  it("leaves brackets that are not a link alone", () => {
    expect(normaliseText("[Hinweis] (siehe unten)")).toBe("[Hinweis] (siehe unten)");
  });

  it("turns •, · and ▪ bullets at line starts into - ", () => {
    expect(normaliseText("Bitte mitbringen:\n• Teller\n· Becher\n▪ Besteck")).toBe(
      "Bitte mitbringen:\n- Teller\n- Becher\n- Besteck",
    );
  });

  it("turns indented bullets followed by a tab into - ", () => {
    expect(normaliseText("x\n  •\tTeller")).toBe("x\n- Teller");
  });

  it("leaves a bullet character in the middle of a line alone", () => {
    expect(normaliseText("Teller • Becher")).toBe("Teller • Becher");
  });

  it("leaves a bullet not followed by white space alone", () => {
    expect(normaliseText("•Teller")).toBe("•Teller");
  });

  it("turns CRLF and lone CR into LF", () => {
    expect(normaliseText("a\r\nb\rc")).toBe("a\nb\nc");
  });

  it("removes trailing spaces and tabs on every line", () => {
    expect(normaliseText("a  \nb\t\nc")).toBe("a\nb\nc");
  });

  it("keeps leading indentation inside the text", () => {
    expect(normaliseText("a\n  b")).toBe("a\n  b");
  });

  it("collapses three or more line breaks into one blank line", () => {
    expect(normaliseText("a\n\n\nb")).toBe("a\n\nb");
    expect(normaliseText("a\n\n\n\n\n\nb")).toBe("a\n\nb");
    expect(normaliseText("a\r\n\r\n\r\n\r\nb")).toBe("a\n\nb");
  });

  it("collapses blank lines that only held spaces", () => {
    expect(normaliseText("a\n  \n\t\n \nb")).toBe("a\n\nb");
  });

  it("keeps a single blank line", () => {
    expect(normaliseText("a\n\nb")).toBe("a\n\nb");
  });

  it("trims the whole text", () => {
    expect(normaliseText("\n\n  Hallo  \n\n")).toBe("Hallo");
    expect(normaliseText("   ")).toBe("");
  });

  it("is idempotent", () => {
    const once = normaliseText("**a** [b](https://b)\r\n• c  \n\n\n\n~~d~~");
    expect(normaliseText(once)).toBe(once);
  });
});

describe("codePoints", () => {
  it("counts an astral emoji as one", () => {
    expect("😀".length).toBe(2);
    expect(codePoints("😀")).toBe(1);
    expect(codePoints("Grüße 😀")).toBe(7);
  });
});

describe("validateContent", () => {
  it("accepts plain text and returns the content itself", () => {
    const content = text("Straßensperrung am Markt");
    expect(validateContent(content)).toEqual({ ok: true, value: content });
  });

  it("rejects empty text without a poll", () => {
    expect(validateContent(text(""))).toEqual({ ok: false, error: { code: "EMPTY_TEXT" } });
  });

  it("accepts a picture without text", () => {
    expect(validateContent(text("", [jpeg()])).ok).toBe(true);
  });

  it("rejects a poll with an empty option, naming which", () => {
    expect(validateContent({ text: "", poll: { ...poll(), options: ["Ja", " "] }, media: [] })).toEqual({
      ok: false,
      error: { code: "POLL_EMPTY_OPTION", params: { number: 2 } },
    });
  });

  it("accepts a poll without text", () => {
    expect(validateContent({ text: "", poll: poll(), media: [] }).ok).toBe(true);
  });

  describe("length", () => {
    it("accepts exactly 4096 code points", () => {
      expect(validateContent(text("x".repeat(LIMITS.text))).ok).toBe(true);
    });

    it("rejects 4097 code points with length, max and overflow", () => {
      expect(validateContent(text("x".repeat(4097)))).toEqual({
        ok: false,
        error: { code: "TEXT_TOO_LONG", params: { length: 4097, max: 4096, over: 1 } },
      });
    });

    it("counts an emoji as one code point", () => {
      // 4096 emoji are 8192 UTF-16 units but 4096 code points
      expect(validateContent(text("😀".repeat(4096))).ok).toBe(true);
      expect(validateContent(text("😀".repeat(4097)))).toEqual({
        ok: false,
        error: { code: "TEXT_TOO_LONG", params: { length: 4097, max: 4096, over: 1 } },
      });
    });

    it("reports how far over the limit the text is", () => {
      expect(validateContent(text("x".repeat(5000)))).toEqual({
        ok: false,
        error: { code: "TEXT_TOO_LONG", params: { length: 5000, max: 4096, over: 904 } },
      });
    });

    it("limits a caption to 1024 code points when media is attached", () => {
      expect(validateContent(text("x".repeat(1024), [jpeg()])).ok).toBe(true);
      expect(validateContent(text("😀".repeat(1024), [jpeg()])).ok).toBe(true);
      expect(validateContent(text("x".repeat(1025), [jpeg()]))).toEqual({
        ok: false,
        error: { code: "CAPTION_TOO_LONG", params: { length: 1025, max: 1024, over: 1 } },
      });
    });
  });

  describe("links", () => {
    it("rejects an http:// link and names it", () => {
      expect(validateContent(text("Infos: http://example.org/fest bitte lesen"))).toEqual({
        ok: false,
        error: { code: "INSECURE_LINK", params: { url: "http://example.org/fest" } },
      });
    });

    it("rejects HTTP:// in capitals", () => {
      const result = validateContent(text("HTTP://EXAMPLE.ORG"));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe("INSECURE_LINK");
    });

    it("accepts https:// links", () => {
      expect(validateContent(text("Infos: https://example.org/fest")).ok).toBe(true);
    });

    it("names the first insecure link", () => {
      expect(validateContent(text("https://ok.org http://a.org http://b.org"))).toEqual({
        ok: false,
        error: { code: "INSECURE_LINK", params: { url: "http://a.org" } },
      });
    });
  });

  describe("polls", () => {
    const check = (p: Poll) => validateContent({ text: "", poll: p, media: [] });

    it("accepts 2 and 12 options", () => {
      expect(check(poll({ options: ["a", "b"] })).ok).toBe(true);
      expect(check(poll({ options: Array.from({ length: 12 }, (_, i) => `Option ${i}`) })).ok).toBe(true);
    });

    it("rejects a missing or blank question", () => {
      expect(check(poll({ question: "" }))).toEqual({ ok: false, error: { code: "POLL_QUESTION_MISSING" } });
      expect(check(poll({ question: "  \n " }))).toEqual({ ok: false, error: { code: "POLL_QUESTION_MISSING" } });
    });

    it("limits the question to 255 code points", () => {
      expect(check(poll({ question: "?".repeat(255) })).ok).toBe(true);
      expect(check(poll({ question: "😀".repeat(255) })).ok).toBe(true);
      expect(check(poll({ question: "?".repeat(256) }))).toEqual({
        ok: false,
        error: { code: "POLL_QUESTION_TOO_LONG", params: { length: 256, max: 255 } },
      });
    });

    it("rejects fewer than 2 options", () => {
      expect(check(poll({ options: ["Ja"] }))).toEqual({
        ok: false,
        error: { code: "POLL_TOO_FEW_OPTIONS", params: { count: 1, min: 2 } },
      });
      expect(check(poll({ options: [] }))).toEqual({
        ok: false,
        error: { code: "POLL_TOO_FEW_OPTIONS", params: { count: 0, min: 2 } },
      });
    });

    it("rejects more than 12 options", () => {
      expect(check(poll({ options: Array.from({ length: 13 }, (_, i) => `Option ${i}`) }))).toEqual({
        ok: false,
        error: { code: "POLL_TOO_MANY_OPTIONS", params: { count: 13, max: 12 } },
      });
    });

    it("rejects duplicate options regardless of case and surrounding spaces", () => {
      expect(check(poll({ options: ["Ja", "Nein", "JA "] }))).toEqual({
        ok: false,
        error: { code: "POLL_DUPLICATE_OPTION", params: { option: "JA " } },
      });
      expect(check(poll({ options: ["Äpfel", "äpfel"] }))).toEqual({
        ok: false,
        error: { code: "POLL_DUPLICATE_OPTION", params: { option: "äpfel" } },
      });
    });

    it("limits each option to 100 code points", () => {
      expect(check(poll({ options: ["x".repeat(100), "😀".repeat(100)] })).ok).toBe(true);
      const long = "x".repeat(101);
      expect(check(poll({ options: ["Ja", long] }))).toEqual({
        ok: false,
        error: { code: "POLL_OPTION_TOO_LONG", params: { option: long, max: 100 } },
      });
    });

    it("checks the text before the poll", () => {
      const result = validateContent({ text: "http://x.org", poll: poll({ options: ["a"] }), media: [] });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe("INSECURE_LINK");
    });
  });

  describe("media", () => {
    it("accepts a JPEG up to 5 MB and an MP4 up to 16 MB", () => {
      expect(validateContent(text("Bild", [jpeg({ bytes: 5 * MB })])).ok).toBe(true);
      expect(validateContent(text("Film", [jpeg({ name: "f.mp4", mimeType: "video/mp4", bytes: 16 * MB })])).ok).toBe(
        true,
      );
    });

    it("rejects a type that is not allowed and lists the allowed ones", () => {
      expect(validateContent(text("Bild", [jpeg({ name: "plan.png", mimeType: "image/png" })]))).toEqual({
        ok: false,
        error: {
          code: "MEDIA_TYPE_NOT_ALLOWED",
          params: { name: "plan.png", type: "image/png", allowed: "image/jpeg, video/mp4" },
        },
      });
    });

    it("rejects an image over 5 MB", () => {
      expect(validateContent(text("Bild", [jpeg({ name: "gross.jpg", bytes: 6.5 * MB })]))).toEqual({
        ok: false,
        error: { code: "MEDIA_TOO_LARGE", params: { name: "gross.jpg", mb: "6.50", maxMb: "5.00" } },
      });
      const oneByteOver = validateContent(text("Bild", [jpeg({ bytes: 5 * MB + 1 })]));
      expect(oneByteOver.ok).toBe(false);
      if (!oneByteOver.ok) expect(oneByteOver.error.code).toBe("MEDIA_TOO_LARGE");
    });

    it("rejects a video over 16 MB", () => {
      expect(validateContent(text("Film", [jpeg({ name: "f.mp4", mimeType: "video/mp4", bytes: 20 * MB })]))).toEqual({
        ok: false,
        error: { code: "MEDIA_TOO_LARGE", params: { name: "f.mp4", mb: "20.00", maxMb: "16.00" } },
      });
    });

    it("applies the image limit, not the video limit, to a JPEG", () => {
      const result = validateContent(text("Bild", [jpeg({ bytes: 10 * MB })]));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe("MEDIA_TOO_LARGE");
    });

    it("allows one picture or video per post", () => {
      expect(validateContent(text("Bilder", [jpeg({ name: "a.jpg" }), jpeg({ name: "b.jpg" })]))).toEqual({
        ok: false,
        error: { code: "TOO_MANY_MEDIA", params: { count: 2 } },
      });
    });

    it("refuses a poll with a picture", () => {
      expect(validateContent({ text: "", poll: poll(), media: [jpeg()] })).toEqual({
        ok: false,
        error: { code: "POLL_WITH_MEDIA" },
      });
    });

    it("counts the picture description into the caption", () => {
      const described = jpeg({ altText: "x".repeat(1000) });
      expect(validateContent(text("y".repeat(30), [described])).ok).toBe(false);
      expect(validateContent(text("y".repeat(10), [described])).ok).toBe(true);
    });
  });
});

describe("validateContent: text hygiene in every field that reaches the post", () => {
  const code = (c: Content) => {
    const result = validateContent(c);
    return result.ok ? "ok" : result.error;
  };

  it("refuses a control character in the text, saying which, where and near what", () => {
    expect(code(text("Achtung \u001b[31mHauptstraße gesperrt"))).toEqual({
      code: "CONTROL_CHARACTER",
      params: { field: "text", code: "U+001B", name: "ESC", position: 9, near: "Achtung ⟨U+001B⟩[31mHauptstr" },
    });
    expect(code(text("Ton\u0007 aus"))).toMatchObject({ code: "CONTROL_CHARACTER", params: { name: "BEL" } });
    expect(code(text("Null\u0000"))).toMatchObject({ code: "CONTROL_CHARACTER", params: { name: "NUL" } });
  });

  it("refuses a bidi override, also one never closed", () => {
    expect(code(text("Gebühr: \u202E0001 €"))).toMatchObject({
      code: "BIDI_CONTROL",
      params: { field: "text", code: "U+202E", name: "RLO", position: 9 },
    });
    expect(code(text("a \u2067b\u2069 c"))).toMatchObject({ code: "BIDI_CONTROL", params: { name: "RLI" } });
  });

  it("checks the poll question, each option by number and the picture description", () => {
    expect(code({ text: "", poll: poll({ question: "Wann\u001b?" }), media: [] })).toMatchObject({
      code: "CONTROL_CHARACTER",
      params: { field: "pollQuestion" },
    });
    expect(code({ text: "", poll: poll({ options: ["Ja", "Nein", "Vi\u202Eelleicht"] }), media: [] })).toMatchObject({
      code: "BIDI_CONTROL",
      params: { field: "pollOption", number: 3 },
    });
    expect(code(text("Bild", [jpeg({ altText: "Markt\u0085platz" })]))).toMatchObject({
      code: "CONTROL_CHARACTER",
      params: { field: "description", file: "markt.jpg", name: "NEL" },
    });
  });

  it("text of invisible characters only is empty, whatever comes with it", () => {
    expect(code(text("\u200B\u200B"))).toEqual({ code: "EMPTY_TEXT", params: { invisible: "U+200B" } });
    expect(code(text("\u00AD", [jpeg()]))).toEqual({ code: "EMPTY_TEXT", params: { invisible: "U+00AD" } });
    expect(code({ text: "\u2060", poll: poll(), media: [] })).toMatchObject({ code: "EMPTY_TEXT" });
  });

  it("a poll question or option of invisible characters only is missing or empty", () => {
    expect(code({ text: "", poll: poll({ question: "\u200B\uFEFF" }), media: [] })).toEqual({
      code: "POLL_QUESTION_MISSING",
    });
    expect(code({ text: "", poll: poll({ options: ["Ja", "\u200C\u200D"] }), media: [] })).toEqual({
      code: "POLL_EMPTY_OPTION",
      params: { number: 2 },
    });
  });

  it("options that look alike are one option twice", () => {
    expect(code({ text: "", poll: poll({ options: ["Ja", "J\u00ADa\u200B"] }), media: [] })).toMatchObject({
      code: "POLL_DUPLICATE_OPTION",
    });
  });

  it("a picture description of invisible characters only is refused, not posted", () => {
    expect(code(text("Markt", [jpeg({ altText: "\u200B" })]))).toEqual({
      code: "EMPTY_DESCRIPTION",
      params: { name: "markt.jpg", invisible: "U+200B" },
    });
  });

  it("refuses link targets other than https, mailto and tel in every field", () => {
    expect(code(text(normaliseText("Mehr [klick](javascript:alert(3))")))).toEqual({
      code: "UNSAFE_LINK",
      params: { field: "text", url: "javascript:alert(3)" },
    });
    expect(code({ text: "", poll: poll({ options: ["Ja", "ftp://achim.de/x"] }), media: [] })).toMatchObject({
      code: "UNSAFE_LINK",
      params: { field: "pollOption", number: 2, url: "ftp://achim.de/x" },
    });
    expect(code(text("Bild", [jpeg({ altText: "Plan unter http://achim.de/plan" })]))).toEqual({
      code: "INSECURE_LINK",
      params: { url: "http://achim.de/plan" },
    });
    expect(code(text("Infos: https://achim.de, mailto:info@achim.de, tel:+495111234"))).toBe("ok");
  });

  it("newlines, tabs, emoji, flags and bidi marks pass", () => {
    expect(code(text("Zeile 1\n\tZeile 2 👩‍👩‍👧 🏳️‍🌈 \u200Fمرحبا\u200E"))).toBe("ok");
  });
});

describe("contentHash", () => {
  const base: Content = {
    text: "Straßenfest am Samstag",
    poll: poll(),
    media: [jpeg({ altText: "Marktplatz" })],
  };
  const variant = (overrides: Partial<Content>): Content => ({ ...base, ...overrides });

  it("is 16 lower-case hex characters", () => {
    expect(contentHash(base)).toMatch(/^[0-9a-f]{16}$/);
  });

  it("is stable for equal content built separately", () => {
    const copy: Content = JSON.parse(JSON.stringify(base)) as Content;
    expect(contentHash(copy)).toBe(contentHash(base));
    expect(contentHash(base)).toBe(contentHash(base));
  });

  it("ignores a media item's file name and size, which are not published", () => {
    expect(contentHash(variant({ media: [jpeg({ altText: "Marktplatz", name: "other.jpg", bytes: 1 })] }))).toBe(
      contentHash(base),
    );
  });

  it.each<[string, Partial<Content>]>([
    ["text", { text: "Straßenfest am Sonntag" }],
    ["text white space", { text: "Straßenfest am Samstag " }],
    ["poll question", { poll: poll({ question: "Wann soll das Fest stattfinden?" }) }],
    ["poll options", { poll: poll({ options: ["Samstag", "Montag"] }) }],
    ["poll option order", { poll: poll({ options: ["Sonntag", "Samstag"] }) }],
    ["poll multiple choice", { poll: poll({ multipleChoice: true }) }],
    ["media content", { media: [jpeg({ altText: "Marktplatz", sha256: "b".repeat(64) })] }],
    ["media type", { media: [jpeg({ altText: "Marktplatz", mimeType: "video/mp4" })] }],
    ["media alt text", { media: [jpeg({ altText: "Rathaus" })] }],
    ["media without alt text", { media: [jpeg()] }],
    ["no media", { media: [] }],
    ["extra media", { media: [jpeg({ altText: "Marktplatz" }), jpeg({ sha256: "c".repeat(64) })] }],
  ])("changes when the %s changes", (_name, overrides) => {
    expect(contentHash(variant(overrides))).not.toBe(contentHash(base));
  });

  it("changes when the poll is removed", () => {
    const withoutPoll: Content = { text: base.text, media: base.media };
    expect(contentHash(withoutPoll)).not.toBe(contentHash(base));
  });

  it("tells text apart from a poll question with the same words", () => {
    const asText: Content = { text: "Wann?", media: [] };
    const asPoll: Content = { text: "", poll: poll({ question: "Wann?" }), media: [] };
    expect(contentHash(asText)).not.toBe(contentHash(asPoll));
  });
});
