import type { Language } from "../src/policy/policy.ts";
import {
  analyse,
  DEFAULT_READABILITY,
  mediaFindings,
  mediaForHints,
  SCORE_MIN_WORDS,
  sortFindings,
  type Finding,
  type Readability,
  type ReadabilityOptions,
  type SyllableCounter,
} from "../src/readability/index.ts";
import { L, pick, type Localized } from "./messages.ts";

/** At most this many lines of hints in a preview, the last one "+N weitere Hinweise" when some were cut. */
export const MAX_HINT_LINES = 6;

/** The Flesch (Amstad) bands as usually tabulated for German: 0–30 very hard … 90–100 very easy. */
export function fleschLabel(score: number): Localized {
  if (score < 30) return L("sehr schwer", "very hard");
  if (score < 50) return L("schwer", "hard");
  if (score < 60) return L("mittelschwer", "fairly hard");
  if (score < 70) return L("mittel", "medium");
  if (score < 80) return L("mittelleicht", "fairly easy");
  if (score < 90) return L("leicht", "easy");
  return L("sehr leicht", "very easy");
}

const decimal = (n: number): Localized => L(n.toFixed(1).replace(".", ","), n.toFixed(1));
const whole = (n: number): string => String(Math.round(n));
/** A configured limit: "12" rather than "12,0", "9,5" as it is. */
const limitOf = (n: number): Localized => (Number.isInteger(n) ? L(String(n), String(n)) : decimal(n));
const shortUrl = (url: string): string => (url.length > 50 ? `${url.slice(0, 49)}…` : url);

/** The score line, or undefined for texts too short to score (polls, one-liners). */
export function scoreLine(r: Readability): Localized | undefined {
  if (!r.scores || r.counts.words < SCORE_MIN_WORDS) return undefined;
  const { flesch, wstf } = r.scores;
  const label = fleschLabel(flesch);
  const w = decimal(wstf);
  return L(
    `Lesbarkeit: Flesch ${whole(flesch)} (${label.de}) · Wiener Sachtextformel ${w.de}`,
    `Readability: Flesch ${whole(flesch)} (${label.en}) · Vienna formula (WSTF) ${w.en}`,
  );
}

function mediaText(f: Finding): Localized {
  const image = f.code === "image_without_description";
  const nth = f.of !== undefined && f.of > 1 ? ` ${f.index ?? ""}` : "";
  const what = image ? L(`Bild${nth}`, `Picture${nth}`) : L(`Video${nth}`, `Video${nth}`);
  const ask = image
    ? L("bitte kurz beschreiben, was zu sehen ist", "please say briefly what it shows")
    : L("bitte in einem Satz sagen, worum es geht", "please say in one sentence what it is about");
  return f.severity === "required"
    ? L(
        `⚠️ ${what.de} ohne Beschreibung – in dieser Kategorie Pflicht: ${ask.de} (steht dann in der Bildunterschrift).`,
        `⚠️ ${what.en} without a description – required in this category: ${ask.en} (it goes into the caption).`,
      )
    : L(
        `⚠️ ${what.de} ohne Beschreibung: ${ask.de} (steht dann in der Bildunterschrift).`,
        `⚠️ ${what.en} without a description: ${ask.en} (it goes into the caption).`,
      );
}

function hardToReadText(findings: readonly Finding[]): Localized {
  const de: string[] = [];
  const en: string[] = [];
  for (const f of findings) {
    if (f.metric === "flesch") {
      de.push(`Flesch ${whole(f.value ?? 0)}, Ziel ab ${whole(f.limit ?? 0)}`);
      en.push(`Flesch ${whole(f.value ?? 0)}, aim for ${whole(f.limit ?? 0)} or more`);
    } else {
      de.push(`Wiener Sachtextformel ${decimal(f.value ?? 0).de}, Ziel höchstens ${limitOf(f.limit ?? 0).de}`);
      en.push(`Vienna formula ${decimal(f.value ?? 0).en}, aim for ${limitOf(f.limit ?? 0).en} at most`);
    }
  }
  return L(
    `Schwer zu lesen (${de.join("; ")}): kürzere Sätze und kürzere Wörter helfen.`,
    `Hard to read (${en.join("; ")}): shorter sentences and shorter words help.`,
  );
}

/** One friendly line of advice for one finding (hard_to_read is handled together, see hintTexts). */
export function findingText(f: Finding): Localized {
  const n = f.value ?? 0;
  const max = f.limit ?? 0;
  switch (f.code) {
    case "image_without_description":
    case "video_without_description":
      return mediaText(f);
    case "hard_to_read":
      return hardToReadText([f]);
    case "long_sentence":
      return L(
        `Satz mit ${n} Wörtern: „${f.excerpt}“ – lieber teilen (höchstens ${max}).`,
        `Sentence with ${n} words: “${f.excerpt}” – better split it (${max} at most).`,
      );
    case "long_word":
      return L(
        `Langes Wort: „${f.excerpt}“ (${n} Buchstaben) – mit Bindestrich gliedern oder umschreiben.`,
        `Long word: “${f.excerpt}” (${n} letters) – break it up with a hyphen or rephrase it.`,
      );
    case "passive_voice":
      return L(
        `Passiv „${f.excerpt}“? Aktiv ist klarer: Wer tut was?`,
        `Passive voice “${f.excerpt}”? Active is clearer: who does what?`,
      );
    case "bare_url":
      return L(
        `Link ohne Erklärung: ${shortUrl(f.excerpt)} – sagen Sie in ein paar Wörtern, was dort steht.`,
        `Link without context: ${shortUrl(f.excerpt)} – say in a few words what it leads to.`,
      );
    case "all_caps":
      return L(
        `GROSSBUCHSTABEN („${f.excerpt}“) sind schwer zu lesen und wirken laut – lieber normal schreiben, *fett* hebt hervor.`,
        `ALL CAPS (“${f.excerpt}”) are hard to read and come across as shouting – use normal case; *bold* stands out.`,
      );
    case "too_many_emoji":
      return L(
        `${n} Emoji (höchstens ${max}): Screenreader lesen jedes einzeln vor – weniger ist besser.`,
        `${n} emoji (${max} at most): screen readers read out every one – fewer is better.`,
      );
    case "hashtag_case":
      return L(
        `Hashtag ${f.excerpt}: jedes Wort groß beginnen (wie #StadtAchim), dann liest ein Screenreader ihn richtig.`,
        `Hashtag ${f.excerpt}: start each word with a capital (like #StadtAchim) so screen readers read it right.`,
      );
  }
}

/**
 * The hints of one analysis, most important first: the score line (texts of SCORE_MIN_WORDS words or more), then
 * one line per finding (the two hard_to_read findings share a line). At most `max` lines (use 3 or more); when
 * findings are cut, the last line says how many.
 */
export function hintTexts(r: Readability, max = MAX_HINT_LINES): Localized[] {
  const findings = sortFindings(r.findings);
  const hard = findings.filter((f) => f.code === "hard_to_read");
  const lines: Localized[] = [];
  let hardDone = false;
  for (const f of findings) {
    if (f.code !== "hard_to_read") lines.push(findingText(f));
    else if (!hardDone) {
      lines.push(hardToReadText(hard));
      hardDone = true;
    }
  }
  const score = scoreLine(r);
  const room = Math.max(1, max - (score ? 1 : 0));
  const shown = lines.length > room ? lines.slice(0, room - 1) : lines;
  const cut = lines.length - shown.length;
  return [
    ...(score ? [score] : []),
    ...shown,
    ...(cut > 0
      ? [cut === 1 ? L("+1 weiterer Hinweis", "+1 more hint") : L(`+${cut} weitere Hinweise`, `+${cut} more hints`)]
      : []),
  ];
}

export function hintLines(r: Readability, language: Language, max = MAX_HINT_LINES): string[] {
  return hintTexts(r, max).map((line) => pick(line, language));
}

/** What the previews have of a draft: its text, its attachments (a `kind` or a MIME type), its poll. */
export interface HintContent {
  text: string;
  media: readonly { kind?: string; mimeType?: string; altText?: string }[];
  poll?: { question: string };
}

export interface Hints {
  readability: Readability;
  /** Ready to show, in both languages: `pick(line, language)`. */
  lines: Localized[];
  /** Pictures and videos without a description. */
  missingDescriptions: number;
  /** Some are missing where the policy requires a description: ask the author to confirm. */
  descriptionRequired: boolean;
}

/**
 * Hints for a draft's preview. The text (or, for a poll without text, its question) is analysed when
 * `options.enabled`; a poll gets no scores. Attachments are checked for a description whatever `enabled` says
 * (accessibility law, not style). `syllables` is the caller's counter (e.g. built on hyphenation patterns in
 * adapters/); the built-in German vowel-group counter otherwise.
 */
export function hintsFor(
  content: HintContent,
  options: ReadabilityOptions = DEFAULT_READABILITY,
  syllables?: SyllableCounter,
): Hints {
  const isPoll = !content.text.trim() && content.poll !== undefined;
  const analysed = analyse(isPoll ? (content.poll?.question ?? "") : content.text, options, syllables);
  const text: Readability = isPoll ? { counts: analysed.counts, findings: analysed.findings } : analysed;
  const missing = mediaFindings(mediaForHints(content.media), options.describeMedia);
  const readability: Readability = { ...text, findings: sortFindings([...missing, ...text.findings]) };
  return {
    readability,
    lines: hintTexts(readability),
    missingDescriptions: missing.length,
    descriptionRequired: missing.some((f) => f.severity === "required"),
  };
}
