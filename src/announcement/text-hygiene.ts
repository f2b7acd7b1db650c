import { fail, ok, type Result } from "../errors.ts";

/**
 * Text hygiene: what a person typed must read the same in the preview approvers judge and in the public post.
 *
 * - Refused, never stripped: C0 and C1 control characters other than line feed and tab (CR included: chat line
 *   breaks are turned into LF before this check), DEL, hidden format controls (deprecated format characters,
 *   interlinear annotations, tag characters outside an emoji flag sequence) and the bidirectional embeddings,
 *   overrides and isolates (U+202A–U+202E, U+2066–U+2069), which show text in another order than it is stored.
 * - Allowed: the bidi marks U+200E, U+200F and U+061C. They cannot reorder letters, only place neutral
 *   characters next to them, and mixed Arabic or Hebrew and Latin text (notices for new citizens) needs them.
 * - Text of only invisible characters (white space, zero-width characters, soft hyphens, BOM, other
 *   default-ignorable and format characters, the Braille blank) is empty.
 * - A link target is https:, mailto: or tel:; http: is insecure, anything else is refused.
 */

/** Where a text is, for errors that say where: the announcement text, a poll's parts, a picture's description. */
export type TextField =
  | { field: "text" }
  | { field: "pollQuestion" }
  | { field: "pollOption"; number: number }
  | { field: "description"; file: string }
  | { field: "reason" }
  | { field: "note" };

/** Allowed: an emoji flag sequence such as the flag of Scotland (U+1F3F4, tag letters, cancel tag U+E007F). */
const FLAG_TAG_SEQUENCE = /\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F}/gu;

const FORBIDDEN =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point here
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u206F\uFFF9-\uFFFB\u{E0001}\u{E0020}-\u{E007F}]/gu;

const BIDI = /^[\u202A-\u202E\u2066-\u2069]$/u;

// prettier-ignore
const C0_NAMES = [
  "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI",
  "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
];

// prettier-ignore
const C1_NAMES = [
  "PAD", "HOP", "BPH", "NBH", "IND", "NEL", "SSA", "ESA", "HTS", "HTJ", "VTS", "PLD", "PLU", "RI", "SS2", "SS3",
  "DCS", "PU1", "PU2", "STS", "CCH", "MW", "SPA", "EPA", "SOS", "SGCI", "SCI", "CSI", "ST", "OSC", "PM", "APC",
];

const OTHER_NAMES: Record<number, string> = {
  0x7f: "DEL",
  0x202a: "LRE",
  0x202b: "RLE",
  0x202c: "PDF",
  0x202d: "LRO",
  0x202e: "RLO",
  0x2066: "LRI",
  0x2067: "RLI",
  0x2068: "FSI",
  0x2069: "PDI",
  0x206a: "ISS",
  0x206b: "ASS",
  0x206c: "IAFS",
  0x206d: "AAFS",
  0x206e: "NADS",
  0x206f: "NODS",
  0xfff9: "IAA",
  0xfffa: "IAS",
  0xfffb: "IAT",
};

/** `U+001B`. */
export const codePointLabel = (char: string): string =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;

function characterName(char: string): string {
  const cp = char.codePointAt(0) ?? 0;
  if (cp < 0x20) return C0_NAMES[cp] ?? "";
  if (cp >= 0x80 && cp <= 0x9f) return C1_NAMES[cp - 0x80] ?? "";
  if (cp >= 0xe0000) return "TAG";
  return OTHER_NAMES[cp] ?? "";
}

/** The UTF-16 offsets of forbidden characters, emoji flag sequences left alone. */
function forbiddenOffsets(text: string): number[] {
  const masked = text.replace(FLAG_TAG_SEQUENCE, (sequence) => "x".repeat(sequence.length));
  return [...masked.matchAll(FORBIDDEN)].map((m) => m.index);
}

/**
 * Every refused character shown as `⟨U+001B⟩`, so an echo of it can neither repaint a terminal nor reorder
 * what a reader sees; everything else stays as it is.
 */
export function revealInvisible(text: string): string {
  const offsets = forbiddenOffsets(text);
  if (offsets.length === 0) return text;
  let out = "";
  let from = 0;
  for (const at of offsets) {
    const char = String.fromCodePoint(text.codePointAt(at) ?? 0);
    out += `${text.slice(from, at)}⟨${codePointLabel(char)}⟩`;
    from = at + char.length;
  }
  return out + text.slice(from);
}

const NEAR = 12;

/** The first refused character of `text`, with what an error needs to point at it. */
export function findForbidden(
  text: string,
): { kind: "control" | "bidi"; code: string; name: string; position: number; near: string } | undefined {
  const at = forbiddenOffsets(text)[0];
  if (at === undefined) return undefined;
  const char = String.fromCodePoint(text.codePointAt(at) ?? 0);
  const before = [...text.slice(0, at)];
  const after = [...text.slice(at + char.length)];
  const near = revealInvisible([...before.slice(-NEAR), char, ...after.slice(0, NEAR)].join(""))
    .replace(/\s+/g, " ")
    .trim();
  return {
    kind: BIDI.test(char) ? "bidi" : "control",
    code: codePointLabel(char),
    name: characterName(char),
    position: before.length + 1,
    near,
  };
}

/** What takes no room on screen: white space, zero-width and other default-ignorable or format characters. */
const INVISIBLE = /[\s\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\u2800]/gu;

/** Nothing a reader could see. */
export const isBlank = (text: string): boolean => text.replace(INVISIBLE, "") === "";

/** The first invisible character that is not plain white space, e.g. `U+200B`, for errors on blank text. */
export function firstInvisible(text: string): string | undefined {
  const char = [...text].find((c) => !/\s/.test(c));
  return char === undefined ? undefined : codePointLabel(char);
}

/** What two texts look like, to compare them: invisible characters out, white space single, one case. */
export const visibleKey = (text: string): string =>
  text
    .normalize("NFC")
    .replace(INVISIBLE, (c) => (/\s/.test(c) ? " " : ""))
    .replace(/ +/g, " ")
    .trim()
    .toLocaleLowerCase("de");

/** Refuses the first control or bidi character in a text, saying which, where and near what. */
export function checkCharacters(text: string, where: TextField): Result<void> {
  const found = findForbidden(text);
  if (!found) return ok(undefined);
  const { kind, ...params } = found;
  return fail(kind === "bidi" ? "BIDI_CONTROL" : "CONTROL_CHARACTER", { ...where, ...params });
}

/** Schemes besides https a published link may have: mail and phone. */
const OTHER_SAFE_SCHEMES = new Set(["mailto", "tel"]);

/**
 * A link target the post may carry: https (with a host), mailto or tel. An `http:` target is insecure;
 * anything else (javascript:, data:, file:, relative targets, targets with spaces or control characters) is
 * refused, with the label the author saw, if any.
 */
export function checkLinkTarget(target: string, where: TextField, label?: string): Result<void> {
  const url = target.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? "";
  const shown = label?.trim();
  const refused = fail<void>("UNSAFE_LINK", { ...where, url, ...(shown && shown !== url ? { label: shown } : {}) });
  if (/[\s\p{Cc}\p{Cf}]/u.test(url)) return refused;
  if (scheme === "http") return fail("INSECURE_LINK", { url });
  const safe = scheme === "https" ? URL.canParse(url) && new URL(url).hostname !== "" : OTHER_SAFE_SCHEMES.has(scheme);
  return safe ? ok(undefined) : refused;
}

/**
 * Link targets in plain text: anything with `scheme://`, and the schemes that run or embed something
 * (`javascript:`, `data:`, …) even without slashes. "Uhrzeit: 10:30" or "JavaScript: ein Kurs" are not links.
 * A target ends at white space or an invisible format character, such as the RLM after a link in Arabic text.
 */
const LINK_IN_TEXT =
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s\p{Cf}]+|\b(?:javascript|vbscript|livescript|data|file|blob):[^\s\p{Cf}]+/giu;

/** Refuses the first link in plain text whose target `checkLinkTarget` refuses. */
export function checkLinksIn(text: string, where: TextField): Result<void> {
  for (const [url] of text.matchAll(LINK_IN_TEXT)) {
    const checked = checkLinkTarget(url, where);
    if (!checked.ok) return checked;
  }
  return ok(undefined);
}

/**
 * A reason (rejection, withdrawal, retraction) or a review note: shown to the author, in previews and in the
 * audit trail, so it is held to the same characters as a post; one of invisible characters only is missing.
 */
export function checkReason(
  reason: string,
  missing: { id: string; action: "reject" | "withdraw" | "retract" | "flag" },
): Result<void> {
  const clean = checkCharacters(reason, { field: missing.action === "flag" ? "note" : "reason" });
  if (!clean.ok) return clean;
  return isBlank(reason) ? fail("MISSING_REASON", missing) : ok(undefined);
}
