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

export function renderForWhatsApp(post: Pick<OutboundPost, "text" | "poll" | "media">): WhatsAppRendering {
  return {
    text: post.text,
    ...(post.poll ? { poll: post.poll } : {}),
    media: post.media.map((m) => (m.altText ? `${m.name} (${m.altText})` : m.name)),
  };
}
