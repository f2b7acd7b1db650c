import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A Telegram Bot API stand-in on loopback, one channel and one bot, after core.telegram.org/bots/api:
 * `/bot<token>/<method>` with query, JSON, form or multipart parameters ("Making requests"); the answer envelope
 * `{ ok, result }` / `{ ok: false, error_code, description, parameters? }`; sendMessage, sendPhoto, sendVideo,
 * sendPoll, editMessageText, editMessageCaption, deleteMessage (48-hour rule), stopPoll, getMe, getChatMember;
 * parse_mode HTML as in "Formatting options"; the length limits "after entities parsing" in UTF-16 code units.
 * The error descriptions are the ones the real API gives for these cases.
 */

export interface Entity {
  type: string;
  /** UTF-16 code units, as Telegram counts. */
  offset: number;
  length: number;
}

export interface FakeMessage {
  message_id: number;
  /** Seconds since the epoch, by the fake's clock. */
  date: number;
  kind: "text" | "photo" | "video" | "poll";
  /** The text or caption as shown, entities decoded. */
  text: string;
  entities: Entity[];
  poll?: {
    question: string;
    options: string[];
    is_anonymous: boolean;
    allows_multiple_answers: boolean;
    is_closed: boolean;
  };
  file?: { name: string; type: string; bytes: Buffer };
  replyTo?: number;
  deleted: boolean;
  edits: number;
}

export interface SeenRequest {
  method: string;
  params: Record<string, unknown>;
  files: Record<string, { name: string; type: string; bytes: Buffer }>;
  contentType: string;
}

/** How the next call of a method goes instead of normally: an error answer, or a connection that fails. */
export type Scripted =
  | { status: number; description: string; retryAfter?: number }
  /** No answer ever; nothing done. */
  | "hang"
  /** The connection is cut before anything is done. */
  | "drop"
  /** Done (the post is in the channel), then the connection is cut. */
  | "drop_after";

const HOUR_MS = 3_600_000;

class ApiError extends Error {
  readonly status: number;
  readonly description: string;

  constructor(status: number, description: string) {
    super(description);
    this.status = status;
    this.description = description;
  }
}

const bad = (description: string) => new ApiError(400, `Bad Request: ${description}`);

export class FakeTelegram {
  readonly token: string;
  readonly channel: { id: number; title: string; username?: string };
  readonly bot = { id: 7_000_000_001, is_bot: true, first_name: "Amtsbote", username: "amtsbote_test_bot" };
  /** The bot's membership in the channel. */
  botStatus: "administrator" | "member" | "left" | "kicked" = "administrator";
  canPostMessages = true;
  /** The fake's clock, in milliseconds; messages get their date from it, deletion checks their age by it. */
  now = Date.parse("2026-12-01T09:00:00Z");
  readonly messages: FakeMessage[] = [];
  readonly requests: SeenRequest[] = [];
  readonly #script = new Map<string, Scripted[]>();
  #server: Server | undefined;

  constructor(options: { token?: string; channelId?: number; username?: string | null | undefined } = {}) {
    this.token = options.token ?? "7000000001:AAFakeTokenForTests_abcdefghijklmnop";
    this.channel = {
      id: options.channelId ?? -1_001_234_567_890,
      title: "Stadt Achim",
      ...(options.username === null ? {} : { username: options.username ?? "stadt_achim" }),
    };
  }

  /** The next call of `method` goes as scripted; several calls queue. */
  failNext(method: string, how: Scripted): void {
    this.#script.set(method, [...(this.#script.get(method) ?? []), how]);
  }

  /** Forgets the scripted calls not yet made: the API works again. */
  clearScript(): void {
    this.#script.clear();
  }

  advance(ms: number): void {
    this.now += ms;
  }

  advanceHours(hours: number): void {
    this.advance(hours * HOUR_MS);
  }

  message(id: number): FakeMessage | undefined {
    return this.messages.find((m) => m.message_id === id);
  }

  calls(method: string): SeenRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#serve(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://fake");
    const route = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const refuse = (e: ApiError, retryAfter?: number) =>
      send(e.status, {
        ok: false,
        error_code: e.status,
        description: e.description,
        ...(retryAfter === undefined ? {} : { parameters: { retry_after: retryAfter } }),
      });
    if (!route?.[1] || !route[2]) return refuse(new ApiError(404, "Not Found"));
    if (route[1] !== this.token) return refuse(new ApiError(401, "Unauthorized"));
    const method = route[2];
    let request: SeenRequest;
    try {
      request = await readParams(method, url, req.headers["content-type"] ?? "", Buffer.concat(chunks));
    } catch {
      return refuse(bad("can't parse request body"));
    }
    this.requests.push(request);
    const scripted = this.#script.get(method)?.shift();
    if (scripted === "hang") return;
    if (scripted === "drop") return void res.socket?.destroy();
    if (typeof scripted === "object")
      return refuse(new ApiError(scripted.status, scripted.description), scripted.retryAfter);
    try {
      const result = this.#handle(method.toLowerCase(), request);
      if (scripted === "drop_after") return void res.socket?.destroy();
      send(200, { ok: true, result });
    } catch (error) {
      refuse(error instanceof ApiError ? error : new ApiError(500, `Internal Server Error: ${String(error)}`));
    }
  }

  #handle(method: string, r: SeenRequest): unknown {
    const p = new Params(r.params);
    switch (method) {
      case "getme":
        return this.bot;
      case "getchatmember": {
        this.#chat(p);
        const userId = p.int("user_id");
        if (userId !== this.bot.id) return { status: "left", user: { id: userId, is_bot: false, first_name: "?" } };
        if (this.botStatus !== "administrator") return { status: this.botStatus, user: this.bot };
        return {
          status: "administrator",
          user: this.bot,
          can_be_edited: false,
          is_anonymous: false,
          can_manage_chat: true,
          can_delete_messages: false,
          can_post_messages: this.canPostMessages,
          can_edit_messages: true,
        };
      }
      case "sendmessage": {
        this.#mayPost(p);
        const { text, entities } = formatted(p.str("text") ?? "", p.str("parse_mode"));
        if (!text.trim()) throw bad("message text is empty");
        if (text.length > 4096) throw bad("message is too long");
        return this.#post(p, { kind: "text", text, entities });
      }
      case "sendphoto":
      case "sendvideo": {
        this.#mayPost(p);
        const kind = method === "sendphoto" ? "photo" : "video";
        const file = r.files[kind];
        if (!file && !p.str(kind)) throw bad(`there is no ${kind} in the request`);
        const { text, entities } = formatted(p.str("caption") ?? "", p.str("parse_mode"));
        if (text.length > 1024) throw bad("message caption is too long");
        return this.#post(p, { kind, text, entities, ...(file ? { file } : {}) });
      }
      case "sendpoll": {
        this.#mayPost(p);
        const question = p.str("question") ?? "";
        if (!question.trim()) throw bad("poll question must be non-empty");
        if (question.length > 300) throw bad("poll question length must not exceed 300");
        const options = (p.json("options") ?? []) as unknown[];
        const texts = options.map((o) => (typeof o === "string" ? o : String((o as { text?: unknown }).text ?? "")));
        if (texts.length < 2) throw bad("poll must have at least 2 option");
        if (texts.length > 12) throw bad("poll can't have more than 12 options");
        if (texts.some((t) => !t.trim())) throw bad("poll options must be non-empty");
        if (texts.some((t) => t.length > 100)) throw bad("poll options length must not exceed 100");
        const anonymous = p.bool("is_anonymous") ?? true;
        if (!anonymous) throw bad("non-anonymous polls can't be sent to channel chats");
        const poll = {
          question,
          options: texts,
          is_anonymous: true,
          allows_multiple_answers: p.bool("allows_multiple_answers") ?? false,
          is_closed: false,
        };
        return this.#post(p, { kind: "poll", text: "", entities: [], poll });
      }
      case "editmessagetext":
      case "editmessagecaption": {
        this.#mayPost(p);
        const m = this.#live(p, "message to edit not found");
        const field = method === "editmessagetext" ? "text" : "caption";
        if (m.kind === "poll") throw bad("message can't be edited");
        if (field === "text" && m.kind !== "text") throw bad("there is no text in the message to edit");
        if (field === "caption" && m.kind === "text") throw bad("there is no caption in the message to edit");
        const { text, entities } = formatted(p.str(field) ?? "", p.str("parse_mode"));
        if (field === "text" && !text.trim()) throw bad("message text is empty");
        if (text.length > (field === "text" ? 4096 : 1024)) {
          throw bad(field === "text" ? "message is too long" : "message caption is too long");
        }
        if (text === m.text && JSON.stringify(entities) === JSON.stringify(m.entities)) {
          throw bad(
            "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
          );
        }
        m.text = text;
        m.entities = entities;
        m.edits += 1;
        return this.#asJson(m);
      }
      case "deletemessage": {
        this.#mayPost(p);
        const m = this.#live(p, "message to delete not found");
        if (this.now - m.date * 1000 >= 48 * HOUR_MS) throw bad("message can't be deleted");
        m.deleted = true;
        return true;
      }
      case "stoppoll": {
        this.#mayPost(p);
        const m = this.#live(p, "message with poll to stop not found");
        if (!m.poll) throw bad("message with poll to stop not found");
        if (m.poll.is_closed) throw bad("poll has already been closed");
        m.poll.is_closed = true;
        return { id: String(m.message_id), question: m.poll.question, is_closed: true, total_voter_count: 0 };
      }
      default:
        throw new ApiError(404, "Not Found");
    }
  }

  #chat(p: Params): void {
    const chatId = p.str("chat_id");
    if (!chatId) throw bad("chat_id is empty");
    const known =
      chatId === String(this.channel.id) || (this.channel.username && chatId === `@${this.channel.username}`);
    if (!known) throw bad("chat not found");
  }

  #mayPost(p: Params): void {
    this.#chat(p);
    if (this.botStatus === "left" || this.botStatus === "kicked") {
      throw new ApiError(403, "Forbidden: bot is not a member of the channel chat");
    }
    if (this.botStatus !== "administrator" || !this.canPostMessages)
      throw bad("need administrator rights in the channel chat");
  }

  #live(p: Params, missing: string): FakeMessage {
    const m = this.message(p.int("message_id") ?? 0);
    if (!m || m.deleted) throw bad(missing);
    return m;
  }

  #post(p: Params, content: Pick<FakeMessage, "kind" | "text" | "entities" | "poll" | "file">): unknown {
    const reply = p.json("reply_parameters") as
      { message_id?: number; allow_sending_without_reply?: boolean } | undefined;
    const target = reply?.message_id === undefined ? undefined : this.message(reply.message_id);
    if (reply && (!target || target.deleted) && !reply.allow_sending_without_reply) {
      throw bad("message to be replied not found");
    }
    const m: FakeMessage = {
      ...content,
      message_id: (this.messages.at(-1)?.message_id ?? 0) + 1,
      date: Math.floor(this.now / 1000),
      deleted: false,
      edits: 0,
      ...(target && !target.deleted ? { replyTo: target.message_id } : {}),
    };
    this.messages.push(m);
    return this.#asJson(m);
  }

  /** A Message object as the Bot API returns it. */
  #asJson(m: FakeMessage): unknown {
    const chat = { id: this.channel.id, type: "channel", title: this.channel.title, ...pick(this.channel, "username") };
    const body =
      m.kind === "text"
        ? { text: m.text, ...(m.entities.length ? { entities: m.entities } : {}) }
        : m.kind === "poll"
          ? {
              poll: {
                id: String(m.message_id),
                ...m.poll,
                options: m.poll?.options.map((text) => ({ text, voter_count: 0 })),
              },
            }
          : {
              ...(m.kind === "photo"
                ? {
                    photo: [{ file_id: `p${m.message_id}`, file_unique_id: `u${m.message_id}`, width: 90, height: 60 }],
                  }
                : {
                    video: {
                      file_id: `v${m.message_id}`,
                      file_unique_id: `u${m.message_id}`,
                      width: 64,
                      height: 48,
                      duration: 1,
                    },
                  }),
              ...(m.text ? { caption: m.text } : {}),
              ...(m.entities.length ? { caption_entities: m.entities } : {}),
            };
    return {
      message_id: m.message_id,
      sender_chat: chat,
      chat,
      date: m.date,
      ...(m.edits ? { edit_date: Math.floor(this.now / 1000) } : {}),
      ...(m.replyTo ? { reply_to_message: { message_id: m.replyTo, chat, date: m.date } } : {}),
      ...body,
    };
  }
}

const pick = <T extends object, K extends keyof T>(o: T, key: K): Partial<Pick<T, K>> =>
  o[key] === undefined ? {} : ({ [key]: o[key] } as Partial<Pick<T, K>>);

/** Parameters from the query string and the body, whichever way they came. */
async function readParams(method: string, url: URL, contentType: string, body: Buffer): Promise<SeenRequest> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const files: SeenRequest["files"] = {};
  if (contentType.startsWith("application/json") && body.length > 0) {
    Object.assign(params, JSON.parse(body.toString("utf8")) as Record<string, unknown>);
  } else if (contentType.startsWith("application/x-www-form-urlencoded")) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString("utf8"))));
  } else if (contentType.startsWith("multipart/form-data")) {
    const form = await new Request("http://fake/", {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    }).formData();
    for (const [name, value] of form) {
      if (typeof value === "string") params[name] = value;
      else files[name] = { name: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) };
    }
  }
  return { method, params, files, contentType };
}

/** One request's parameters; form fields are strings, so objects come JSON-serialized (as the docs ask). */
class Params {
  readonly raw: Record<string, unknown>;

  constructor(raw: Record<string, unknown>) {
    this.raw = raw;
  }

  str(name: string): string | undefined {
    const v = this.raw[name];
    return v === undefined || v === null ? undefined : typeof v === "string" ? v : String(v);
  }

  int(name: string): number | undefined {
    const v = this.str(name);
    return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
  }

  bool(name: string): boolean | undefined {
    const v = this.raw[name];
    return v === undefined ? undefined : v === true || v === "true" || v === "True" || v === "1";
  }

  json(name: string): unknown {
    const v = this.raw[name];
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      throw bad(`can't parse ${name} JSON object`);
    }
  }
}

const TAGS: Record<string, string> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  span: "spoiler",
  a: "text_link",
  "tg-emoji": "custom_emoji",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
};

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/** The text as shown and its entities; with parse_mode HTML, tags must be supported and balanced. */
export function formatted(source: string, parseMode: string | undefined): { text: string; entities: Entity[] } {
  if (parseMode === undefined || parseMode === "") return { text: source, entities: [] };
  if (parseMode !== "HTML") throw bad(`unsupported parse_mode "${parseMode}" in this fake`);
  const entities: Entity[] = [];
  const open: { name: string; offset: number }[] = [];
  let text = "";
  let i = 0;
  const byteOffset = (at: number) => Buffer.byteLength(source.slice(0, at));
  const cannot = (why: string) => bad(`can't parse entities: ${why}`);
  while (i < source.length) {
    const c = source[i];
    if (c === "<") {
      const tag = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:="[^"]*"|='[^']*'|=[^\s>]+)?)*)\s*>/.exec(
        source.slice(i),
      );
      if (!tag) throw cannot(`Unexpected end of name token at byte offset ${byteOffset(i)}`);
      const [whole, closing, rawName = "", attrs = ""] = tag;
      const name = rawName.toLowerCase();
      if (!(name in TAGS)) {
        throw cannot(`Unsupported ${closing ? "end" : "start"} tag "${name}" at byte offset ${byteOffset(i)}`);
      }
      if (name === "span" && !/class\s*=\s*["']?tg-spoiler/.test(attrs)) {
        throw cannot(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(i)}`);
      }
      if (closing) {
        const top = open.pop();
        if (top?.name !== name) {
          throw cannot(
            `Unmatched end tag at byte offset ${byteOffset(i)}, expected "</${top?.name ?? ""}>", found "</${name}>"`,
          );
        }
        const length = text.length - top.offset;
        if (length > 0) entities.push({ type: TAGS[name] ?? name, offset: top.offset, length });
      } else {
        open.push({ name, offset: text.length });
      }
      i += whole.length;
      continue;
    }
    if (c === "&") {
      const ref = /^&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);/.exec(source.slice(i));
      const name = ref?.[1] ?? "";
      const decoded = name.startsWith("#x")
        ? String.fromCodePoint(parseInt(name.slice(2), 16))
        : name.startsWith("#")
          ? String.fromCodePoint(Number(name.slice(1)))
          : NAMED[name];
      if (ref && decoded !== undefined) {
        text += decoded;
        i += ref[0].length;
        continue;
      }
    }
    text += c;
    i += 1;
  }
  const unclosed = open.pop();
  if (unclosed) throw cannot(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  return { text, entities: entities.sort((a, b) => a.offset - b.offset || b.length - a.length) };
}
