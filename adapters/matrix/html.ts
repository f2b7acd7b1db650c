/** Escapes text for Matrix HTML bodies. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/**
 * The bot's own text (WhatsApp-style marks, `code`, ``` blocks) as Matrix HTML. Everything is
 * escaped first, so nothing a person typed can become markup.
 */
export function textToHtml(text: string): string {
  return escapeHtml(text)
    .split(/```\n?([\s\S]*?)\n?```/)
    .map((part, i) => (i % 2 === 1 ? `<pre><code>${part}</code></pre>` : inlineHtml(part).replace(/\n/g, "<br>")))
    .join("");
}

/** Code spans stay as they are; marks apply only between them, so tags always nest. */
function inlineHtml(text: string): string {
  return text
    .split(/`([^`\n]+)`/)
    .map((part, i) => (i % 2 === 1 ? `<code>${part}</code>` : marks(part)))
    .join("");
}

/** A mark never spans a tag an earlier mark made (the text is escaped, so `<` is only ever ours). */
function marks(text: string): string {
  return text
    .replace(/(^|[\s(])\*([^*\n<>]+)\*(?=$|[\s).,:;!?])/g, "$1<b>$2</b>")
    .replace(/(^|[\s(>])_([^_\n<>]+)_(?=$|[\s).,:;!?<])/g, "$1<i>$2</i>")
    .replace(/(^|[\s(>])~([^~\n<>]+)~(?=$|[\s).,:;!?<])/g, "$1<del>$2</del>");
}

/** A WhatsApp post as it will read, quoted so nobody mistakes the frame for content. */
export const quoteHtml = (text: string): string => `<blockquote>${textToHtml(text)}</blockquote>`;
