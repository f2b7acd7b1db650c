import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { DeliveryAttempt, MediaItem, Poll } from "../../src/announcement/announcement.ts";
import type {
  OutboundPost,
  Outlet,
  OutletCapabilities,
  OutletHealth,
  PublishOutcome,
  ReadBackOutcome,
  RemoteRef,
} from "../../src/ports/outlet.ts";
import { postText } from "../../src/render/whatsapp.ts";
import { exchange, failure, type Exchange } from "../outlets/http.ts";
import type { MediaSource } from "../whatsapp/waha.ts";
import { toTelegramHtml } from "./html.ts";

export interface TelegramOptions {
  /** From @BotFather, `123456:ABC…`. */
  token: string;
  /** The channel: `@channelname`, or the numeric id `-100…` of a private channel. */
  chatId: string;
  /** The Bot API server; tests point it at a fake. */
  apiUrl?: string;
  timeoutMs?: number;
  media: MediaSource;
}

/** Telegram's limits (core.telegram.org/bots/api: sendMessage, sendPhoto, sendPoll), in UTF-16 code units. */
export const TELEGRAM_LIMITS = {
  text: 4096,
  caption: 1024,
  pollQuestion: 300,
  pollOption: 100,
  pollOptionsMin: 2,
  pollOptionsMax: 12,
} as const;

/** What a retracted post older than 48 hours says instead: a bot may not delete it any more, only edit it. */
export const RETRACTED_NOTICE = "⚠️ Zurückgezogen: Diese Meldung gilt nicht mehr.";

/** What a message is decides how it is edited: its text, or its caption; a poll cannot be edited at all. */
type Kind = "text" | "photo" | "video" | "poll";

/** `remoteId` is `<kind>:<message_id>`, e.g. `photo:42`. */
const RemoteId = z
  .string()
  .regex(/^(text|photo|video|poll):[1-9]\d*$/)
  .transform((id) => {
    const [kind, messageId] = id.split(":") as [Kind, string];
    return { kind, messageId: Number(messageId) };
  });

/** The Bot API's answer envelope (core.telegram.org/bots/api#making-requests). */
const Envelope = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error_code: z.number().int(),
    description: z.string(),
    parameters: z.object({ retry_after: z.number().optional() }).optional(),
  }),
]);

const SentMessage = z.object({
  message_id: z.number().int().positive(),
  chat: z.object({ id: z.number(), username: z.string().optional() }),
});

const Me = z.object({ id: z.number().int(), username: z.string().optional() });

const Member = z.object({ status: z.string(), can_post_messages: z.boolean().optional() });

type Answer =
  | { kind: "ok"; result: unknown }
  /** Telegram said no: `status` is the HTTP status, `description` its words. */
  | { kind: "error"; status: number; description: string; retryAfterS?: number }
  | Exclude<Exchange, { kind: "response" }>;

/** Telegram's words for a bot that may not post in the chat (not a member, or not an admin with the right). */
const NO_RIGHTS = /not a member|bot was kicked|not enough rights|need administrator rights|have no rights/i;
const NOT_MODIFIED = /message is not modified/i;

/** Telegram counts emoji outside the BMP twice; people count them once. */
const tooLong = (what: string, length: number, max: number): PublishOutcome =>
  failure(
    "bad_request",
    `Telegram counts ${length} characters in the ${what} (UTF-16; an emoji counts as 2), ${length - max} more than its limit of ${max}; nothing was sent`,
    false,
  );

/** A Telegram channel through the Bot API; the bot is an admin of the channel with the right to post. */
export class TelegramOutlet implements Outlet {
  readonly id = "telegram";
  readonly handoff = false;
  /** Telegram has no idempotency key: a send repeated is a second post. */
  readonly idempotent = false;
  /** Read-back is never possible (bots cannot read a channel), so there is nothing to wait for. */
  readonly readBackGraceMs = 0;
  /** The text or caption as Telegram counts it (UTF-16 after formatting), so drafting refuses what it would. */
  readonly measure = (content: Pick<OutboundPost, "text" | "media">): number =>
    toTelegramHtml(postText(content)).length;
  readonly capabilities: OutletCapabilities = {
    text: true,
    image: true,
    video: true,
    poll: true,
    edit: true,
    delete: true,
    maxTextLength: TELEGRAM_LIMITS.text,
    maxCaptionLength: TELEGRAM_LIMITS.caption,
  };
  readonly #o: Required<TelegramOptions>;

  constructor(options: TelegramOptions) {
    this.#o = {
      apiUrl: "https://api.telegram.org",
      timeoutMs: 30_000,
      ...options,
    };
    this.#o.apiUrl = this.#o.apiUrl.replace(/\/+$/, "");
  }

  /** A numeric id goes as a number, a `@name` as it is. */
  get #chat(): string | number {
    return /^-?\d+$/.test(this.#o.chatId) ? Number(this.#o.chatId) : this.#o.chatId;
  }

  async #call(
    method: string,
    params: Record<string, unknown>,
    file?: { field: string; item: MediaItem; bytes: Uint8Array },
  ): Promise<Answer> {
    const ex = await exchange({
      method: "POST",
      url: `${this.#o.apiUrl}/bot${this.#o.token}/${method}`,
      headers: {},
      ...(file ? { raw: multipart(params, file) } : { json: params }),
      timeoutMs: this.#o.timeoutMs,
    });
    // The token is part of the URL: it must never reach a log through an error text.
    if (ex.kind !== "response") return { ...ex, reason: ex.reason.replaceAll(this.#o.token, "<token>") };
    const envelope = Envelope.safeParse(ex.body);
    if (!envelope.success) {
      // A success without the envelope leaves open whether the post went out; an error page is still an error.
      if (ex.status < 300) return { kind: "unknown", reason: `Telegram answered ${ex.status} in an unknown shape` };
      return { kind: "error", status: ex.status, description: `HTTP ${ex.status}` };
    }
    if (envelope.data.ok) return { kind: "ok", result: envelope.data.result };
    const retryAfterS = envelope.data.parameters?.retry_after;
    return {
      kind: "error",
      status: ex.status,
      description: envelope.data.description,
      ...(retryAfterS === undefined ? {} : { retryAfterS }),
    };
  }

  async publish(post: OutboundPost, _attempt: DeliveryAttempt): Promise<PublishOutcome> {
    const replyTo = post.replyTo ? RemoteId.safeParse(post.replyTo.remoteId) : undefined;
    // The follow-up goes out even when the earlier post is gone.
    const reply = replyTo?.success
      ? { reply_parameters: { message_id: replyTo.data.messageId, allow_sending_without_reply: true } }
      : {};
    const item = post.media[0];
    if (item) return this.#sendMedia(post, item, reply);
    if (post.poll) return this.#sendPoll(post.poll, reply);
    const text = toTelegramHtml(post.text);
    if (!text.visible.trim()) {
      return failure("bad_request", "the post has no text for Telegram; nothing was sent", false);
    }
    if (text.length > TELEGRAM_LIMITS.text) return tooLong("text", text.length, TELEGRAM_LIMITS.text);
    const answer = await this.#call("sendMessage", {
      chat_id: this.#chat,
      text: text.html,
      parse_mode: "HTML",
      ...reply,
    });
    return this.#sent("sendMessage", "text", answer);
  }

  async #sendMedia(post: OutboundPost, item: MediaItem, reply: object): Promise<PublishOutcome> {
    const caption = toTelegramHtml(postText(post));
    if (caption.length > TELEGRAM_LIMITS.caption) return tooLong("caption", caption.length, TELEGRAM_LIMITS.caption);
    const bytes = await this.#o.media(item.sha256);
    if (!bytes) {
      return failure("bad_request", `the file ${item.name} is missing from the store; nothing was sent`, false);
    }
    const video = item.mimeType.startsWith("video/");
    const method = video ? "sendVideo" : "sendPhoto";
    const answer = await this.#call(
      method,
      {
        chat_id: this.#o.chatId,
        ...(caption.visible.trim() ? { caption: caption.html, parse_mode: "HTML" } : {}),
        ...(video ? { supports_streaming: "true" } : {}),
        ...reply,
      },
      { field: video ? "video" : "photo", item, bytes },
    );
    return this.#sent(method, video ? "video" : "photo", answer);
  }

  async #sendPoll(poll: Poll, reply: object): Promise<PublishOutcome> {
    const refused = pollProblem(poll);
    if (refused) return failure("bad_request", `${refused}; nothing was sent`, false);
    const answer = await this.#call("sendPoll", {
      chat_id: this.#chat,
      question: poll.question,
      options: poll.options.map((text) => ({ text })),
      // Channels allow anonymous polls only.
      is_anonymous: true,
      type: "regular",
      allows_multiple_answers: poll.multipleChoice,
      ...reply,
    });
    return this.#sent("sendPoll", "poll", answer);
  }

  #sent(method: string, kind: Kind, answer: Answer, knownId?: string): PublishOutcome {
    if (answer.kind !== "ok") return this.#refusal(method, answer);
    const message = SentMessage.safeParse(answer.result);
    if (knownId) {
      return { state: "sent", remoteId: knownId, ...(message.success ? urlOf(message.data) : {}) };
    }
    if (!message.success) return { state: "unknown", reason: `Telegram ${method} answered without a message id` };
    return { state: "sent", remoteId: `${kind}:${message.data.message_id}`, ...urlOf(message.data) };
  }

  /** What a refusal means; on a send, an answer that never came or a server error may hide a post that went out. */
  #refusal(method: string, answer: Exclude<Answer, { kind: "ok" }>): PublishOutcome {
    const chat = this.#o.chatId;
    if (answer.kind === "not_sent") {
      return failure("unreachable", `Telegram not reachable (${answer.reason}); nothing was sent`, true);
    }
    if (answer.kind === "unknown") return { state: "unknown", reason: `Telegram ${method}: ${answer.reason}` };
    const said = `${answer.status} ${answer.description}`;
    if (answer.status === 429) {
      return failure(
        "rate_limited",
        `Telegram asks to slow down (${said})`,
        true,
        answer.retryAfterS === undefined ? undefined : answer.retryAfterS * 1000,
      );
    }
    if (answer.status === 401 || answer.status === 404) {
      return failure("unauthorized", `Telegram refused the bot token (${said}); check TELEGRAM_BOT_TOKEN`, false);
    }
    if (answer.status >= 500)
      return { state: "unknown", reason: `Telegram ${method} answered ${said}; it may have gone out` };
    if (/chat not found/i.test(answer.description)) {
      return failure(
        "not_found",
        `Telegram does not know the chat ${chat} (${said}); check TELEGRAM_CHAT_ID and that the bot was added to the channel`,
        false,
      );
    }
    if (NO_RIGHTS.test(answer.description)) {
      return failure(
        "unauthorized",
        `the bot may not post in ${chat} (${said}); make it an administrator of the channel with the right to post messages`,
        false,
      );
    }
    return failure("bad_request", `Telegram refused ${method} in ${chat} (${said})`, false);
  }

  /** Bots cannot read a channel's messages, so an unclear send goes to a person to check. */
  readBack(_post: OutboundPost, _attempt: DeliveryAttempt): Promise<ReadBackOutcome> {
    return Promise.resolve({
      state: "unavailable",
      reason: "Telegram bots cannot read channel history; please check the channel",
    });
  }

  async edit(ref: RemoteRef, post: OutboundPost): Promise<PublishOutcome> {
    const target = RemoteId.safeParse(ref.remoteId);
    if (!target.success) return failure("bad_request", `"${ref.remoteId}" is not a Telegram post id`, false);
    const { kind } = target.data;
    if (kind === "poll") return failure("bad_request", "Telegram cannot change a poll once it is sent", false);
    const content = toTelegramHtml(kind === "text" ? post.text : postText(post));
    if (kind === "text" && !content.visible.trim()) {
      return failure("bad_request", "the corrected post has no text for Telegram", false);
    }
    const max = kind === "text" ? TELEGRAM_LIMITS.text : TELEGRAM_LIMITS.caption;
    if (content.length > max) return tooLong(kind === "text" ? "text" : "caption", content.length, max);
    return this.#replace(ref.remoteId, kind, target.data.messageId, content.html);
  }

  /** Replaces the text or caption; the same content again (a repeated edit) is done, not an error. */
  async #replace(
    remoteId: string,
    kind: Exclude<Kind, "poll">,
    messageId: number,
    html: string,
  ): Promise<PublishOutcome> {
    const method = kind === "text" ? "editMessageText" : "editMessageCaption";
    const field = kind === "text" ? "text" : "caption";
    const answer = await this.#call(method, {
      chat_id: this.#chat,
      message_id: messageId,
      [field]: html,
      parse_mode: "HTML",
    });
    if (answer.kind === "error" && NOT_MODIFIED.test(answer.description)) return { state: "sent", remoteId };
    return this.#sent(method, kind, answer, remoteId);
  }

  /**
   * Deletes the post. A bot may delete a channel post only within 48 hours; an older one is edited to a
   * retraction notice instead, and a poll (which cannot be edited) is closed and left to a person.
   */
  async remove(ref: RemoteRef): Promise<PublishOutcome> {
    const target = RemoteId.safeParse(ref.remoteId);
    if (!target.success) return failure("bad_request", `"${ref.remoteId}" is not a Telegram post id`, false);
    const { kind, messageId } = target.data;
    const answer = await this.#call("deleteMessage", { chat_id: this.#chat, message_id: messageId });
    if (answer.kind === "ok") return { state: "sent", remoteId: ref.remoteId };
    // Deleted already (a repeated removal, or by hand).
    if (answer.kind === "error" && /message to delete not found/i.test(answer.description)) {
      return { state: "sent", remoteId: ref.remoteId };
    }
    if (answer.kind !== "error" || !/message can't be deleted/i.test(answer.description)) {
      return this.#refusal("deleteMessage", answer);
    }
    if (kind !== "poll") return this.#replace(ref.remoteId, kind, messageId, toTelegramHtml(RETRACTED_NOTICE).html);
    const stopped = await this.#call("stopPoll", { chat_id: this.#chat, message_id: messageId });
    if (stopped.kind !== "ok" && !(stopped.kind === "error" && /already been closed/i.test(stopped.description))) {
      return this.#refusal("stopPoll", stopped);
    }
    return failure(
      "bad_request",
      `poll ${messageId} in ${this.#o.chatId} is older than 48 hours: a bot can no longer delete it and a poll cannot be edited; voting was closed, please delete it in Telegram by hand`,
      false,
    );
  }

  async health(): Promise<OutletHealth> {
    const me = await this.#call("getMe", {});
    if (me.kind !== "ok") return this.#unhealthy("getMe", me);
    const bot = Me.safeParse(me.result);
    if (!bot.success)
      return { state: "degraded", reason: "Telegram getMe answer not understood", problem: "unexpected" };
    const answer = await this.#call("getChatMember", { chat_id: this.#chat, user_id: bot.data.id });
    if (answer.kind !== "ok") return this.#unhealthy("getChatMember", answer);
    const member = Member.safeParse(answer.result);
    if (!member.success) {
      return { state: "degraded", reason: "Telegram getChatMember answer not understood", problem: "unexpected" };
    }
    const name = bot.data.username ? `@${bot.data.username}` : `bot ${bot.data.id}`;
    const { status, can_post_messages: canPost } = member.data;
    if (status !== "administrator" && status !== "creator") {
      return {
        state: "down",
        reason: `${name} is ${status} of ${this.#o.chatId}, not an administrator`,
        problem: "not_admin",
      };
    }
    if (canPost === false) {
      return {
        state: "down",
        reason: `${name} is an administrator of ${this.#o.chatId} without the right to post messages`,
        problem: "not_admin",
      };
    }
    return { state: "ok" };
  }

  #unhealthy(method: string, answer: Exclude<Answer, { kind: "ok" }>): OutletHealth {
    if (answer.kind !== "error") {
      return { state: "down", reason: `Telegram not reachable (${method}: ${answer.reason})`, problem: "unreachable" };
    }
    const outcome = this.#refusal(method, answer);
    const reason = outcome.state === "failed" || outcome.state === "unknown" ? outcome.reason : answer.description;
    if (answer.status === 401 || answer.status === 404) return { state: "down", reason, problem: "unauthorized" };
    if (/chat not found/i.test(answer.description)) return { state: "down", reason, problem: "channel_unknown" };
    if (NO_RIGHTS.test(answer.description)) return { state: "down", reason, problem: "not_admin" };
    return { state: "degraded", reason, problem: "unexpected" };
  }
}

/** Why Telegram would refuse the poll, or undefined when it fits its limits (counted in UTF-16 code units). */
function pollProblem(poll: Poll): string | undefined {
  const L = TELEGRAM_LIMITS;
  if (!poll.question.trim() || poll.question.length > L.pollQuestion) {
    return `Telegram takes a poll question of 1 to ${L.pollQuestion} characters (UTF-16), this one has ${poll.question.length}`;
  }
  if (poll.options.length < L.pollOptionsMin || poll.options.length > L.pollOptionsMax) {
    return `Telegram takes ${L.pollOptionsMin} to ${L.pollOptionsMax} poll options, this poll has ${poll.options.length}`;
  }
  const bad = poll.options.find((o) => !o.trim() || o.length > L.pollOption);
  if (bad !== undefined) {
    return `Telegram takes poll options of 1 to ${L.pollOption} characters (UTF-16), "${bad}" has ${bad.length}`;
  }
  return undefined;
}

/**
 * A multipart/form-data body (RFC 7578) built by hand: `FormData` turns every line break in a field into CRLF,
 * which would reach the channel and count against the caption limit.
 */
function multipart(
  params: Record<string, unknown>,
  file: { field: string; item: MediaItem; bytes: Uint8Array },
): { contentType: string; bytes: Uint8Array } {
  const boundary = `amtsbote-${randomUUID()}`;
  const quoted = (s: string) => s.replace(/["\r\n]/g, (c) => encodeURIComponent(c));
  const parts: (string | Uint8Array)[] = [];
  for (const [name, value] of Object.entries(params)) {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${text}\r\n`);
  }
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${quoted(file.item.name)}"\r\n` +
      `Content-Type: ${file.item.mimeType}\r\n\r\n`,
    file.bytes,
    `\r\n--${boundary}--\r\n`,
  );
  const encoder = new TextEncoder();
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    bytes: Buffer.concat(parts.map((p) => (typeof p === "string" ? encoder.encode(p) : p))),
  };
}

/** A public channel's post has an address; a private channel's has none anyone outside could open. */
const urlOf = (message: z.infer<typeof SentMessage>): { url?: string } =>
  message.chat.username ? { url: `https://t.me/${message.chat.username}/${message.message_id}` } : {};
