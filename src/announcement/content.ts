import { createHash } from "node:crypto";
import type { Content, MediaItem, Poll } from "./announcement.ts";
import { fail, ok, type Result } from "../errors.ts";
import { postText } from "../render/whatsapp.ts";
import { checkCharacters, checkLinksIn, firstInvisible, isBlank, visibleKey, type TextField } from "./text-hygiene.ts";

/** Caps adopted for WhatsApp Channels (docs/whatsapp-channels.md §6), counted in Unicode code points. */
export const LIMITS = {
  text: 4096,
  caption: 1024,
  pollQuestion: 255,
  pollOption: 100,
  pollOptionsMin: 2,
  pollOptionsMax: 12,
  imageBytes: 5 * 1024 * 1024,
  videoBytes: 16 * 1024 * 1024,
} as const;

const MEDIA_RULES: Record<string, number> = {
  "image/jpeg": LIMITS.imageBytes,
  "video/mp4": LIMITS.videoBytes,
};

export const codePoints = (s: string): number => [...s].length;

/** Turns common chat markdown into WhatsApp markup and tidies white space. */
export function normaliseText(raw: string): string {
  return raw
    .replace(/\r\n?/g, "\n")
    .replace(/\[([^\]\n]+)\]\((\S+?)\)/g, (_m, label: string, url: string) =>
      label.trim() === url ? url : `${label.trim()}: ${url}`,
    )
    .replace(/\*\*(\S(?:[^*\n]*\S)?)\*\*/g, "*$1*")
    .replace(/~~(\S(?:[^~\n]*\S)?)~~/g, "~$1~")
    .replace(/^[ \t]*[•·▪][ \t]+/gm, "- ")
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Every text of a content that reaches the post or its preview, with where it is. */
function textsOf(content: Content): [string, TextField][] {
  return [
    [content.text, { field: "text" }],
    ...(content.poll
      ? [
          [content.poll.question, { field: "pollQuestion" }] as [string, TextField],
          ...content.poll.options.map((o, i): [string, TextField] => [o, { field: "pollOption", number: i + 1 }]),
        ]
      : []),
    ...content.media.map((m): [string, TextField] => [m.altText ?? "", { field: "description", file: m.name }]),
  ];
}

/**
 * What the author wrote, before the service adds a follow-up's head or the exercise mark: no control or bidi
 * characters, no link a reader cannot trust, and no text made of invisible characters only. A follow-up may
 * come without text of its own (`textOptional`).
 */
export function checkAuthored(content: Content, { textOptional }: { textOptional: boolean }): Result<void> {
  const texts = textsOf(content);
  for (const [text, where] of texts) {
    const clean = checkCharacters(text, where);
    if (!clean.ok) return clean;
  }
  if (content.text && isBlank(content.text)) return fail("EMPTY_TEXT", invisibleParam(content.text));
  if (!textOptional && !content.text && !content.poll && content.media.length === 0) return fail("EMPTY_TEXT");
  for (const m of content.media) {
    if (m.altText && isBlank(m.altText)) {
      return fail("EMPTY_DESCRIPTION", { name: m.name, ...invisibleParam(m.altText) });
    }
  }
  for (const [text, where] of texts) {
    const links = checkLinksIn(text, where);
    if (!links.ok) return links;
  }
  return ok(undefined);
}

const invisibleParam = (text: string): { invisible?: string } => {
  const invisible = firstInvisible(text);
  return invisible ? { invisible } : {};
};

export function validateContent(content: Content): Result<Content> {
  const authored = checkAuthored(content, { textOptional: false });
  if (!authored.ok) return authored;
  const max = content.media.length > 0 ? LIMITS.caption : LIMITS.text;
  const length = codePoints(postText(content));
  if (length > max) {
    return fail(content.media.length > 0 ? "CAPTION_TOO_LONG" : "TEXT_TOO_LONG", { length, max, over: length - max });
  }
  if (content.media.length > 1) return fail("TOO_MANY_MEDIA", { count: content.media.length });
  if (content.poll && content.media.length > 0) return fail("POLL_WITH_MEDIA");
  if (content.poll) {
    const pollCheck = validatePoll(content.poll);
    if (!pollCheck.ok) return pollCheck;
  }
  for (const item of content.media) {
    const mediaCheck = validateMedia(item);
    if (!mediaCheck.ok) return mediaCheck;
  }
  return ok(content);
}

function validatePoll(poll: Poll): Result<Poll> {
  if (isBlank(poll.question)) return fail("POLL_QUESTION_MISSING");
  const questionLength = codePoints(poll.question);
  if (questionLength > LIMITS.pollQuestion) {
    return fail("POLL_QUESTION_TOO_LONG", { length: questionLength, max: LIMITS.pollQuestion });
  }
  const count = poll.options.length;
  if (count < LIMITS.pollOptionsMin) return fail("POLL_TOO_FEW_OPTIONS", { count, min: LIMITS.pollOptionsMin });
  if (count > LIMITS.pollOptionsMax) return fail("POLL_TOO_MANY_OPTIONS", { count, max: LIMITS.pollOptionsMax });
  const seen = new Set<string>();
  for (const [i, option] of poll.options.entries()) {
    if (codePoints(option) > LIMITS.pollOption) {
      return fail("POLL_OPTION_TOO_LONG", { option, max: LIMITS.pollOption });
    }
    // Options that look alike are alike: "Ja" and "Ja" with a zero-width space are one answer twice.
    const key = visibleKey(option);
    if (!key) return fail("POLL_EMPTY_OPTION", { number: i + 1 });
    if (seen.has(key)) return fail("POLL_DUPLICATE_OPTION", { option });
    seen.add(key);
  }
  return ok(poll);
}

function validateMedia(item: MediaItem): Result<MediaItem> {
  const maxBytes = MEDIA_RULES[item.mimeType];
  if (maxBytes === undefined) {
    return fail("MEDIA_TYPE_NOT_ALLOWED", {
      name: item.name,
      type: item.mimeType,
      allowed: Object.keys(MEDIA_RULES).join(", "),
    });
  }
  if (item.bytes > maxBytes) {
    return fail("MEDIA_TOO_LARGE", { name: item.name, mb: toMb(item.bytes), maxMb: toMb(maxBytes) });
  }
  return ok(item);
}

const toMb = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(2);

/** Content hash: equal for equal published content, different otherwise. */
export function contentHash(content: Content): string {
  const canonical = JSON.stringify({
    text: content.text,
    poll: content.poll ? { q: content.poll.question, o: content.poll.options, m: content.poll.multipleChoice } : null,
    media: content.media.map((m) => ({ sha256: m.sha256, type: m.mimeType, alt: m.altText ?? null })),
  });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}
