import { describe, expect, it } from "vitest";
import { matrixHtmlToWhatsApp } from "../../../adapters/markup/matrix-html.ts";
import { slackToWhatsApp } from "../../../adapters/markup/slack.ts";
import { normaliseText } from "../../../src/announcement/content.ts";
import type { Result } from "../../../src/errors.ts";
import { postText } from "../../../src/render/whatsapp.ts";

const names = {
  user: (id: string) => ({ U0ANNA: "Anna Schmidt", U0BAU: "Bau &amp; Planung" })[id],
  channel: (id: string) => ({ C0PRESS: "pressestelle" })[id],
};

const accepted = (read: Result<string>): string => {
  if (!read.ok) throw new Error(`refused: ${read.error.code}`);
  return read.value;
};

/** What citizens get: chat markup → WhatsApp text → the stored text → the post. */
const fromSlack = (text: string) =>
  postText({ text: normaliseText(accepted(slackToWhatsApp(text, names))), media: [] });
const fromMatrix = (html: string) => postText({ text: normaliseText(accepted(matrixHtmlToWhatsApp(html))), media: [] });
const fromConsole = (text: string) => postText({ text: normaliseText(text), media: [] });

describe("renderer: chat markup to exact WhatsApp text", () => {
  it.each([
    ["bold, italic, strike pass through", "*Sperrung* _ab Montag_ ~Dienstag~", "*Sperrung* _ab Montag_ ~Dienstag~"],
    [
      "labelled link",
      "Infos: <https://achim.de/baustellen|Baustellen>",
      "Infos: Baustellen: https://achim.de/baustellen",
    ],
    ["bare link", "<https://achim.de>", "https://achim.de"],
    ["link whose label is the URL", "<https://achim.de|https://achim.de>", "https://achim.de"],
    ["mail link", "<mailto:presse@achim.de|presse@achim.de>", "presse@achim.de"],
    ["user mention by id", "Rückfragen an <@U0ANNA>", "Rückfragen an @Anna Schmidt"],
    ["user mention with name", "<@U999|ben>", "@ben"],
    ["a name from the directory is shown as it is", "an <@U0BAU>", "an @Bau &amp; Planung"],
    ["a label may contain a bar", "<https://achim.de|Termine | Rathaus>", "Termine | Rathaus: https://achim.de"],
    ["channel", "siehe <#C0PRESS>", "siehe #pressestelle"],
    ["user group", "<!subteam^S1|@bauamt> bitte prüfen", "@bauamt bitte prüfen"],
    ["broadcast dropped", "<!here> Hauptstraße frei", "Hauptstraße frei"],
    ["date fallback", "ab <!date^1760000000^{date_short}|13. Okt.>", "ab 13. Okt."],
    ["entities unescaped once", "A &amp; B &lt;3 &amp;lt;", "A & B <3 &lt;"],
    ["quote and code", "> Zitat\n`Code`", "> Zitat\n`Code`"],
    ["bullets from Slack lists", "• Bergstraße\n• Lindenweg", "- Bergstraße\n- Lindenweg"],
  ])("Slack: %s", (_what, input, expected) => {
    expect(fromSlack(input)).toBe(expected);
  });

  it.each([
    [
      "strong/em/del",
      "<strong>Sperrung</strong> <em>ab Montag</em> <del>Dienstag</del>",
      "*Sperrung* _ab Montag_ ~Dienstag~",
    ],
    ["b/i/s", "<b>a</b> <i>b</i> <s>c</s>", "*a* _b_ ~c~"],
    ["nested", "<strong><em>wichtig</em></strong>", "*_wichtig_*"],
    [
      "space inside the tag stays outside the marks",
      "Die<strong> Hauptstraße </strong>ist zu",
      "Die *Hauptstraße* ist zu",
    ],
    ["inline code", "Nummer <code>A-0042</code>", "Nummer `A-0042`"],
    ["pre", "<pre><code>Zeile 1\nZeile 2\n</code></pre>", "```Zeile 1\nZeile 2```"],
    ["blockquote", "<blockquote><p>Zitat</p></blockquote>", "> Zitat"],
    ["unordered list", "<ul><li>Bergstraße</li><li>Lindenweg</li></ul>", "- Bergstraße\n- Lindenweg"],
    ["ordered list", "<ol><li>Erst</li><li>Dann</li></ol>", "1. Erst\n2. Dann"],
    ["link with label", '<a href="https://achim.de">Stadt</a>', "Stadt: https://achim.de"],
    ["link equal to its label", '<a href="https://achim.de">https://achim.de</a>', "https://achim.de"],
    [
      "user pill keeps the name",
      '<a href="https://matrix.to/#/@anna:achim.de">Anna</a> weiß Bescheid',
      "Anna weiß Bescheid",
    ],
    ["paragraphs and breaks", "<p>Erster Absatz</p><p>Zweiter<br>Zeile</p>", "Erster Absatz\n\nZweiter\nZeile"],
    ["entities", "A &amp; B &lt;3", "A & B <3"],
    [
      "reply fallback dropped",
      "<mx-reply><blockquote>In reply to …</blockquote></mx-reply>Ja, so <b>passt</b> es.",
      "Ja, so *passt* es.",
    ],
  ])("Matrix HTML: %s", (_what, input, expected) => {
    expect(fromMatrix(input)).toBe(expected);
  });

  it.each([
    ["markdown bold and strike", "**Sperrung** ~~alt~~", "*Sperrung* ~alt~"],
    ["markdown link", "[Baustellen](https://achim.de/b)", "Baustellen: https://achim.de/b"],
    ["WhatsApp marks unchanged", "*fett* _kursiv_ ~durch~ `code`", "*fett* _kursiv_ ~durch~ `code`"],
    ["underscores inside words stay", "datei_name_v2.pdf", "datei_name_v2.pdf"],
    ["white space tidied", "Zeile  \r\n\r\n\r\n\r\nNächste", "Zeile\n\nNächste"],
  ])("console text: %s", (_what, input, expected) => {
    expect(fromConsole(input)).toBe(expected);
  });
});

describe("renderer: a link the author saw only by its label must be one a post may carry", () => {
  const refusal = (read: Result<string>) => (read.ok ? { accepted: read.value } : read.error);

  it.each([
    ["javascript", "<javascript:alert(3)|klick>", { url: "javascript:alert(3)", label: "klick" }],
    ["data", "<data:text/html,&lt;b&gt;x|Bild>", { url: "data:text/html,<b>x", label: "Bild" }],
    ["file", "<file:///etc/passwd|Liste>", { url: "file:///etc/passwd", label: "Liste" }],
    ["ftp without a label", "<ftp://achim.de/plan.pdf>", { url: "ftp://achim.de/plan.pdf" }],
  ])("Slack: %s is refused, naming the link", (_what, input, params) => {
    expect(refusal(slackToWhatsApp(`Mehr: ${input}`, names))).toEqual({
      code: "UNSAFE_LINK",
      params: { field: "text", ...params },
    });
  });

  it("Slack: an http link is insecure, as typed text is", () => {
    expect(refusal(slackToWhatsApp("<http://achim.de|Stadt>", names))).toEqual({
      code: "INSECURE_LINK",
      params: { url: "http://achim.de" },
    });
  });

  it("Slack: https, mailto and tel links pass", () => {
    expect(fromSlack("<tel:+495111234|Rathaus> oder <mailto:info@achim.de|Mail>")).toBe(
      "Rathaus: tel:+495111234 oder Mail",
    );
  });

  it.each([
    ["javascript", '<a href="javascript:alert(3)">klick</a>', { url: "javascript:alert(3)", label: "klick" }],
    [
      "javascript, upper case with a space",
      '<a href=" JAVASCRIPT:alert(3)">klick</a>',
      { url: "JAVASCRIPT:alert(3)", label: "klick" },
    ],
    [
      "javascript split by an encoded tab",
      '<a href="java&#x09;script:alert(3)">klick</a>',
      { url: "java\tscript:alert(3)", label: "klick" },
    ],
    ["data", '<a href="data:text/html;base64,PGI+">Bild</a>', { url: "data:text/html;base64,PGI+", label: "Bild" }],
    ["relative", '<a href="/rathaus">Rathaus</a>', { url: "/rathaus", label: "Rathaus" }],
    ["inside formatting", '<p><b>Achtung <a href="vbscript:x">hier</a></b></p>', { url: "vbscript:x", label: "hier" }],
  ])("Matrix HTML: %s is refused, naming the link", (_what, input, params) => {
    expect(refusal(matrixHtmlToWhatsApp(input))).toEqual({ code: "UNSAFE_LINK", params: { field: "text", ...params } });
  });

  it("Matrix HTML: an http link is insecure; https, mailto and tel pass; a link in the reply fallback is dropped", () => {
    expect(refusal(matrixHtmlToWhatsApp('<a href="http://achim.de">Stadt</a>'))).toEqual({
      code: "INSECURE_LINK",
      params: { url: "http://achim.de" },
    });
    expect(fromMatrix('<a href="tel:+495111234">Rathaus</a> <a href="mailto:info@achim.de">Mail</a>')).toBe(
      "Rathaus: tel:+495111234 Mail: mailto:info@achim.de",
    );
    expect(fromMatrix('<mx-reply><a href="javascript:x">alt</a></mx-reply>Ja')).toBe("Ja");
  });
});
