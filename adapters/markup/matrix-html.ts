import { NodeType, parse, type HTMLElement, type Node } from "node-html-parser";
import { checkLinkTarget } from "../../src/announcement/text-hygiene.ts";
import { ok, type DomainError, type Result } from "../../src/errors.ts";

/** Links refused while converting; the first one is the answer. */
type Refused = DomainError[];

/** Never shown by a Matrix client, so never published: the reply fallback, scripts and styles. */
const HIDDEN = new Set(["mx-reply", "script", "style"]);

/** The text of an element as a client shows it, without what is hidden. */
function shownText(node: Node): string {
  if (node.nodeType === NodeType.TEXT_NODE) return node.text;
  if (node.nodeType !== NodeType.ELEMENT_NODE) return "";
  const el = node as HTMLElement;
  return HIDDEN.has(el.tagName.toLowerCase()) ? "" : el.childNodes.map(shownText).join("");
}

const WRAP: Record<string, string> = { strong: "*", b: "*", em: "_", i: "_", del: "~", s: "~", strike: "~" };

function inline(node: Node, refused: Refused): string {
  if (node.nodeType === NodeType.TEXT_NODE) return node.text.replace(/\s+/g, " ");
  if (node.nodeType !== NodeType.ELEMENT_NODE) return "";
  const el = node as HTMLElement;
  const tag = el.tagName.toLowerCase();
  if (HIDDEN.has(tag)) return "";
  if (tag === "br") return "\n";
  const inner = () => el.childNodes.map((c) => inline(c, refused)).join("");
  const mark = WRAP[tag];
  if (mark) {
    const text = inner();
    const core = text.trim();
    return core ? text.replace(core, () => `${mark}${core}${mark}`) : text;
  }
  if (tag === "code") return `\`${shownText(el)}\``;
  if (tag === "a") {
    const href = el.getAttribute("href") ?? "";
    const label = inner().trim();
    if (href.startsWith("https://matrix.to/#/") || !href) return label;
    const safe = checkLinkTarget(href, { field: "text" }, label);
    if (!safe.ok) refused.push(safe.error);
    if (!label || label === href) return href;
    return `${label}: ${href}`;
  }
  if (tag === "img") return el.getAttribute("alt") ?? "";
  return block(el, refused);
}

function block(el: HTMLElement, refused: Refused): string {
  const tag = el.tagName?.toLowerCase() ?? "";
  const children = () => el.childNodes.map((c) => inline(c, refused)).join("");
  switch (tag) {
    case "p":
    case "div":
    case "h1":
    case "h2":
    case "h3":
    case "h4":
    case "h5":
    case "h6":
      return `\n\n${children().trim()}\n\n`;
    case "pre":
      return `\n\n\`\`\`${shownText(el).replace(/\n$/, "")}\`\`\`\n\n`;
    case "blockquote":
      return `\n\n${tidy(children())
        .split("\n")
        .map((line) => `> ${line}`)
        .join("\n")}\n\n`;
    case "ul":
    case "ol": {
      const items = el.childNodes.filter(
        (c): c is HTMLElement =>
          c.nodeType === NodeType.ELEMENT_NODE && (c as HTMLElement).tagName.toLowerCase() === "li",
      );
      const start = Number(el.getAttribute("start") ?? 1) || 1;
      const lines = items.map(
        (li, i) =>
          `${tag === "ol" ? `${start + i}.` : "-"} ${tidy(li.childNodes.map((c) => inline(c, refused)).join(""))}`,
      );
      return `\n\n${lines.join("\n")}\n\n`;
    }
    default:
      return children();
  }
}

const tidy = (text: string): string =>
  text
    .split("\n")
    .map((line) => line.replace(/[ \t]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();

/**
 * Matrix `formatted_body` (HTML) to WhatsApp text (whatsapp-channels.md §7); the reply fallback is dropped.
 * A link the author saw only as its label, e.g. `<a href="javascript:…">klick</a>`, is refused, never rendered.
 */
export function matrixHtmlToWhatsApp(html: string): Result<string> {
  const root = parse(html, { comment: false, blockTextElements: {} });
  const refused: Refused = [];
  const text = tidy(root.childNodes.map((c) => inline(c, refused)).join(""));
  const [first] = refused;
  return first ? { ok: false, error: first } : ok(text);
}
