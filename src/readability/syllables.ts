/**
 * Counting German syllables without a dictionary.
 *
 * The readability formulas need syllables per word. German spelling is close enough to pronunciation that counting
 * vowel nuclei works well: every vowel group is one syllable, where a group is a single vowel (a e i o u ä ö ü y
 * and accented loan vowels) or one of the two-letter nuclei below (diphthongs and long vowels). Other vowel pairs are
 * two syllables ("Situation": u|a, i|o). "qu" is a consonant cluster ("Quelle" = 2). Word-final "-ien" after a
 * consonant is "i|en" ("Ferien", "Medien", "Linien"), except in short words and after "sch" ("Wien", "schien").
 *
 * Known misses: hiatus across a morpheme boundary that looks like a diphthong ("ge|impft", "be|inhalten",
 * "Mu|se|um", "Ko|or|di|na|ti|on"), final "-ie" spoken as two syllables ("Fa|mi|li|e", "Li|ni|e") and silent
 * English e ("online", "Update"). A hyphenator fixes the first kind: `syllablesFromHyphenation` counts vowel groups
 * per hyphenation piece, so pieces split at those boundaries are counted right.
 */
export type SyllableCounter = (word: string) => number;

const VOWEL = /[aeiouyäöüàáâéèêëíìîïóòôúùûœæ]/;
/** Two letters that form one nucleus: diphthongs and doubled long vowels. */
const NUCLEI: ReadonlySet<string> = new Set(["ei", "ai", "au", "eu", "äu", "ie", "ey", "ay", "aa", "ee", "oo", "ou"]);

/** The vowel groups of one word (letters only; anything else is ignored). */
function vowelGroups(word: string): number {
  const w = word
    .toLowerCase()
    .replace(/[^\p{L}]/gu, "")
    .replace(/qu/g, "qv");
  let count = 0;
  let i = 0;
  while (i < w.length) {
    const c = w[i] ?? "";
    if (!VOWEL.test(c)) {
      i += 1;
      continue;
    }
    count += 1;
    i += NUCLEI.has(w.slice(i, i + 2)) ? 2 : 1;
  }
  // "-ien" at the end after a consonant: "Fe|ri|en", "Me|di|en"; not "Wien", "schien".
  if (w.length > 5 && /[^aeiouäöüy]ien$/.test(w) && !/schien$/.test(w)) count += 1;
  return count;
}

/** The built-in counter: vowel groups, at least one syllable for any word with a letter. */
export const germanSyllables: SyllableCounter = (word) => Math.max(1, vowelGroups(word));

/**
 * A counter built on a hyphenator (for example the TeX German patterns): the word is split into its hyphenation
 * pieces and the vowel groups of each piece are added up. Hyphenation alone undercounts (it never splits off one
 * letter: "Abend", "Oma", "über" stay whole; it keeps "Thea|ter", "Si|tua|ti|on"), vowel groups alone miss morpheme
 * boundaries ("ge|impft"); together they get both right.
 */
export function syllablesFromHyphenation(split: (word: string) => readonly string[]): SyllableCounter {
  return (word) => {
    const letters = word.replace(/[^\p{L}]/gu, "");
    if (!letters) return 1;
    const pieces = split(letters);
    const total = pieces.reduce((sum, piece) => sum + vowelGroups(piece), 0);
    return Math.max(1, total, pieces.length);
  };
}
