/**
 * Splitting WhatsApp announcement text into sentences and words for the readability formulas.
 *
 * Rules (decided for announcements, which are often line-based):
 * - URLs (`https://…`, `http://…`, `www.…`), e-mail addresses, emoji, hashtags (`#…`) and mentions (`@…`) are
 *   not words; URLs, emoji and hashtags are collected for their own findings.
 * - WhatsApp markup (`*bold*`, `_italic_`, `~strike~`, `` `mono` `` and ```` ``` ````) is removed, its text kept;
 *   a list marker at the start of a line (`-`, `–`, `•`, `*`, `1.`, `1)`, `a)`) is removed.
 * - A sentence ends at `.` `!` `?` `:` `;` `…` (then perhaps closing quotes or brackets) followed by a space or the
 *   end of the line ("18:00", "achim.de", "Bürger:innen" do not end one), and at every line break: a heading or
 *   list line without punctuation is a sentence of its own.
 * - Not sentence ends: the abbreviations in ABBREVIATIONS ("z. B.", "Nr.", "ca.", "bzw.", "u. a.", "Str.", …),
 *   street names ending in "str.", and ordinal numbers before a month name, a lower-case word or a number
 *   ("am 12. Juni", "am 12.06. um 18 Uhr", "der 3. bis 5. Tag").
 * - A word is a token with at least one letter. Number-only tokens ("12", "18:00", "2026") are not counted at all,
 *   neither as words nor for syllables: they are read as numbers, not as long words. An abbreviation counts as one
 *   word ("z. B." → "zB").
 */

/** Abbreviations whose full stop does not end a sentence. Spaces inside are optional ("z.B." = "z. B."). */
export const ABBREVIATIONS: readonly string[] = [
  "z. B.",
  "d. h.",
  "u. a.",
  "o. ä.",
  "u. ä.",
  "v. a.",
  "z. T.",
  "u. U.",
  "i. d. R.",
  "bzw.",
  "ca.",
  "Nr.",
  "Str.",
  "str.",
  "usw.",
  "etc.",
  "ggf.",
  "inkl.",
  "evtl.",
  "vgl.",
  "bspw.",
  "sog.",
  "Tel.",
  "Dr.",
  "Prof.",
  "St.",
  "Abt.",
  "Std.",
  "Min.",
  "max.",
  "min.",
  "Mio.",
  "Mrd.",
  "Hr.",
  "Fr.",
  "Mo.",
  "Di.",
  "Mi.",
  "Do.",
  "Sa.",
  "So.",
];

const MONTHS =
  "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|" +
  "Jan|Feb|Mär|Apr|Jun|Jul|Aug|Sep|Sept|Okt|Nov|Dez";

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const ABBREVIATION_PATTERNS: readonly { re: RegExp; as: string }[] = ABBREVIATIONS.map((a) => ({
  re: new RegExp(`(?<![\\p{L}\\p{N}])${escape(a).replace(/\\\. /g, "\\.\\s?")}(?=\\s|$|[,;:)])`, "gu"),
  as: a.replace(/[.\s]/g, ""),
}));

const URL_PATTERN = /(?:https?:\/\/|www\.)[^\s<>]+/giu;
const URL_TRAILING = /[.,;:!?)\]»«“”"']+$/u;
const EMOJI_PATTERN =
  /\p{Extended_Pictographic}(?:\p{Emoji_Modifier}|\uFE0F|\u200D\p{Extended_Pictographic})*|\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3/gu;
const HASHTAG = /(?<![\p{L}\p{N}_&/])#([\p{L}\p{N}_]+)/gu;
const MENTION = /(?<![\p{L}\p{N}_])@[\p{L}\p{N}_.-]+/gu;
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}/gu;
const LIST_MARKER = /^\s*(?:[-–•·▪►*]|\d{1,2}[.)]|[a-z]\))\s+/u;
const MARKUP = /```|[*_~`]/g;
/** After the mark may come closing quotes or brackets: „Hallo.“ Dann … */
const SENTENCE_END = /(?<=[.!?:;…][“”"'»«)\]]*)(?=\s|$)/u;

export interface Word {
  /** The token without surrounding punctuation, as written. */
  text: string;
  /** Letters only (no digits, hyphens or other marks). */
  letters: string;
}

export interface Sentence {
  /** The sentence as read (markup, URLs and emoji removed), for excerpts. */
  text: string;
  words: Word[];
}

export interface UrlOccurrence {
  url: string;
  /** At least one word on the same line, or the previous non-empty line ends with a colon. */
  hasContext: boolean;
}

export interface TextParts {
  sentences: Sentence[];
  urls: UrlOccurrence[];
  emoji: string[];
  hashtags: string[];
}

const LETTER = /\p{L}/u;

export function wordsOf(text: string): Word[] {
  const words: Word[] = [];
  for (const raw of text.split(/\s+/u)) {
    const token = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
    if (!LETTER.test(token)) continue;
    words.push({ text: token, letters: token.replace(/[^\p{L}]/gu, "") });
  }
  return words;
}

/** Drops the full stop of abbreviations and ordinal numbers so that only real sentence ends remain. */
function protectFullStops(line: string): string {
  let out = line;
  for (const { re, as } of ABBREVIATION_PATTERNS) out = out.replace(re, as);
  out = out.replace(/(\p{L}str)\.(?=\s)/gu, "$1"); // "Bergstr. 5"
  out = out.replace(/(\d{1,2}\.\d{1,2})\.(?=\s+(?:\p{Ll}|\d))/gu, "$1"); // "am 12.06. um 18 Uhr"
  out = out.replace(
    new RegExp(`(?<![\\p{L}\\p{N}.])(\\d{1,4})\\.(?=\\s+(?:(?:${MONTHS})\\b|\\p{Ll}|\\d))`, "gu"),
    "$1",
  );
  return out;
}

export function splitText(text: string): TextParts {
  const sentences: Sentence[] = [];
  const urls: UrlOccurrence[] = [];
  const emoji: string[] = [];
  const hashtags: string[] = [];
  let previousLine = "";

  for (const rawLine of text.replace(/\r\n?/g, "\n").split("\n")) {
    if (!rawLine.trim()) continue;
    const lineUrls: string[] = [];
    let line = rawLine.replace(URL_PATTERN, (match) => {
      const trailing = URL_TRAILING.exec(match)?.[0] ?? "";
      lineUrls.push(match.slice(0, match.length - trailing.length));
      return ` ${trailing}`;
    });
    line = line.replace(EMAIL, " ");
    line = line.replace(EMOJI_PATTERN, (e) => {
      emoji.push(e);
      return " ";
    });
    line = line.replace(HASHTAG, (tag) => {
      hashtags.push(tag);
      return " ";
    });
    line = line.replace(MENTION, " ");
    line = line.replace(LIST_MARKER, "").replace(MARKUP, "");
    line = protectFullStops(line);

    const lineHasWords = wordsOf(line).length > 0;
    const afterColon = /:\s*$/u.test(previousLine);
    for (const url of lineUrls) urls.push({ url, hasContext: lineHasWords || afterColon });

    for (const part of line.split(SENTENCE_END)) {
      const words = wordsOf(part);
      if (words.length) sentences.push({ text: part.replace(/\s+/gu, " ").trim(), words });
    }
    previousLine = rawLine.trim();
  }
  return { sentences, urls, emoji, hashtags };
}
