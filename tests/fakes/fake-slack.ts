import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { payloadsFor, type ShortcutMessage, type SlackPayloads } from "./slack-payloads.ts";

export interface FakeSlackOptions {
  appId?: string;
  botUserId?: string;
  botId?: string;
  teamId?: string;
  botToken?: string;
  appToken?: string;
}

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  token: string | undefined;
}

/** A scripted HTTP answer; a string `body` is sent as is (e.g. a proxy's HTML page), anything else as JSON. */
export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface FakeUser {
  id: string;
  name: string;
  real_name?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  tz?: string;
  profile?: { display_name?: string; real_name?: string };
}

export interface FakeChannel {
  name: string;
  is_private?: boolean;
  is_member?: boolean;
  is_archived?: boolean;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  metadata?: unknown;
  edited?: { user: string; ts: string };
}

export interface StoredView {
  method: "views.open" | "views.push" | "views.update";
  trigger_id?: string;
  /** The view as Slack answered it (`id`, `hash`, `state`, … filled in). */
  view: Record<string, unknown>;
}

export interface Ephemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  message_ts: string;
}

export interface FakeFile {
  id: string;
  name: string;
  mimetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
}

export type EnvelopeType = "events_api" | "slash_commands" | "interactive";

export interface EnvelopeOptions {
  retryAttempt?: number;
  retryReason?: string;
  envelopeId?: string;
  /** How long `envelope()` waits for the ack; default 5000 ms. */
  ackTimeoutMs?: number;
}

export interface Envelope {
  envelope_id: string;
  type: EnvelopeType;
  accepts_response_payload: boolean;
  retry_attempt: number;
  retry_reason: string;
  payload: object;
}

/** A message the client sent on a socket; in Socket Mode these are acks, `{ envelope_id, payload }`. */
export interface SocketAck {
  envelope_id?: string;
  payload?: unknown;
  [key: string]: unknown;
}

type Params = Record<string, unknown>;
type Answer = Record<string, unknown>;

interface Waiter {
  check: () => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Form values the web-api client sends as JSON strings. */
const JSON_PARAMS = ["blocks", "view", "attachments", "metadata"];
const TEAM_NAME = "Townhall";
const TEAM_DOMAIN = "townhall";
const SERVER_PING_MS = 10_000;
/** conversations.history: `limit` default and maximum (docs.slack.dev/reference/methods/conversations.history). */
const HISTORY_DEFAULT_LIMIT = 100;
const HISTORY_MAX_LIMIT = 999;
/** `defs_user_id` of slack_web_openapi_v2.json. */
const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const CLOSE_GRACE_MS = 1000;

const fail = (error: string): Answer => ({ ok: false, error });
const str = (params: Params, key: string): string | undefined => {
  const value = params[key];
  return typeof value === "string" && value !== "" ? value : undefined;
};
const list = (value: unknown): unknown[] | undefined => (Array.isArray(value) ? value : undefined);
const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const flag = (value: unknown): boolean => value === true || value === 1 || value === "true" || value === "1";

/** A Slack timestamp (`"1760000000.000100"`, also `"1760000000"` or a number) in microseconds; undefined if malformed. */
function tsMicros(value: unknown): bigint | undefined {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string") return undefined;
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (!match) return undefined;
  return BigInt(match[1] ?? "0") * 1_000_000n + BigInt((match[2] ?? "").padEnd(6, "0").slice(0, 6) || "0");
}

/** Opaque paging cursor, in the style of Slack's own (`base64("next_ts:1512085861000543")`). */
const historyCursor = (micros: bigint): string => Buffer.from(`next_ts:${micros}`).toString("base64");
function fromHistoryCursor(cursor: string): bigint | undefined {
  const match = /^next_ts:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"));
  return match ? BigInt(match[1] ?? "0") : undefined;
}

/** Close handshake, or terminate when the peer does not answer within CLOSE_GRACE_MS. */
function closeGently(ws: WebSocket): Promise<void> {
  if (ws.readyState === ws.CLOSED) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === ws.OPEN) ws.close(1001);
  });
}

/**
 * A Slack on loopback that the real Bolt v5 App runs against in Socket Mode (slack.md §6, §7, §14 L4):
 * `POST /api/<method>` (Web API), a WebSocket at `/link/` (Socket Mode), `POST /hooks/…` (response_url),
 * `GET /files/<id>/…` (url_private). Answers have the shapes of `slack_web_openapi_v2.json`. The app's DMs with
 * users (`chat.postMessage` to a user id, `conversations.open`) are channels `D…` like any other.
 *
 * Stop the app before the fake: a Bolt client that loses the fake retries after 5 s, fails, and that rejection
 * goes unobserved (slack.md §8.4).
 */
export class FakeSlack {
  readonly appId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly teamId: string;
  botToken: string;
  appToken: string;
  /** `http://127.0.0.1:PORT/api/` — pass as `clientOptions.slackApiUrl`. */
  readonly apiUrl: string;
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string;
  /** Payload builders bound to this fake: response URLs point here, reactions and shortcut messages enter its state. */
  readonly payloads: SlackPayloads;

  /** `"free"` makes `usergroups.users.list` answer `plan_upgrade_required`. */
  plan: "free" | "paid" = "paid";
  readonly users = new Map<string, FakeUser>();
  readonly usergroups = new Map<string, string[]>();
  readonly channels = new Map<string, FakeChannel>();

  readonly calls: ApiCall[] = [];
  readonly messages: StoredMessage[] = [];
  readonly ephemerals: Ephemeral[] = [];
  readonly views: StoredView[] = [];
  readonly responses: { path: string; body: unknown }[] = [];
  readonly downloads: { id: string; token: string | undefined }[] = [];
  readonly envelopes: Envelope[] = [];
  readonly acks: SocketAck[] = [];

  readonly #server: Server;
  readonly #wss: WebSocketServer;
  /** Every connection in order; `ready` once the client answered the ping sent after `hello`. */
  readonly #sockets: { ws: WebSocket; ready: boolean }[] = [];
  readonly #tickets = new Set<string>();
  readonly #scripted = new Map<string, ScriptedReply[]>();
  readonly #hanging = new Set<string>();
  readonly #usedTriggers = new Set<string>();
  readonly #openViews = new Map<string, Record<string, unknown>>();
  readonly #reactions = new Map<string, Map<string, string[]>>();
  /** The app's DM with each user: user id → `D…` id, and back. */
  readonly #dms = new Map<string, string>();
  readonly #dmUsers = new Map<string, string>();
  readonly #files = new Map<string, { file: FakeFile; bytes: Buffer; created: number }>();
  readonly #waiters = new Set<Waiter>();
  readonly #pendingUploads = new Map<string, { name: string; bytes?: Buffer }>();
  /** Files the bot shared with `files.uploadV2`, once completed. */
  readonly uploads: { id: string; name: string; bytes: Buffer; channel?: string; thread_ts?: string }[] = [];
  #counter = 0;
  #tsCounter = 0;
  #stopped = false;

  private constructor(server: Server, port: number, options: FakeSlackOptions) {
    this.appId = options.appId ?? "A0AMTSBOTE";
    this.botUserId = options.botUserId ?? "U0BOTUSER";
    this.botId = options.botId ?? "B0AMTSBOTE";
    this.teamId = options.teamId ?? "T0TOWNHALL";
    this.botToken = options.botToken ?? "xoxb-test";
    this.appToken = options.appToken ?? "xapp-test";
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.baseUrl}/api/`;
    this.users.set(this.botUserId, { id: this.botUserId, name: "amtsbote", real_name: "amtsbote", is_bot: true });
    this.#server = server;
    server.on("request", (req: IncomingMessage, res: ServerResponse) => void this.#route(req, res));
    this.#wss = new WebSocketServer({
      server,
      path: "/link/",
      verifyClient: ({ req }: { req: IncomingMessage }) =>
        this.#tickets.delete(new URL(req.url ?? "/", this.baseUrl).searchParams.get("ticket") ?? ""),
    });
    this.#wss.on("connection", (ws) => this.#onConnection(ws));
    this.payloads = payloadsFor({
      hooksUrl: `${this.baseUrl}/hooks`,
      appId: this.appId,
      teamId: this.teamId,
      teamDomain: TEAM_DOMAIN,
      botUserId: this.botUserId,
      botId: this.botId,
      findMessage: (channel, ts) => this.message(channel, ts),
      findView: (id) => this.#openViews.get(id),
      onMessage: (channel, message) => this.#knowMessage(channel, message),
      onReaction: (change, channel, ts, name, user) =>
        change === "added" ? this.addReaction(channel, ts, name, user) : this.removeReaction(channel, ts, name, user),
    });
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new FakeSlack(server, (server.address() as AddressInfo).port, options);
  }

  /** Closes every socket and connection (hanging requests included) and both servers. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const waiter of this.#waiters) waiter.reject(new Error("FakeSlack stopped"));
    this.#waiters.clear();
    // A close handshake first: Bolt's app.stop() resolves before its own handshake is done, and cutting the
    // socket under it makes the client log a WebSocket error.
    await Promise.all([...this.#wss.clients].map((ws) => closeGently(ws)));
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // --- scripting -----------------------------------------------------------------------------------------------

  /** Answers the next call of `method` with `reply` (queued per method). `"response_url"` scripts the hooks. */
  failNext(method: string, reply: ScriptedReply): void {
    this.#scripted.set(method, [...(this.#scripted.get(method) ?? []), reply]);
  }

  /** The next call of `method` gets HTTP 429 with `Retry-After` and `{ ok: false, error: "ratelimited" }`. */
  rateLimitNext(method: string, retryAfterSeconds = 1): void {
    this.failNext(method, {
      status: 429,
      headers: { "retry-after": String(retryAfterSeconds) },
      body: { ok: false, error: "ratelimited" },
    });
  }

  /** Calls of `method` from now on get no answer (for client timeouts); `stop()` closes their connections. */
  hang(method: string): void {
    this.#hanging.add(method);
  }

  /** Later calls of `method` are answered again; calls already hanging stay so. */
  unhang(method: string): void {
    this.#hanging.delete(method);
  }

  // --- state -----------------------------------------------------------------------------------------------------

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  /** Seeds a message that a person wrote; `ts` defaults to the next timestamp. */
  addMessage(channel: string, message: { user: string; text: string; ts?: string; thread_ts?: string }): StoredMessage {
    const stored: StoredMessage = { ...message, channel, ts: message.ts ?? this.#nextTs() };
    this.messages.push(stored);
    return stored;
  }

  /**
   * Seeds a message as if the bot had posted it (`user` = the bot user, `bot_id`), without an API call and without
   * recording one: for tests that need many cards (say 1,000) quickly. `ts` defaults to the next timestamp.
   */
  addBotMessage(
    channel: string,
    message: { text: string; blocks?: unknown[]; thread_ts?: string; metadata?: unknown; ts?: string },
  ): StoredMessage {
    const stored: StoredMessage = {
      ...message,
      channel,
      ts: message.ts ?? this.#nextTs(),
      user: this.botUserId,
      bot_id: this.botId,
    };
    this.messages.push(stored);
    return stored;
  }

  /**
   * The id (`D…`) of the app's DM with `userId` — where `chat.postMessage` with `channel: userId` posts and what
   * `conversations.open` answers. Stable per user; made on first use (no check that the user exists).
   */
  dmChannel(userId: string): string {
    let id = this.#dms.get(userId);
    if (!id) {
      id = `D0DM${String(this.#dms.size + 1).padStart(6, "0")}`;
      this.#dms.set(userId, id);
      this.#dmUsers.set(id, userId);
    }
    return id;
  }

  /** Messages in the app's DM with `userId` (thread replies included), oldest first; empty if there is none. */
  dmMessages(userId: string): StoredMessage[] {
    const id = this.#dms.get(userId);
    return id === undefined ? [] : this.messages.filter((m) => m.channel === id);
  }

  /**
   * Gives (`present: true`) or takes back a reaction of `user` on a message in Slack's state only — no
   * `reaction_added`/`reaction_removed` event is sent, as for a reaction given while the bot was down. `reactions.get`
   * and `conversations.history` show the result. (Same as `addReaction`/`removeReaction`, whose argument order is
   * `name, user`.) To deliver the event as well, send `payloads.reactionEvent(…)` with `envelope("events_api", …)`,
   * which also updates the state.
   */
  setReaction(channel: string, ts: string, user: string, name: string, present: boolean): void {
    if (!USER_ID.test(user)) throw new Error(`FakeSlack.setReaction: "${user}" is not a user id (order: user, name)`);
    if (present) this.addReaction(channel, ts, name, user);
    else this.removeReaction(channel, ts, name, user);
  }

  /** Slack's current reactions on a message, as `reactions.get` reports them. */
  reactionsOn(channel: string, ts: string): { name: string; users: string[]; count: number }[] {
    const set = this.#reactions.get(`${channel}/${ts}`) ?? new Map<string, string[]>();
    return [...set]
      .filter(([, users]) => users.length > 0)
      .map(([name, users]) => ({ name, users, count: users.length }));
  }

  addReaction(channel: string, ts: string, name: string, user: string): void {
    const key = `${channel}/${ts}`;
    const set = this.#reactions.get(key) ?? new Map<string, string[]>();
    this.#reactions.set(key, set);
    const users = set.get(name) ?? [];
    if (!users.includes(user)) set.set(name, [...users, user]);
  }

  removeReaction(channel: string, ts: string, name: string, user: string): void {
    const set = this.#reactions.get(`${channel}/${ts}`);
    const users = set?.get(name)?.filter((u) => u !== user);
    if (!set || !users) return;
    // a reaction nobody gives any more is gone: given again, it comes last, as in Slack
    if (users.length > 0) set.set(name, users);
    else set.delete(name);
  }

  /** Serves `bytes` at `url_private` / `url_private_download` to requests with the bot token. */
  addFile(bytes: Buffer, mimetype: string, name = "file.bin"): FakeFile {
    const id = `F0FILE${String(this.#next()).padStart(5, "0")}`;
    const path = `${this.baseUrl}/files/${id}`;
    const file: FakeFile = {
      id,
      name,
      mimetype,
      size: bytes.length,
      url_private: `${path}/${encodeURIComponent(name)}`,
      url_private_download: `${path}/download/${encodeURIComponent(name)}`,
    };
    this.#files.set(id, { file, bytes, created: Math.floor(Date.now() / 1000) });
    return file;
  }

  // --- Socket Mode ---------------------------------------------------------------------------------------------------

  /** Connections that were sent `hello`. */
  get connectionsOpened(): number {
    return this.#sockets.length;
  }

  openSockets(): number {
    return this.#sockets.filter(({ ws }) => ws.readyState === ws.OPEN).length;
  }

  /**
   * Resolves once the n-th connection (or a later one) has been sent `hello` and its client has handled it, so
   * that `app.stop()` right after does not catch Bolt mid-connect.
   */
  async waitForConnections(n: number, timeoutMs = 10_000): Promise<void> {
    const done = () => this.#sockets.some((socket, index) => index >= n - 1 && socket.ready);
    await this.#until(done, timeoutMs, `${n} Socket Mode connection(s)`);
  }

  /** Sends an envelope to the newest open connection without waiting; returns its `envelope_id`. */
  send(type: EnvelopeType, payload: object, opts: EnvelopeOptions = {}): string {
    const ws = this.#current();
    if (!ws) throw new Error(`FakeSlack: no open Socket Mode connection to send a ${type} envelope to`);
    const envelope: Envelope = {
      envelope_id: opts.envelopeId ?? randomUUID(),
      type,
      accepts_response_payload:
        type === "slash_commands" ||
        (type === "interactive" && (payload as { type?: unknown }).type === "view_submission"),
      retry_attempt: opts.retryAttempt ?? 0,
      retry_reason: opts.retryReason ?? "",
      payload,
    };
    this.envelopes.push(envelope);
    ws.send(JSON.stringify(envelope));
    return envelope.envelope_id;
  }

  /** Sends an envelope and resolves with its ack's `payload`; rejects when no ack comes within 5 s. */
  async envelope(type: EnvelopeType, payload: object, opts: EnvelopeOptions = {}): Promise<unknown> {
    const id = opts.envelopeId ?? randomUUID();
    const before = this.#acksOf(id).length;
    this.send(type, payload, { ...opts, envelopeId: id });
    const timeoutMs = opts.ackTimeoutMs ?? 5000;
    await this.#until(() => this.#acksOf(id).length > before, timeoutMs, `the ack of ${type} envelope ${id}`);
    return this.#acksOf(id)[before]?.payload;
  }

  /** Submits a form the bot opened (`view` as `views` recorded it) as `user` would; resolves with the ack's payload. */
  submitView(
    user: string,
    view: { id: string; callback_id: string; private_metadata: string },
    values: Record<string, Record<string, unknown>>,
  ): Promise<unknown> {
    return this.envelope(
      "interactive",
      this.payloads.viewSubmission({
        user,
        callbackId: view.callback_id,
        privateMetadata: view.private_metadata,
        viewId: view.id,
        values,
      }),
    );
  }

  /** Waits for the (first) ack of an envelope sent with `send()`; resolves with its `payload`. */
  async waitForAck(envelopeId: string, timeoutMs = 5000): Promise<unknown> {
    await this.#until(() => this.#acksOf(envelopeId).length > 0, timeoutMs, `the ack of envelope ${envelopeId}`);
    return this.#acksOf(envelopeId)[0]?.payload;
  }

  /** Envelope ids sent but never acked. */
  unacked(): string[] {
    return [...new Set(this.envelopes.map((e) => e.envelope_id))].filter((id) => this.#acksOf(id).length === 0);
  }

  /** Kills the newest open connection without a close handshake. */
  dropSocket(): void {
    this.#requireCurrent().terminate();
  }

  /** Sends `disconnect` (default reason `refresh_requested`) on the newest open connection, then closes it. */
  requestRefresh(reason: "refresh_requested" | "warning" | "too_many_websockets" = "refresh_requested"): void {
    const ws = this.#requireCurrent();
    ws.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "applink-1" } }));
    ws.close(1000);
  }

  // --- internals -------------------------------------------------------------------------------------------------

  #next(): number {
    return ++this.#counter;
  }

  /** `"1760000000.000100"`, `"1760000000.000200"`, … */
  #nextTs(): string {
    const micros = ++this.#tsCounter * 100;
    return `${1_760_000_000 + Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, "0")}`;
  }

  #current(): WebSocket | undefined {
    return this.#sockets.findLast(({ ws }) => ws.readyState === ws.OPEN)?.ws;
  }

  #requireCurrent(): WebSocket {
    const ws = this.#current();
    if (!ws) throw new Error("FakeSlack: no open Socket Mode connection");
    return ws;
  }

  #acksOf(envelopeId: string): SocketAck[] {
    return this.acks.filter((a) => a.envelope_id === envelopeId);
  }

  #until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    if (this.#stopped) return Promise.reject(new Error(`FakeSlack stopped; not waiting for ${what}`));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`FakeSlack: waited ${timeoutMs} ms for ${what} in vain`));
      }, timeoutMs);
      const waiter: Waiter = {
        check,
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (error) => (clearTimeout(timer), reject(error)),
      };
      this.#waiters.add(waiter);
    });
  }

  #poke(): void {
    for (const waiter of this.#waiters) {
      if (!waiter.check()) continue;
      this.#waiters.delete(waiter);
      waiter.resolve();
    }
  }

  #onConnection(ws: WebSocket): void {
    const socket = { ws, ready: false };
    this.#sockets.push(socket);
    ws.on("error", () => {}); // a client that vanishes mid-frame; the close event follows
    ws.on("message", (data, isBinary) => {
      const text = isBinary ? "" : String(data);
      try {
        this.acks.push(JSON.parse(text) as SocketAck);
      } catch {
        this.acks.push({ unparsed: text });
      }
      this.#poke();
    });
    // Slack pings too; once pinged, the client expects a ping every serverPingTimeout (30 s) (slack.md §6)
    const pings = setInterval(() => ws.ping(), SERVER_PING_MS).unref();
    ws.on("close", () => {
      clearInterval(pings);
      this.#poke();
    });
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: this.openSockets(),
        debug_info: { host: "applink-1", build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    // Frames arrive in order and undici dispatches a message before it answers the next ping, so this pong
    // means the client has handled `hello` (for Bolt: `app.start()` has resolved or is about to).
    ws.ping();
    ws.once("pong", () => {
      socket.ready = true;
      this.#poke();
    });
  }

  #knowMessage(channel: string, message: ShortcutMessage): void {
    if (!this.message(channel, message.ts)) this.addMessage(channel, message);
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const url = new URL(req.url ?? "/", this.baseUrl);
      if (req.method === "POST" && url.pathname.startsWith("/upload/")) return this.#upload(req, res, url, chunks);
      const body = Buffer.concat(chunks).toString("utf8");
      if (url.pathname.startsWith("/api/")) return this.#api(req, res, url, body);
      if (req.method === "POST" && url.pathname.startsWith("/hooks/")) return this.#hook(res, url, body);
      if (req.method === "GET" && url.pathname.startsWith("/files/")) return this.#download(req, res, url);
      this.#reply(res, { status: 404, body: "not found" });
    } catch (error) {
      this.#reply(res, { status: 500, body: `FakeSlack: ${String(error)}` });
    }
  }

  /** Step 2 of `files.uploadV2`: the bytes go to the URL `files.getUploadURLExternal` gave out. */
  #upload(req: IncomingMessage, res: ServerResponse, url: URL, chunks: Buffer[]): void {
    const pending = this.#pendingUploads.get(url.pathname.slice("/upload/".length));
    if (!pending) return this.#reply(res, { status: 404, body: "unknown upload" });
    const raw = Buffer.concat(chunks);
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(req.headers["content-type"] ?? "");
    pending.bytes = boundary ? firstPart(raw, boundary[1] ?? boundary[2] ?? "") : raw;
    this.#reply(res, { body: "OK - " + String(pending.bytes.length) });
  }

  #reply(res: ServerResponse, { status = 200, headers = {}, body }: ScriptedReply): void {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const type = typeof body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8";
    res.writeHead(status, { "content-type": type, ...headers });
    res.end(text);
  }

  #scriptedReply(method: string): ScriptedReply | undefined {
    const queue = this.#scripted.get(method);
    const reply = queue?.shift();
    if (queue?.length === 0) this.#scripted.delete(method);
    return reply;
  }

  #api(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const method = decodeURIComponent(url.pathname.slice("/api/".length));
    let params: Params = {};
    let invalid = false;
    try {
      params = this.#decode(req, url, body);
    } catch {
      invalid = true;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const token = bearer ?? str(params, "token");
    const call: ApiCall = { method, params, token };
    this.calls.push(call);
    if (this.#hanging.has(method)) return; // no answer; stop() closes the connection
    const scripted = this.#scriptedReply(method);
    if (scripted) return this.#reply(res, scripted);
    this.#reply(res, { body: invalid ? fail("invalid_json") : this.#answer(call) });
  }

  #decode(req: IncomingMessage, url: URL, body: string): Params {
    const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    let params: Params = Object.fromEntries(url.searchParams);
    if (type === "application/json" && body.trim() !== "") {
      params = { ...params, ...(record(JSON.parse(body)) ?? {}) };
    } else if (body !== "") {
      params = { ...params, ...Object.fromEntries(new URLSearchParams(body)) };
    }
    for (const key of JSON_PARAMS) {
      const value = params[key];
      if (typeof value !== "string" || !/^\s*[[{]/.test(value)) continue;
      try {
        params[key] = JSON.parse(value);
      } catch {
        // left as the string the client sent
      }
    }
    return params;
  }

  #answer({ method, params, token }: ApiCall): Answer {
    const handler = this.#methods[method];
    if (!handler) return fail("unknown_method");
    const expected = method === "apps.connections.open" ? this.appToken : this.botToken;
    const other = method === "apps.connections.open" ? this.botToken : this.appToken;
    if (token === undefined) return fail("not_authed");
    if (token === other) return fail("not_allowed_token_type");
    if (token !== expected) return fail("invalid_auth");
    return handler(params);
  }

  #messageJson(m: StoredMessage, withBlocks = true): Answer {
    return {
      type: "message",
      text: m.text,
      ...(m.user === undefined ? {} : { user: m.user }),
      ...(m.bot_id === undefined ? {} : { bot_id: m.bot_id }),
      ts: m.ts,
      ...(m.thread_ts === undefined ? {} : { thread_ts: m.thread_ts }),
      ...(m.blocks === undefined || !withBlocks ? {} : { blocks: m.blocks }),
      team: this.teamId,
    };
  }

  #view(id: string, view: Record<string, unknown>, previous?: Record<string, unknown>): Record<string, unknown> {
    return {
      id,
      team_id: this.teamId,
      type: view.type ?? "modal",
      blocks: view.blocks ?? [],
      private_metadata: view.private_metadata ?? "",
      callback_id: view.callback_id ?? "",
      state: { values: {} },
      hash: `${Math.floor(Date.now() / 1000)}.${randomUUID().slice(0, 8)}`,
      title: view.title,
      clear_on_close: view.clear_on_close ?? false,
      notify_on_close: view.notify_on_close ?? false,
      close: view.close ?? null,
      submit: view.submit ?? null,
      previous_view_id: previous?.previous_view_id ?? null,
      root_view_id: previous?.root_view_id ?? id,
      app_id: this.appId,
      external_id: view.external_id ?? previous?.external_id ?? "",
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
  }

  #openView(method: "views.open" | "views.push", params: Params): Answer {
    const trigger = str(params, "trigger_id");
    const view = record(params.view);
    if (!trigger || !view) return fail("invalid_arguments");
    if (this.#usedTriggers.has(trigger)) return fail("exchanged_trigger_id");
    this.#usedTriggers.add(trigger);
    const answered = this.#view(`V0FAKE${String(this.#next()).padStart(5, "0")}`, view);
    this.#openViews.set(answered.id as string, answered);
    this.views.push({ method, trigger_id: trigger, view: answered });
    return { ok: true, view: answered };
  }

  /**
   * `conversations.history`: the channel's top-level messages (thread parents included, replies not), newest first,
   * within `oldest`/`latest` (exclusive unless `inclusive`), `limit` per page (default 100, at most 999), paged by an
   * opaque `cursor` that names the next message's ts (stable when newer messages arrive).
   */
  #history(params: Params): Answer {
    const channel = str(params, "channel");
    if (!channel) return fail("channel_not_found");
    const known = this.channels.get(channel);
    const inChannel = this.messages.filter((m) => m.channel === channel);
    if (!known && !this.#dmUsers.has(channel) && inChannel.length === 0) return fail("channel_not_found");
    // A bot sees a private channel it is not in as missing; a public one answers not_in_channel.
    if (known && known.is_member === false) return fail(known.is_private ? "channel_not_found" : "not_in_channel");
    const bound = (key: "latest" | "oldest") =>
      params[key] === undefined || params[key] === "" ? null : (tsMicros(params[key]) ?? ("invalid" as const));
    const latest = bound("latest");
    const oldest = bound("oldest");
    if (latest === "invalid") return fail("invalid_ts_latest");
    if (oldest === "invalid") return fail("invalid_ts_oldest");
    const inclusive = flag(params.inclusive);
    const cursorParam = str(params, "cursor");
    const cursor = cursorParam === undefined ? null : (fromHistoryCursor(cursorParam) ?? ("invalid" as const));
    if (cursor === "invalid") return fail("invalid_cursor");
    const requested = Number(params.limit ?? HISTORY_DEFAULT_LIMIT);
    const limit =
      Number.isInteger(requested) && requested > 0 ? Math.min(requested, HISTORY_MAX_LIMIT) : HISTORY_DEFAULT_LIMIT;

    // one pass over the channel: thread replies by parent, top-level messages with their sort key
    const replies = new Map<string, { count: number; users: string[]; latest: bigint; latestTs: string }>();
    const top: { key: bigint; message: StoredMessage }[] = [];
    for (const m of inChannel) {
      const key = tsMicros(m.ts) ?? 0n;
      if (m.thread_ts === undefined || m.thread_ts === m.ts) {
        top.push({ key, message: m });
        continue;
      }
      const thread = replies.get(m.thread_ts) ?? { count: 0, users: [], latest: -1n, latestTs: m.ts };
      thread.count++;
      const author = m.user ?? m.bot_id;
      if (author !== undefined && !thread.users.includes(author)) thread.users.push(author);
      if (key > thread.latest) Object.assign(thread, { latest: key, latestTs: m.ts });
      replies.set(m.thread_ts, thread);
    }
    const inRange = top
      .filter(({ key }) => {
        if (latest !== null && (inclusive ? key > latest : key >= latest)) return false;
        if (oldest !== null && (inclusive ? key < oldest : key <= oldest)) return false;
        return cursor === null || key <= cursor;
      })
      .sort((a, b) => (a.key === b.key ? 0 : a.key > b.key ? -1 : 1));
    const page = inRange.slice(0, limit);
    const next = inRange[limit];
    const messages = page.map(({ message: m }) => {
      const thread = replies.get(m.ts);
      const reactions = this.reactionsOn(channel, m.ts);
      return {
        ...this.#messageJson(m),
        ...(thread
          ? {
              thread_ts: m.ts,
              reply_count: thread.count,
              reply_users: thread.users,
              reply_users_count: thread.users.length,
              latest_reply: thread.latestTs,
            }
          : {}),
        ...(reactions.length > 0 ? { reactions } : {}),
        ...(flag(params.include_all_metadata) && m.metadata !== undefined ? { metadata: m.metadata } : {}),
      };
    });
    return {
      ok: true,
      messages,
      has_more: next !== undefined,
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
      ...(next ? { response_metadata: { next_cursor: historyCursor(next.key) } } : {}),
    };
  }

  #hasItem(channel: string, ts: string): boolean {
    return this.message(channel, ts) !== undefined || this.#reactions.has(`${channel}/${ts}`);
  }

  readonly #methods: Record<string, (params: Params) => Answer> = {
    "auth.test": () => ({
      ok: true,
      url: `https://${TEAM_DOMAIN}.slack.com/`,
      team: TEAM_NAME,
      user: "amtsbote",
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    }),

    "apps.connections.open": () => {
      const ticket = randomUUID();
      this.#tickets.add(ticket);
      return {
        ok: true,
        url: `ws://127.0.0.1:${new URL(this.baseUrl).port}/link/?ticket=${ticket}&app_id=${this.appId}`,
      };
    },

    "chat.postMessage": (params) => {
      let channel = str(params, "channel");
      if (!channel) return fail("channel_not_found");
      // A user id posts into the app's DM with that user (the app's Messages tab); the answer names the DM (`D…`).
      if (USER_ID.test(channel)) {
        if (!this.users.has(channel)) return fail("channel_not_found");
        channel = this.dmChannel(channel);
      }
      const text = str(params, "text") ?? "";
      const blocks = list(params.blocks);
      const attachments = list(params.attachments);
      if (!text && !blocks?.length && !attachments?.length) return fail("no_text");
      const thread = str(params, "thread_ts");
      const stored: StoredMessage = {
        channel,
        ts: this.#nextTs(),
        text,
        user: this.botUserId,
        bot_id: this.botId,
        ...(blocks ? { blocks } : {}),
        ...(attachments ? { attachments } : {}),
        ...(thread ? { thread_ts: thread } : {}),
        ...(params.metadata === undefined ? {} : { metadata: params.metadata }),
      };
      this.messages.push(stored);
      return { ok: true, channel, ts: stored.ts, message: this.#messageJson(stored) };
    },

    "chat.update": (params) => {
      const channel = str(params, "channel");
      const stored = this.message(channel ?? "", str(params, "ts") ?? "");
      if (!channel) return fail("channel_not_found");
      if (!stored) return fail("message_not_found");
      if (stored.user !== this.botUserId) return fail("cant_update_message");
      if (typeof params.text === "string") stored.text = params.text;
      const blocks = list(params.blocks);
      if (blocks) stored.blocks = blocks;
      if (params.metadata !== undefined) stored.metadata = params.metadata;
      stored.edited = { user: this.botUserId, ts: this.#nextTs() };
      // chat.update's spec types message.blocks as an object, so the answer leaves blocks out
      const message = { ...this.#messageJson(stored, false), edited: stored.edited };
      return { ok: true, channel, ts: stored.ts, text: stored.text, message };
    },

    "chat.postEphemeral": (params) => {
      const channel = str(params, "channel");
      const user = str(params, "user");
      if (!channel) return fail("channel_not_found");
      if (!user) return fail("user_not_in_channel");
      const blocks = list(params.blocks);
      const thread = str(params, "thread_ts");
      const ephemeral: Ephemeral = {
        channel,
        user,
        text: str(params, "text") ?? "",
        ...(blocks ? { blocks } : {}),
        ...(thread ? { thread_ts: thread } : {}),
        message_ts: this.#nextTs(),
      };
      this.ephemerals.push(ephemeral);
      return { ok: true, message_ts: ephemeral.message_ts };
    },

    "views.open": (params) => this.#openView("views.open", params),
    "views.push": (params) => this.#openView("views.push", params),
    "views.update": (params) => {
      const view = record(params.view);
      if (!view) return fail("invalid_arguments");
      const id = str(params, "view_id");
      const external = str(params, "external_id");
      const current = [...this.#openViews.values()].find((v) =>
        id ? v.id === id : external !== undefined && v.external_id === external,
      );
      if (!current) return fail("not_found");
      const hash = str(params, "hash");
      if (hash && hash !== current.hash) return fail("hash_conflict");
      const answered = this.#view(current.id as string, view, current);
      this.#openViews.set(answered.id as string, answered);
      this.views.push({ method: "views.update", view: answered });
      return { ok: true, view: answered };
    },

    "reactions.add": (params) => {
      const channel = str(params, "channel") ?? "";
      const ts = str(params, "timestamp") ?? "";
      const name = str(params, "name");
      if (!name) return fail("invalid_name");
      if (!this.#hasItem(channel, ts)) return fail("message_not_found");
      if (this.reactionsOn(channel, ts).some((r) => r.name === name && r.users.includes(this.botUserId)))
        return fail("already_reacted");
      this.addReaction(channel, ts, name, this.botUserId);
      return { ok: true };
    },

    "reactions.remove": (params) => {
      const channel = str(params, "channel") ?? "";
      const ts = str(params, "timestamp") ?? "";
      const name = str(params, "name") ?? "";
      if (!this.#hasItem(channel, ts)) return fail("message_not_found");
      if (!this.reactionsOn(channel, ts).some((r) => r.name === name && r.users.includes(this.botUserId)))
        return fail("no_reaction");
      this.removeReaction(channel, ts, name, this.botUserId);
      return { ok: true };
    },

    "reactions.get": (params) => {
      const channel = str(params, "channel") ?? "";
      const ts = str(params, "timestamp") ?? "";
      if (!this.#hasItem(channel, ts)) return fail("message_not_found");
      const stored = this.message(channel, ts);
      const message = stored ? this.#messageJson(stored) : { type: "message", text: "", ts };
      const reactions = this.reactionsOn(channel, ts);
      return { ok: true, type: "message", channel, message: reactions.length ? { ...message, reactions } : message };
    },

    "usergroups.users.list": (params) => {
      if (this.plan === "free") return fail("plan_upgrade_required");
      const users = this.usergroups.get(str(params, "usergroup") ?? "");
      return users ? { ok: true, users } : fail("no_such_subteam");
    },

    "users.info": (params) => {
      const user = this.users.get(str(params, "user") ?? "");
      if (!user) return fail("user_not_found");
      const realName = user.real_name ?? user.profile?.real_name ?? user.name;
      const displayName = user.profile?.display_name ?? "";
      return {
        ok: true,
        user: {
          id: user.id,
          team_id: this.teamId,
          name: user.name,
          deleted: user.deleted ?? false,
          real_name: realName,
          ...(user.tz === undefined ? {} : { tz: user.tz }),
          is_admin: false,
          is_owner: false,
          is_primary_owner: false,
          is_restricted: user.is_restricted ?? false,
          is_ultra_restricted: user.is_ultra_restricted ?? false,
          is_bot: user.is_bot ?? false,
          is_app_user: false,
          updated: 1_760_000_000,
          profile: {
            real_name: realName,
            real_name_normalized: realName,
            display_name: displayName,
            display_name_normalized: displayName,
            avatar_hash: "g0000000000",
            title: "",
            phone: "",
            skype: "",
            status_text: "",
            status_emoji: "",
            fields: {},
            team: this.teamId,
          },
        },
      };
    },

    "files.info": (params) => {
      const entry = this.#files.get(str(params, "file") ?? "");
      if (!entry) return fail("file_not_found");
      const { file, created } = entry;
      return {
        ok: true,
        file: {
          ...file,
          created,
          timestamp: created,
          title: file.name,
          filetype: file.name.includes(".") ? (file.name.split(".").pop() ?? "") : "",
          mode: "hosted",
          editable: false,
          is_external: false,
          is_public: false,
          public_url_shared: false,
          display_as_bot: false,
          channels: [],
          groups: [],
          ims: [],
          comments_count: 0,
        },
        comments: [],
      };
    },

    "files.getUploadURLExternal": (params) => {
      const name = str(params, "filename");
      if (!name || !str(params, "length")) return fail("invalid_arguments");
      const id = `F0UPLD${String(this.#next()).padStart(5, "0")}`;
      this.#pendingUploads.set(id, { name });
      return { ok: true, upload_url: `${this.baseUrl}/upload/${id}`, file_id: id };
    },
    "files.completeUploadExternal": (params) => {
      const files = (typeof params.files === "string" ? JSON.parse(params.files) : params.files) as { id: string }[];
      const done = [];
      for (const { id } of files) {
        const pending = this.#pendingUploads.get(id);
        if (!pending?.bytes) return fail("file_not_found");
        this.#pendingUploads.delete(id);
        const channel = str(params, "channel_id");
        const thread = str(params, "thread_ts");
        this.uploads.push({
          id,
          name: pending.name,
          bytes: pending.bytes,
          ...(channel ? { channel } : {}),
          ...(thread ? { thread_ts: thread } : {}),
        });
        done.push({ id, title: pending.name });
      }
      return { ok: true, files: done };
    },
    "conversations.history": (params) => this.#history(params),

    "conversations.open": (params) => {
      const users = (str(params, "users") ?? "")
        .split(",")
        .map((u) => u.trim())
        .filter((u) => u !== "");
      if (users.length === 0) {
        const id = str(params, "channel");
        if (!id) return fail("users_list_not_supplied");
        return this.#dmUsers.has(id)
          ? { ok: true, no_op: true, already_open: true, channel: { id } }
          : fail("channel_not_found");
      }
      // multi-person DMs (mpim) are not modelled
      if (users.length > 1) return fail("fake_slack_mpim_not_modelled");
      const userId = users[0] ?? "";
      const user = this.users.get(userId);
      if (!user) return fail("user_not_found");
      if (user.deleted) return fail("user_disabled");
      const open = this.#dms.has(userId);
      return {
        ok: true,
        ...(open ? { no_op: true, already_open: true } : {}),
        channel: { id: this.dmChannel(userId) },
      };
    },

    "conversations.info": (params) => {
      const id = str(params, "channel") ?? "";
      const channel = this.channels.get(id);
      if (!channel) return fail("channel_not_found");
      const isPrivate = channel.is_private ?? false;
      const empty = { value: "", creator: "", last_set: 0 };
      return {
        ok: true,
        channel: {
          id,
          name: channel.name,
          name_normalized: channel.name,
          created: 1_700_000_000,
          creator: this.botUserId,
          is_archived: channel.is_archived ?? false,
          is_channel: true,
          is_general: false,
          is_mpim: false,
          is_group: false,
          is_im: false,
          is_org_shared: false,
          is_shared: false,
          is_private: isPrivate,
          is_member: channel.is_member ?? true,
          topic: empty,
          purpose: empty,
        },
      };
    },
  };

  #hook(res: ServerResponse, url: URL, body: string): void {
    let parsed: unknown = body;
    try {
      parsed = JSON.parse(body);
    } catch {
      // kept as text
    }
    this.responses.push({ path: url.pathname, body: parsed });
    this.#reply(res, this.#scriptedReply("response_url") ?? { body: { ok: true } });
  }

  #download(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const [, , id = ""] = url.pathname.split("/");
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    this.downloads.push({ id, token });
    if (token !== this.botToken) {
      // like Slack (bolt-js#2585): no error status, a login page
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<!DOCTYPE html><html><head><title>Slack</title></head><body><h1>Sign in to Townhall</h1></body></html>");
      return;
    }
    const entry = this.#files.get(id);
    if (!entry) return this.#reply(res, { status: 404, body: "file_not_found" });
    res.writeHead(200, { "content-type": entry.file.mimetype, "content-length": entry.bytes.length });
    res.end(entry.bytes);
  }
}

/** The content of the first part of a multipart/form-data body (the web-api client uploads the file as one part). */
function firstPart(body: Buffer, boundary: string): Buffer {
  const start = body.indexOf(`--${boundary}`);
  const headersEnd = body.indexOf("\r\n\r\n", start);
  const end = body.indexOf(`\r\n--${boundary}`, headersEnd);
  return start < 0 || headersEnd < 0 || end < 0 ? body : body.subarray(headersEnd + 4, end);
}
