/**
 * Plain-language hints for an announcement, before anyone approves it. Pure: no I/O, no SDK; the syllable counter
 * is a parameter (the built-in German vowel-group counter by default, a hyphenation-based one from the caller).
 *
 * Scores
 * - Flesch Reading Ease for German (Amstad 1978, "Wie verständlich sind unsere Zeitungen?", Diss. Zürich):
 *     FRE = 180 − ASL − 58.5 × ASW
 *   ASL = words per sentence, ASW = syllables per word. Higher is easier; on this scale 0–30 is very hard,
 *   30–50 hard, 50–60 fairly hard, 60–70 medium, 70–80 fairly easy, 80–90 easy, 90–100 very easy.
 * - 1st Wiener Sachtextformel (Bamberger & Vanecek 1984, "Lesen – Verstehen – Lernen – Schreiben", Wien):
 *     WSTF1 = 0.1935 × MS + 0.1672 × SL + 0.1297 × IW − 0.0327 × ES − 0.875
 *   MS = % of words with three or more syllables, SL = mean sentence length in words, IW = % of words with more
 *   than six letters, ES = % of one-syllable words. Roughly a school grade: 4 very easy … 15 very hard.
 *
 * Default thresholds (DEFAULT_READABILITY) are meant for announcements to the general public, and flag only
 * clearly hard text: FRE below 50 ("schwer" and worse) or WSTF above 12. Scores of very short texts say little,
 * so `hard_to_read` needs at least SCORE_MIN_WORDS words.
 *
 * Findings are hints: nothing here blocks a post.
 */
import { germanSyllables, type SyllableCounter } from "./syllables.ts";
import { splitText, type Sentence, type Word } from "./text.ts";

export interface ReadabilityOptions {
  /** Off: no text hints and no scores (picture descriptions are checked by `mediaFindings` regardless). */
  enabled: boolean;
  maxSentenceWords: number;
  /** Letters of one word (each part of a hyphenated compound counts on its own). */
  maxWordLetters: number;
  maxEmoji: number;
  /** `hard_to_read` below this Flesch (Amstad) score; none when unset. */
  minFleschScore?: number;
  /** `hard_to_read` above this 1st Wiener Sachtextformel value; none when unset. */
  maxWstf?: number;
  /** A picture or video without a description: a warning ("hint") or a required description ("required"). */
  describeMedia: "hint" | "required";
}

export const DEFAULT_READABILITY: Readonly<ReadabilityOptions> = Object.freeze({
  enabled: true,
  maxSentenceWords: 20,
  maxWordLetters: 20,
  maxEmoji: 3,
  minFleschScore: 50,
  maxWstf: 12,
  describeMedia: "hint",
});

/** Below this many words the scores are shown by nobody and judged by nothing. */
export const SCORE_MIN_WORDS = 10;

export type FindingCode =
  | "image_without_description"
  | "video_without_description"
  | "hard_to_read"
  | "long_sentence"
  | "long_word"
  | "passive_voice"
  | "bare_url"
  | "all_caps"
  | "too_many_emoji"
  | "hashtag_case";

/** Most important first: the order in which hints are shown. */
export const FINDING_ORDER: readonly FindingCode[] = [
  "image_without_description",
  "video_without_description",
  "hard_to_read",
  "long_sentence",
  "long_word",
  "passive_voice",
  "bare_url",
  "all_caps",
  "too_many_emoji",
  "hashtag_case",
];

export interface Finding {
  code: FindingCode;
  /** "hint" for text; a missing media description is a "warning", or "required" where the policy says so. */
  severity: "hint" | "warning" | "required";
  /** The offending text, shortened: a sentence start, a word, a URL, a hashtag; "" where there is none. */
  excerpt: string;
  /** The measured number: words of the sentence, letters of the word, emoji, or the score. */
  value?: number;
  /** The limit it was measured against. */
  limit?: number;
  /** Which score `hard_to_read` is about. */
  metric?: "flesch" | "wstf";
  /** 1-based position of the picture or video among the attachments of its kind … */
  index?: number;
  /** … and how many of that kind there are. */
  of?: number;
}

export interface ReadabilityCounts {
  sentences: number;
  words: number;
  syllables: number;
  /** Words with three or more syllables. */
  polysyllables: number;
  /** Words with one syllable. */
  monosyllables: number;
  /** Words with more than six letters. */
  longWords: number;
}

export interface Readability {
  counts: ReadabilityCounts;
  /** Present when the text has at least one word. */
  scores?: { flesch: number; wstf: number };
  findings: Finding[];
}

/** All-caps words that are names or abbreviations, not shouting. */
export const CAPS_ALLOWED: ReadonlySet<string> = new Set([
  "NINA",
  "KATWARN",
  "ELSTER",
  "ÖPNV",
  "ADAC",
  "DLRG",
  "NABU",
  "BUND",
  "ARGE",
  "WLAN",
  "IBAN",
  "SEPA",
  "COVID",
  "UNESCO",
  "NATO",
  "UEFA",
  "FIFA",
]);

const PASSIVE_AUX: ReadonlySet<string> = new Set(["wird", "werden", "wurde", "wurden", "worden", "geworden"]);
const SEPARABLE = "ab|an|auf|aus|bei|ein|fest|frei|her|hin|los|mit|nach|vor|weg|zu|zurück|zusammen|um|durch|wieder";
/**
 * Past participles: ge…t / ge…en (also after a separable prefix: "abgesagt", "eingestellt", "umgeleitet"), …iert,
 * and weak participles of inseparable verbs (be-/ver-/er-/zer-/ent-/emp-…t: "verlegt", "erneuert"). Lower case
 * only, so nouns such as "Gemeinde" or "Gebiet" never match.
 */
const PARTICIPLE = new RegExp(
  `^(?:(?:${SEPARABLE})?ge\\p{Ll}{2,}(?:t|en)|\\p{Ll}{3,}iert|(?:be|ver|er|zer|ent|emp)\\p{Ll}{2,}t)$`,
  "u",
);

/** The start of a sentence for an excerpt: at most six words and about 50 characters. */
const shorten = (text: string, words = 6, chars = 50): string => {
  const parts = text.split(" ");
  let out = "";
  for (const part of parts.slice(0, words)) {
    if (out && out.length + part.length + 1 > chars) break;
    out = out ? `${out} ${part}` : part;
  }
  return out === text ? text : `${out} …`;
};

/**
 * Syllables of one word; a hyphenated compound is the sum of its parts ("Rathaus-Parkplatz").
 */
function syllablesOfWord(word: Word, syllables: SyllableCounter): number {
  const parts = word.text.split(/[-‐]/u).filter((p) => /\p{L}/u.test(p));
  return parts.reduce((sum, p) => sum + Math.max(1, syllables(p)), 0) || 1;
}

function passiveIn(sentence: Sentence): string | undefined {
  const lower = sentence.words.map((w) => w.text);
  const aux = lower.findIndex((w) => PASSIVE_AUX.has(w.toLowerCase()));
  if (aux < 0) return undefined;
  // The participle closes the clause; one before a noun is an adjective ("die gesamten Arbeiten").
  const attributive = (i: number) => /^\p{Lu}/u.test(lower[i + 1] ?? "");
  const candidate = (w: string, i: number) => i !== aux && PARTICIPLE.test(w) && !attributive(i);
  const after = lower.findIndex((w, i) => i > aux && candidate(w, i));
  const participle = after >= 0 ? after : lower.findLastIndex((w, i) => i < aux && candidate(w, i));
  if (participle < 0) return undefined;
  const [first, second] = aux < participle ? [aux, participle] : [participle, aux];
  const gap = second - first > 1 ? " … " : " ";
  return `${lower[first]}${gap}${lower[second]}`;
}

const isCaps = (w: Word): boolean =>
  w.letters.length >= 4 &&
  !/\d/u.test(w.text) &&
  w.letters === w.letters.toUpperCase() &&
  w.letters !== w.letters.toLowerCase() &&
  !CAPS_ALLOWED.has(w.letters);

/** A hashtag of ten letters or more written all lower-case or all upper-case ("#stadtachim" → "#StadtAchim"). */
function badHashtag(tag: string): boolean {
  const letters = tag.replace(/[^\p{L}]/gu, "");
  return letters.length >= 10 && (letters === letters.toLowerCase() || letters === letters.toUpperCase());
}

const EMPTY_COUNTS: ReadabilityCounts = {
  sentences: 0,
  words: 0,
  syllables: 0,
  polysyllables: 0,
  monosyllables: 0,
  longWords: 0,
};

/** The two scores from the counts (undefined without words). */
export function scoresOf(c: ReadabilityCounts): { flesch: number; wstf: number } | undefined {
  if (c.words === 0 || c.sentences === 0) return undefined;
  const asl = c.words / c.sentences;
  const asw = c.syllables / c.words;
  const pct = (n: number) => (100 * n) / c.words;
  return {
    flesch: 180 - asl - 58.5 * asw,
    wstf:
      0.1935 * pct(c.polysyllables) + 0.1672 * asl + 0.1297 * pct(c.longWords) - 0.0327 * pct(c.monosyllables) - 0.875,
  };
}

export function analyse(
  text: string,
  options: ReadabilityOptions = DEFAULT_READABILITY,
  syllables: SyllableCounter = germanSyllables,
): Readability {
  if (!options.enabled) return { counts: { ...EMPTY_COUNTS }, findings: [] };
  const parts = splitText(text);
  const counts = { ...EMPTY_COUNTS };
  const findings: Finding[] = [];
  const longWords = new Set<string>();
  const caps: string[] = [];

  for (const sentence of parts.sentences) {
    counts.sentences += 1;
    for (const word of sentence.words) {
      const n = syllablesOfWord(word, syllables);
      counts.words += 1;
      counts.syllables += n;
      if (n >= 3) counts.polysyllables += 1;
      if (n === 1) counts.monosyllables += 1;
      if (word.letters.length > 6) counts.longWords += 1;
      for (const part of word.text.split(/[-‐]/u)) {
        const letters = part.replace(/[^\p{L}]/gu, "").length;
        if (letters > options.maxWordLetters && !longWords.has(part)) {
          longWords.add(part);
          findings.push({
            code: "long_word",
            severity: "hint",
            excerpt: part,
            value: letters,
            limit: options.maxWordLetters,
          });
        }
      }
      if (isCaps(word) && !caps.includes(word.letters)) caps.push(word.letters);
    }
    if (sentence.words.length > options.maxSentenceWords) {
      findings.push({
        code: "long_sentence",
        severity: "hint",
        excerpt: shorten(sentence.text),
        value: sentence.words.length,
        limit: options.maxSentenceWords,
      });
    }
    const passive = passiveIn(sentence);
    if (passive) findings.push({ code: "passive_voice", severity: "hint", excerpt: passive });
  }

  // ALL CAPS: five letters or more; four-letter ones only when the text has at least two all-caps words.
  const shouting = caps.filter((w) => w.length >= 5 || caps.length >= 2);
  if (shouting.length) {
    findings.push({ code: "all_caps", severity: "hint", excerpt: shouting.join(", "), value: shouting.length });
  }
  if (parts.emoji.length > options.maxEmoji) {
    findings.push({
      code: "too_many_emoji",
      severity: "hint",
      excerpt: parts.emoji.join(""),
      value: parts.emoji.length,
      limit: options.maxEmoji,
    });
  }
  for (const tag of new Set(parts.hashtags.filter(badHashtag))) {
    findings.push({ code: "hashtag_case", severity: "hint", excerpt: tag });
  }
  for (const { url } of parts.urls.filter((u) => !u.hasContext)) {
    findings.push({ code: "bare_url", severity: "hint", excerpt: url });
  }

  const scores = scoresOf(counts);
  if (scores && counts.words >= SCORE_MIN_WORDS) {
    if (options.minFleschScore !== undefined && scores.flesch < options.minFleschScore) {
      findings.push({
        code: "hard_to_read",
        severity: "hint",
        excerpt: "",
        metric: "flesch",
        value: scores.flesch,
        limit: options.minFleschScore,
      });
    }
    if (options.maxWstf !== undefined && scores.wstf > options.maxWstf) {
      findings.push({
        code: "hard_to_read",
        severity: "hint",
        excerpt: "",
        metric: "wstf",
        value: scores.wstf,
        limit: options.maxWstf,
      });
    }
  }

  return { counts, ...(scores ? { scores } : {}), findings: sortFindings(findings) };
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => FINDING_ORDER.indexOf(a.code) - FINDING_ORDER.indexOf(b.code));
}

export interface MediaForHints {
  kind: "image" | "video";
  altText?: string;
}

/** The pictures and videos among attachments, known by a `kind` or a MIME type ("image/jpeg"). */
export function mediaForHints(
  media: readonly { kind?: string; mimeType?: string; altText?: string }[],
): MediaForHints[] {
  return media.flatMap((m): MediaForHints[] => {
    const kind = m.kind ?? m.mimeType?.split("/")[0];
    if (kind !== "image" && kind !== "video") return [];
    return [{ kind, ...(m.altText !== undefined ? { altText: m.altText } : {}) }];
  });
}

/** A picture or video without a description (WhatsApp has no alt text; the description travels in the caption). */
export function mediaFindings(media: readonly MediaForHints[], rule: "hint" | "required"): Finding[] {
  const findings: Finding[] = [];
  const seen = { image: 0, video: 0 };
  for (const item of media) {
    seen[item.kind] += 1;
    if (item.altText?.trim()) continue;
    findings.push({
      code: item.kind === "image" ? "image_without_description" : "video_without_description",
      severity: rule === "required" ? "required" : "warning",
      excerpt: "",
      index: seen[item.kind],
      of: media.filter((m) => m.kind === item.kind).length,
    });
  }
  return findings;
}
