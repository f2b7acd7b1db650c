/**
 * WhatsApp's emphasis marks around a word or phrase: `*bold*`, `_italic_`, `~strike~`, and ```monospace```.
 * Groups: what comes before, the mark, the text inside. Global: reset `lastIndex` or use `replace`.
 */
export const EMPHASIS = /(^|[\s([{"'„«])(```|[*_~])(?=\S)([^\n]*?\S)\2(?=$|[\s)\]}.,;:!?"'“»])/gmu;

/**
 * The text without WhatsApp markup, for outlets that show plain text (Mastodon, mail, feeds). Marks inside words
 * and URLs (`snake_case`, `a*b`) are left as they are.
 */
export function plainText(text: string): string {
  let previous: string;
  let out = text;
  // Nested marks (`*_both_*`) come off one layer per round.
  do {
    previous = out;
    out = out.replace(EMPHASIS, (_m, before: string, _mark: string, inner: string) => `${before}${inner}`);
  } while (out !== previous);
  return out;
}
