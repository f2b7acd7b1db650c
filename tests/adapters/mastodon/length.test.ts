import { describe, expect, it } from "vitest";
import { mastodonLength } from "../../../adapters/mastodon/mastodon.ts";

describe("mastodonLength: as Mastodon's StatusLengthValidator counts", () => {
  it("counts plain text in characters as people see them", () => {
    expect(mastodonLength("Straße gesperrt")).toBe(15);
    expect(mastodonLength("👨‍👩‍👧 🇩🇪")).toBe(3);
    expect(mastodonLength("e\u0301")).toBe(1);
  });

  it("counts every link with a protocol as 23, short or long", () => {
    expect(mastodonLength("https://a.de")).toBe(23);
    expect(mastodonLength(`https://achim.example/${"x".repeat(200)}`)).toBe(23);
    expect(mastodonLength("Infos: http://achim.example/a?b=c#d")).toBe(7 + 23);
    expect(mastodonLength("gemini://example.org/x")).toBe(23);
  });

  it("leaves trailing punctuation outside the link", () => {
    expect(mastodonLength("Siehe https://achim.example/baustellen.")).toBe(6 + 23 + 1);
    expect(mastodonLength("(https://achim.example/plan)")).toBe(1 + 23 + 1);
    expect(mastodonLength("https://de.wikipedia.org/wiki/Achim_(Niedersachsen)")).toBe(23);
    expect(mastodonLength('"https://achim.example/plan"!')).toBe(1 + 23 + 2);
  });

  it("does not count a bare domain or a link glued to a word as a link", () => {
    expect(mastodonLength("achim.example")).toBe(13);
    expect(mastodonLength("xhttps://achim.example")).toBe(22);
  });

  it("counts a remote mention as its user name only", () => {
    expect(mastodonLength("@stadt@social.achim.example")).toBe(6);
    expect(mastodonLength("Hallo @stadt")).toBe(12);
  });

  it("uses the instance's count per link", () => {
    expect(mastodonLength("https://a.de", 30)).toBe(30);
  });
});
