import type { Content } from "../announcement/announcement.ts";
import { revealInvisible } from "../announcement/text-hygiene.ts";
import type { OutboundPost } from "../ports/outlet.ts";

/**
 * The post exactly as the WhatsApp channel shows it. The text is stored already in WhatsApp
 * markup (`*bold*`, `_italic_`, `~strike~`, lists, raw URLs); a poll is a post of its own.
 */
export interface WhatsAppRendering {
  text: string;
  poll?: { question: string; options: string[]; multipleChoice: boolean };
  media: string[];
}

/**
 * The text or caption as posted. WhatsApp has no alt text, so a picture's description
 * is carried in the caption.
 */
export function postText(content: Pick<Content, "text" | "media">): string {
  const alt = content.media.find((m) => m.altText)?.altText;
  if (!alt) return content.text;
  return content.text ? `${content.text}\n\n🖼️ ${alt}` : `🖼️ ${alt}`;
}

export function renderForWhatsApp(post: Pick<OutboundPost, "text" | "poll" | "media">): WhatsAppRendering {
  return {
    text: postText(post),
    ...(post.poll ? { poll: post.poll } : {}),
    // A file name comes from the chat as it is; it is shown, never published, so it is made visible, not refused.
    media: post.media.map(
      (m) => `${revealInvisible(m.name)} (${m.mimeType}, ${Math.max(1, Math.round(m.bytes / 1024))} KB)`,
    ),
  };
}

/** A text's first line, without WhatsApp markup: how a list or a follow-up names a post. */
export const plainFirstLine = (text: string): string =>
  (text.split("\n").find((line) => line.trim()) ?? "").replace(/[*_~`]/g, "").trim();

/** At most `max` code points, cut with "…". */
export const shortened = (text: string, max: number): string =>
  [...text].length > max ? `${[...text].slice(0, max - 1).join("")}…` : text;
