/**
 * WhatsApp markup to Telegram's HTML parse mode (core.telegram.org/bots/api#html-style).
 *
 * The marks are found exactly as `plainText()` (src/render/plain.ts) finds them, one layer per round, so the text
 * Telegram shows is `plainText(text)`, character for character; everything else is HTML-escaped.
 */

import { EMPHASIS } from "../../src/render/plain.ts";

type Style = "b" | "i" | "s" | "code";

const STYLE_OF = { "*": "b", _: "i", "~": "s", "```": "code" } as const satisfies Record<string, Style>;

/** Tags open outermost first in this order, so equal styles always nest the same way. */
const ORDER: readonly Style[] = ["b", "i", "s", "code"];

/** A styled stretch of the visible text, in UTF-16 indices. */
interface Span {
  start: number;
  end: number;
  style: Style;
}

export interface TelegramText {
  /** The text for `parse_mode: "HTML"`. */
  html: string;
  /** What Telegram shows: the text without marks and tags, entities decoded. */
  visible: string;
  /**
   * Its length as Telegram counts it against the 4096 (text) and 1024 (caption) limits: UTF-16 code units after
   * entity parsing, so an emoji outside the BMP counts twice and a mark or tag not at all.
   */
  length: number;
}

/** Removes the marks one layer at a time, like `plainText()`, and remembers what each pair of marks styled. */
function parseMarks(text: string): { visible: string; spans: Span[] } {
  let visible = text;
  let spans: Span[] = [];
  for (;;) {
    const removed: [number, number][] = [];
    const found: Span[] = [];
    visible.replace(EMPHASIS, (match: string, before: string, mark: string, inner: string, offset: number) => {
      const innerStart = offset + before.length + mark.length;
      const innerEnd = innerStart + inner.length;
      removed.push([innerStart - mark.length, innerStart], [innerEnd, innerEnd + mark.length]);
      found.push({ start: innerStart, end: innerEnd, style: STYLE_OF[mark as keyof typeof STYLE_OF] });
      return match;
    });
    if (removed.length === 0) return { visible, spans };
    // An index moves left by the number of mark characters removed before it.
    const shift = (index: number): number =>
      removed.reduce((n, [from, to]) => n + Math.max(0, Math.min(to, index) - from), 0);
    const moved = (s: Span): Span => ({ ...s, start: s.start - shift(s.start), end: s.end - shift(s.end) });
    spans = [...spans, ...found].map(moved);
    let kept = "";
    let at = 0;
    for (const [from, to] of removed) {
      kept += visible.slice(at, from);
      at = to;
    }
    visible = kept + visible.slice(at);
  }
}

const escapeHtml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * Telegram nests bold, italic and strikethrough freely but lets no entity into or around `code`: a monospace
 * stretch is only monospace.
 */
function stylesAt(spans: Span[], start: number, end: number): Style[] {
  const active = new Set(spans.filter((s) => s.start <= start && s.end >= end).map((s) => s.style));
  return active.has("code") ? ["code"] : ORDER.filter((s) => active.has(s));
}

/** The text as Telegram HTML, with what Telegram will show and how long it counts it. */
export function toTelegramHtml(text: string): TelegramText {
  const { visible, spans } = parseMarks(text);
  const cuts = [...new Set([0, visible.length, ...spans.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  const open: Style[] = [];
  let html = "";
  for (const [i, start] of cuts.entries()) {
    const end = cuts[i + 1];
    if (end === undefined || end <= start) continue;
    const wanted = stylesAt(spans, start, end);
    // Closes from the innermost tag down to the first one not wanted any more; tags never cross.
    const keep = open.findIndex((style, depth) => wanted[depth] !== style);
    if (keep !== -1) {
      for (const style of open.splice(keep).reverse()) html += `</${style}>`;
    }
    for (const style of wanted.slice(open.length)) {
      html += `<${style}>`;
      open.push(style);
    }
    html += escapeHtml(visible.slice(start, end));
  }
  for (const style of open.reverse()) html += `</${style}>`;
  return { html, visible, length: visible.length };
}
