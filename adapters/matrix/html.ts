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

function inlineHtml(text: string): string {
  return text
    .replace(/`([^`\n]+)`/g, "<code>$1</code>")
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, "$1<b>$2</b>")
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, "$1<i>$2</i>")
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, "$1<del>$2</del>");
}

/** A WhatsApp post as it will read, quoted so nobody mistakes the frame for content. */
export const quoteHtml = (text: string): string => `<blockquote>${textToHtml(text)}</blockquote>`;
