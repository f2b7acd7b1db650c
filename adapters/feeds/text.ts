import { isoWithOffset } from "../../src/time/zoned.ts";
import { plainText } from "../../src/render/plain.ts";

/**
 * Characters XML 1.0 cannot carry (C0 controls except tab and line breaks, lone surrogates, U+FFFE/U+FFFF).
 * Refused upstream already; replaced here too, so no text can make a document malformed.
 */
const NOT_XML =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point here
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** Text for an XML element or attribute value (escaping `>` too keeps `]]>` harmless). */
export const xml = (text: string): string =>
  text.replace(NOT_XML, "\uFFFD").replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/** Text for HTML: escaped, line breaks kept as `<br>`. */
export const htmlText = (text: string): string =>
  text
    .replace(NOT_XML, "\uFFFD")
    .replace(/[&<>"']/g, (c) => (c === "'" ? "&#39;" : (ENTITIES[c] ?? c)))
    .replace(/\r?\n/g, "<br>\n");

/** Headlines longer than this are cut at a word, with an ellipsis. */
const MAX_TITLE = 140;

/** The first non-empty line of the plain text, cut to a headline's length; `fallback` for a post without text. */
export function titleOf(text: string, fallback: string): string {
  const line = plainText(text)
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "");
  if (!line) return fallback;
  const chars = [...line];
  if (chars.length <= MAX_TITLE) return line;
  const cut = chars.slice(0, MAX_TITLE - 1).join("");
  const atWord = cut.replace(/\s+\S*$/u, "");
  return `${atWord.length > MAX_TITLE / 2 ? atWord : cut}…`;
}

/** RFC 3339 in UTC, without fractions of a second (Atom, JSON Feed). */
export const rfc3339 = (iso: string): string => new Date(iso).toISOString().replace(/\.\d{3}Z$/, "Z");

/** RFC 822 date as RSS 2.0 and HTTP want it. */
export const rfc822 = (iso: string): string => new Date(iso).toUTCString();

/**
 * A CAP 1.2 time: the zone's wall time with its offset, whole seconds, UTC written `-00:00` (CAP 1.2 §3.3.2
 * forbids `Z`).
 */
export function capTime(iso: string, timeZone: string): string {
  const at = isoWithOffset(new Date(iso), timeZone);
  return at.endsWith("+00:00") ? `${at.slice(0, -6)}-00:00` : at;
}
