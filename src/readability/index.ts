export {
  analyse,
  CAPS_ALLOWED,
  DEFAULT_READABILITY,
  FINDING_ORDER,
  mediaFindings,
  mediaForHints,
  SCORE_MIN_WORDS,
  scoresOf,
  sortFindings,
  type Finding,
  type FindingCode,
  type MediaForHints,
  type Readability,
  type ReadabilityCounts,
  type ReadabilityOptions,
} from "./readability.ts";
export { germanSyllables, syllablesFromHyphenation, type SyllableCounter } from "./syllables.ts";
export {
  ABBREVIATIONS,
  splitText,
  wordsOf,
  type Sentence,
  type TextParts,
  type UrlOccurrence,
  type Word,
} from "./text.ts";
