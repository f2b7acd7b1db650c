import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toTelegramHtml } from "../../../adapters/telegram/html.ts";
import { plainText } from "../../../src/render/plain.ts";
import { formatted, type Entity } from "../../fakes/fake-telegram.ts";

/** What Telegram makes of the HTML: the fake parses it as the Bot API does, or refuses it as the Bot API would. */
const shown = (markup: string) => formatted(toTelegramHtml(markup).html, "HTML");

const overlaps = (a: Entity, b: Entity) => a.offset < b.offset + b.length && b.offset < a.offset + a.length;

describe("WhatsApp markup to Telegram HTML", () => {
  it.each([
    ["*Sperrung* _ab Montag_ ~Dienstag~", "<b>Sperrung</b> <i>ab Montag</i> <s>Dienstag</s>"],
    ["```Mo-Fr 8-12```", "<code>Mo-Fr 8-12</code>"],
    ["*_beides_*", "<b><i>beides</i></b>"],
    ["_*beides*_", "<b><i>beides</i></b>"],
    ["a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"],
    ["*<b>* &amp; &lt;", "<b>&lt;b&gt;</b> &amp;amp; &amp;lt;"],
    ["snake_case_name und 2*3*4", "snake_case_name und 2*3*4"],
    ["https://achim.de/a_b_c", "https://achim.de/a_b_c"],
    ["*zwei\nZeilen*", "*zwei\nZeilen*"],
    // Marks that cross come out as tags that nest.
    ["*a _b* c_", "<b>a <i>b</i></b><i> c</i>"],
    // Nothing nests in or around monospace on Telegram.
    ["```*fett*```", "<code>fett</code>"],
    ["*fett ```mono``` fett*", "<b>fett </b><code>mono</code><b> fett</b>"],
  ])("%j", (markup, html) => {
    expect(toTelegramHtml(markup).html).toBe(html);
    expect(shown(markup).text).toBe(plainText(markup));
  });

  it("counts as Telegram does: UTF-16 code units of the visible text, marks and tags not at all", () => {
    expect(toTelegramHtml("*Achtung* 🚧").length).toBe("Achtung 🚧".length);
    expect(toTelegramHtml("🚧").length).toBe(2);
    expect(toTelegramHtml("a &amp; b").length).toBe(9);
    expect(toTelegramHtml("e\u0301").length).toBe(2);
  });

  const pieces = fc.constantFrom(
    ..."* _ ~ ``` ` \n \t a Wort ä ß . , ; : ! ? ( ) [ ] { } \" ' „ “ « » < > & &amp; &lt; &#65; <b> </i> 😀 🚧 e\u0301 - https://achim.de/x_y".split(
      " ",
    ),
    " ",
  );
  const markup = fc.oneof(
    fc.array(pieces, { maxLength: 60 }).map((p) => p.join("")),
    fc.array(fc.oneof(pieces, fc.string({ unit: "grapheme", maxLength: 4 })), { maxLength: 30 }).map((p) => p.join("")),
  );

  it("any text gives HTML Telegram accepts, that shows exactly plainText() and measures its length", () => {
    fc.assert(
      fc.property(markup, (text) => {
        const out = toTelegramHtml(text);
        const parsed = formatted(out.html, "HTML");
        expect(parsed.text).toBe(plainText(text));
        expect(out.visible).toBe(parsed.text);
        expect(out.length).toBe(parsed.text.length);
        const code = parsed.entities.filter((e) => e.type === "code");
        for (const c of code) {
          expect(parsed.entities.filter((e) => e !== c && overlaps(e, c))).toEqual([]);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("the fake refuses HTML the Bot API refuses", () => {
  it.each([
    ["<b>offen", /Can't find end tag corresponding to start tag "b"/],
    ["<b><i>x</b></i>", /Unmatched end tag/],
    ["<foo>x</foo>", /Unsupported start tag "foo"/],
    ["a < b", /can't parse entities/],
  ])("%j", (html, why) => {
    expect(() => formatted(html, "HTML")).toThrow(why);
  });
});
