import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeHomeserverOptions {
  serverName?: string;
  botUserId?: string;
  accessToken?: string;
  deviceId?: string;
  /** Timeline events per joined room in an initial (token-less) sync; default 20. */
  initialHistory?: number;
  /** Longest hold of a `/sync` that has nothing to deliver; default 300 ms (a smaller `timeout` wins). */
  syncHoldMs?: number;
}

/** A room event as the fake stores it: without `room_id` (added where the API returns it). */
export interface MatrixEvent {
  type: string;
  event_id: string;
  sender: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  state_key?: string;
  redacts?: string;
  unsigned?: Record<string, unknown>;
}

/** What `push` takes: `event_id` and `origin_server_ts` are filled in when missing. */
export type EventInput = Omit<MatrixEvent, "event_id" | "origin_server_ts"> & {
  event_id?: string;
  origin_server_ts?: number;
};

export interface CreateRoomOptions {
  /** Sender of `m.room.create`; default `@it-admin:<server>`. */
  creator?: string;
  /** Default `"12"`. */
  version?: string;
  encrypted?: boolean;
  /** Merged over `{ users: { "@amtsleitung:<server>": 100 }, users_default: 0, … }` (matrix.md §10). */
  powerLevels?: Record<string, unknown>;
  additionalCreators?: string[];
  /** Joined members besides the creator (and the bot). */
  members?: string[];
  /** Default true. */
  botJoined?: boolean;
  name?: string;
  /** A `#alias:server` that `POST /join/{roomIdOrAlias}` resolves. */
  alias?: string;
}

export interface MessageOptions {
  formattedBody?: string;
  /** Makes an edit (`m.replace`) of this event: `m.new_content` gets `newBody ?? body`, `body` the `* ` fallback. */
  replaces?: string;
  newBody?: string;
  newFormattedBody?: string;
  /** A message in the thread rooted at this event. */
  threadRoot?: string;
  /** A reply (`m.in_reply_to`); inside a thread, the event replied to. */
  inReplyTo?: string;
  /** Default `m.text`. */
  msgtype?: string;
  /** An `mxc://` URI, for `m.image` and the other media msgtypes. */
  url?: string;
  info?: object;
  mentions?: { user_ids?: string[]; room?: boolean };
}

export type RouteName =
  | "whoami"
  | "account_data"
  | "joined_rooms"
  | "filter"
  | "sync"
  | "send"
  | "state"
  | "event"
  | "relations"
  | "join"
  | "leave"
  | "redact"
  | "media"
  | "upload"
  | "messages"
  | "createRoom"
  | "members"
  | "unknown";

export interface RecordedRequest {
  method: string;
  /** Path with every segment URL-decoded (a trailing slash stays). */
  path: string;
  /** Path as sent. */
  rawPath: string;
  /** Query parameters; a repeated key gives an array. */
  query: Record<string, string | string[]>;
  route: RouteName;
}

export interface SentEvent {
  roomId: string;
  type: string;
  txnId: string;
  content: Record<string, unknown>;
  eventId: string;
}

export interface JoinRecord {
  roomIdOrAlias: string;
  roomId: string;
  serverName: string[];
  via: string[];
}

export interface RedactionRecord {
  roomId: string;
  eventId: string;
  txnId: string;
  reason?: string;
  redactionEventId: string;
}

export interface UploadRecord {
  mxc: string;
  contentType: string;
  filename?: string;
  bytes: Buffer;
}

type Json = Record<string, unknown>;
type Membership = "join" | "invite" | "leave" | "ban";
type Query = Record<string, string | string[]>;

interface Entry {
  pos: number;
  event: MatrixEvent;
  /** The bot's membership right after this event. */
  bot: Membership | undefined;
  /** The bot's membership right before this event (differs from `bot` only for the bot's own membership events). */
  botBefore: Membership | undefined;
  /** `history_visibility` before and after this event (two values only for a history visibility change). */
  visibility: string[];
  txn?: { token: string; txnId: string };
}

/** What `POST /createRoom` was asked, for assertions. */
export interface CreatedRoomRecord {
  roomId: string;
  body: Record<string, unknown>;
}

interface Room {
  id: string;
  alias?: string;
  log: Entry[];
  /** `type \0 state_key` → event; pushed state events are the same objects as in `log`. */
  state: Map<string, MatrixEvent>;
  members: Map<string, Membership>;
  invite?: { pos: number; state: Json[] };
  limitedNext?: { keepLast?: number };
}

interface Reply {
  status: number;
  json?: unknown;
  bytes?: Buffer;
  contentType?: string;
  /** Bytes without end and without Content-Length, until the client hangs up. */
  endless?: boolean;
}

interface Call {
  method: string;
  query: Query;
  body: Buffer;
  contentType: string | undefined;
  token: string;
}

interface Route {
  name: RouteName;
  handle: (call: Call) => Reply | Promise<Reply>;
}

type Fault = { kind: "fail"; status: number; body: object } | { kind: "drop" };

interface Waiter {
  check: () => boolean;
  done: (error?: Error) => void;
}

const ok = (json: unknown): Reply => ({ status: 200, json });
const matrixError = (status: number, errcode: string, error: string, extra: Json = {}): Reply => ({
  status,
  json: { errcode, error, ...extra },
});
const notFound = (error = "Event not found.") => matrixError(404, "M_NOT_FOUND", error);
const clone = <T>(value: T): T => structuredClone(value);
const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
const all = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const stateKey = (type: string, key: string) => `${type}\u0000${key}`;
const relationOf = (event: MatrixEvent) => event.content["m.relates_to"] as Json | undefined;

/**
 * Content keys that survive a redaction, per the redaction algorithm of the room version (spec, rooms v1–v12:
 * v6 drops `m.room.aliases`, v8 adds `allow` to join rules, v9 `join_authorised_via_users_server` to members, v11
 * keeps the whole `m.room.create` content, `redacts` of redactions, `invite` of power levels and the `signed` part of
 * a member's `third_party_invite`). Any other type loses its whole content. `"*"` keeps everything.
 */
function keptOnRedaction(type: string, version: string): string[] {
  const n = /^\d+$/.test(version) ? Number(version) : 11; // unknown (unstable) versions: the newest rules
  const levels = ["ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default"];
  switch (type) {
    case "m.room.member":
      return [
        "membership",
        ...(n >= 9 ? ["join_authorised_via_users_server"] : []),
        ...(n >= 11 ? ["third_party_invite"] : []),
      ];
    case "m.room.create":
      return n >= 11 ? ["*"] : ["creator"];
    case "m.room.join_rules":
      return n >= 8 ? ["join_rule", "allow"] : ["join_rule"];
    case "m.room.power_levels":
      return n >= 11 ? [...levels, "invite"] : levels;
    case "m.room.history_visibility":
      return ["history_visibility"];
    case "m.room.aliases":
      return n <= 5 ? ["aliases"] : [];
    case "m.room.redaction":
      return n >= 11 ? ["redacts"] : [];
    default:
      return [];
  }
}

/** A `types`/`not_types` entry of a filter; `*` matches any run of characters. */
function typeMatches(pattern: string, type: string): boolean {
  if (!pattern.includes("*")) return pattern === type;
  const regex = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${regex.join(".*")}$`).test(type);
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;

const MESSAGES_DEFAULT_LIMIT = 10; // message_pagination.yaml
const MESSAGES_MAX_LIMIT = 1000; // Synapse's cap; the spec names none
const PRESETS: Record<string, { join_rule: string; guest_access: string }> = {
  private_chat: { join_rule: "invite", guest_access: "can_join" },
  trusted_private_chat: { join_rule: "invite", guest_access: "can_join" },
  public_chat: { join_rule: "public", guest_access: "forbidden" },
};
const RELATIONS_DEFAULT_LIMIT = 5; // Synapse's default; the SDK's getRelationsForEvent sends no limit
const RELATIONS_MAX_LIMIT = 100;
const POLL_MS = 10;

/**
 * A Matrix homeserver on loopback for the real matrix-bot-sdk 0.8 `MatrixClient` (matrix.md §9, §10): bearer auth,
 * whoami, joined rooms, a long-polling `/sync` woken by `push`, sends with txnId idempotency echoed back through
 * `/sync`, state, events, relations, join/leave/redact, history (`/messages`), members, `POST /createRoom`, global
 * account data (also delivered through `/sync`), authenticated media, and fault injection.
 *
 * Rooms made by the `createRoom()` helper start with their state (create, members, power levels, join rules,
 * encryption) but an empty timeline: the timeline holds what tests `push`, what the bot sends, and membership changes
 * made through the API or `invite`. Rooms the bot makes with `POST /createRoom` have all their events in the timeline. Joining any known room (by id or `alias`) succeeds; script a refusal with `failNext("join", 403, …)`.
 * Stop the client before the fake; `stop()` answers held `/sync` requests and closes every socket.
 */
export class FakeHomeserver {
  readonly url: string;
  readonly serverName: string;
  readonly botUserId: string;
  readonly accessToken: string;
  readonly deviceId: string;
  /** Timeline events per joined room in an initial sync. */
  initialHistory: number;
  syncHoldMs: number;

  readonly requests: RecordedRequest[] = [];
  readonly sent: SentEvent[] = [];
  readonly joins: JoinRecord[] = [];
  readonly leaves: { roomId: string; reason?: string }[] = [];
  readonly redactions: RedactionRecord[] = [];
  readonly uploads: UploadRecord[] = [];
  /** Bytes written for media added with `addEndlessMedia`. */
  endlessBytesServed = 0;
  readonly filters: unknown[] = [];
  /** Rooms made through `POST /createRoom`, with the request body. */
  readonly created: CreatedRoomRecord[] = [];

  readonly #server: Server;
  readonly #rooms = new Map<string, Room>();
  readonly #media = new Map<string, { bytes: Buffer; contentType: string } | { endless: true; contentType: string }>();
  /** Global account data of the bot: type → content and the position of its last change (for `/sync`). */
  readonly #accountData = new Map<string, { content: unknown; pos: number }>();
  readonly #txns = new Map<string, string>();
  readonly #faults = new Map<RouteName, Fault[]>();
  readonly #held = new Set<() => void>();
  readonly #answering = new Set<Promise<void>>();
  readonly #waiters = new Set<Waiter>();
  #pos = 0;
  #ids = 0;
  /** Highest `since` of a `/sync` request: everything up to it reached the client. */
  #deliveredTo = 0;
  #revoked = false;
  #stopped = false;

  private constructor(server: Server, options: FakeHomeserverOptions) {
    this.#server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.serverName = options.serverName ?? "rathaus.example.de";
    this.botUserId = options.botUserId ?? `@amtsbote:${this.serverName}`;
    this.accessToken = options.accessToken ?? "syt_bot_token";
    this.deviceId = options.deviceId ?? "AMTSBOTE01";
    this.initialHistory = options.initialHistory ?? 20;
    this.syncHoldMs = options.syncHoldMs ?? 300;
    server.on("request", (req: IncomingMessage, res: ServerResponse) => void this.#serve(req, res));
  }

  static async start(options: FakeHomeserverOptions = {}): Promise<FakeHomeserver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new FakeHomeserver(server, options);
  }

  /** Answers held `/sync` requests, rejects pending `waitFor`s, closes every connection and the server. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const wake of this.#held) wake();
    await Promise.allSettled([...this.#answering]);
    for (const waiter of this.#waiters) waiter.done(new Error("FakeHomeserver stopped"));
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // --- rooms and events ----------------------------------------------------------------------------------------

  /** Creates a room with its initial state (not in the timeline). Returns the room id. */
  createRoom(roomId: string, options: CreateRoomOptions = {}): string {
    if (this.#rooms.has(roomId)) throw new Error(`FakeHomeserver: room ${roomId} exists`);
    const creator = options.creator ?? `@it-admin:${this.serverName}`;
    const version = options.version ?? "12";
    const room: Room = { id: roomId, log: [], state: new Map(), members: new Map() };
    if (options.alias) room.alias = options.alias;
    this.#rooms.set(roomId, room);
    const preV11 = /^\d+$/.test(version) && Number(version) <= 10;
    const preV12 = /^\d+$/.test(version) && Number(version) < 12;
    const initial = (type: string, key: string, content: Json, sender = creator) => {
      const event = { type, state_key: key, sender, content, event_id: this.#eventId(), origin_server_ts: Date.now() };
      this.#applyState(room, event);
    };
    initial("m.room.create", "", {
      room_version: version,
      additional_creators: options.additionalCreators ?? [],
      ...(preV11 ? { creator } : {}),
    });
    const members = new Set([creator, ...(options.members ?? [])]);
    if (options.botJoined ?? true) members.add(this.botUserId);
    for (const member of members) initial("m.room.member", member, { membership: "join" }, member);
    initial("m.room.power_levels", "", {
      users: { [`@amtsleitung:${this.serverName}`]: 100, ...(preV12 ? { [creator]: 100 } : {}) },
      users_default: 0,
      events_default: 0,
      state_default: 50,
      ban: 50,
      kick: 50,
      redact: 50,
      invite: 0,
      events: {},
      ...options.powerLevels,
    });
    initial("m.room.join_rules", "", { join_rule: "invite" });
    if (options.name) initial("m.room.name", "", { name: options.name });
    if (options.encrypted) {
      initial("m.room.encryption", "", {
        algorithm: "m.megolm.v1.aes-sha2",
        rotation_period_ms: 604800000,
        rotation_period_msgs: 100,
      });
    }
    return roomId;
  }

  /**
   * Appends events written by people (or anyone) to the room's timeline and wakes held `/sync`s. State events
   * update the state, `m.room.member` the membership, `m.room.redaction` redacts its target. Returns the stored
   * events.
   */
  push(roomId: string, ...events: EventInput[]): MatrixEvent[] {
    const room = this.#room(roomId);
    return events.map((input) => {
      const rest = clone(input) as EventInput & { room_id?: string };
      delete rest.room_id;
      const event: MatrixEvent = {
        ...rest,
        event_id: input.event_id ?? this.#eventId(),
        origin_server_ts: input.origin_server_ts ?? Date.now(),
      };
      return clone(this.#append(room, event).event);
    });
  }

  /** Invites the bot: the next `/sync` has the room under `rooms.invite` with `invite_state`. */
  invite(roomId: string, inviter: string): MatrixEvent {
    const room = this.#rooms.get(roomId) ?? this.#room(this.createRoom(roomId, { creator: inviter, botJoined: false }));
    if (room.members.get(this.botUserId) === "join") throw new Error(`FakeHomeserver: the bot is in ${roomId}`);
    const entry = this.#append(room, {
      type: "m.room.member",
      state_key: this.botUserId,
      sender: inviter,
      content: { membership: "invite" },
      event_id: this.#eventId(),
      origin_server_ts: Date.now(),
    });
    const stripped = (event: MatrixEvent): Json => ({
      type: event.type,
      state_key: event.state_key,
      sender: event.sender,
      content: clone(event.content),
    });
    const shown = ["m.room.create", "m.room.join_rules", "m.room.name", "m.room.encryption"]
      .map((type) => room.state.get(stateKey(type, "")))
      .filter((event) => event !== undefined);
    const inviterMember = room.state.get(stateKey("m.room.member", inviter));
    if (inviterMember) shown.push(inviterMember);
    room.invite = { pos: entry.pos, state: [...shown, entry.event].map(stripped) };
    return clone(entry.event);
  }

  /** The next delivery of this room's timeline says `limited: true`; with `keepLast`, older new events are skipped. */
  nextSyncLimited(roomId: string, keepLast?: number): void {
    this.#room(roomId).limitedNext = keepLast === undefined ? {} : { keepLast };
  }

  /** The room's timeline, oldest first (redacted events as redacted). */
  roomEvents(roomId: string): MatrixEvent[] {
    return this.#room(roomId).log.map((entry) => clone(entry.event));
  }

  /** A current state event, or undefined. */
  currentState(roomId: string, type: string, key = ""): MatrixEvent | undefined {
    const event = this.#room(roomId).state.get(stateKey(type, key));
    return event && clone(event);
  }

  membership(roomId: string, userId = this.botUserId): string | undefined {
    return this.#room(roomId).members.get(userId);
  }

  /**
   * Lets `userId` (someone other than the bot) join: appends their `m.room.member` join. They must be invited, or
   * the room's join rule `public`; otherwise this throws, as the server would refuse.
   */
  joinAs(roomId: string, userId: string): MatrixEvent {
    const room = this.#room(roomId);
    const joinRule = room.state.get(stateKey("m.room.join_rules", ""))?.content.join_rule;
    const membership = room.members.get(userId);
    if (membership === "join") throw new Error(`FakeHomeserver: ${userId} is in ${roomId} already`);
    if (membership !== "invite" && joinRule !== "public")
      throw new Error(`FakeHomeserver: ${userId} is not invited to ${roomId} (join rule ${String(joinRule)})`);
    const [event] = this.push(roomId, this.stateChange(userId, "m.room.member", userId, { membership: "join" }));
    if (!event) throw new Error("unreachable");
    return event;
  }

  /**
   * Rooms the bot made with `POST /createRoom` and `is_direct: true` that invited `userId`, oldest first — the DMs
   * the bot opened with them. Read what was said there with `roomEvents(roomId)`.
   */
  directRooms(userId: string): string[] {
    return this.created
      .filter(({ body }) => body.is_direct === true && (strings(body.invite) ?? []).includes(userId))
      .map(({ roomId }) => roomId);
  }

  /** The bot's global account data of this type (e.g. `m.direct`), or undefined. */
  accountData(type: string): unknown {
    const known = this.#accountData.get(type);
    return known === undefined ? undefined : clone(known.content);
  }

  /** Sets the bot's global account data, as `PUT /user/{userId}/account_data/{type}` does; the next `/sync` has it. */
  setAccountData(type: string, content: object): void {
    this.#accountData.set(type, { content: clone(content), pos: ++this.#pos });
    for (const wake of this.#held) wake();
    this.#poke();
  }

  /** Whether a `/sync` arrived whose `since` lies at or after this event: the client got it and asked for more. */
  delivered(eventId: string): boolean {
    for (const room of this.#rooms.values()) {
      const entry = room.log.find((e) => e.event.event_id === eventId);
      if (entry) return this.#deliveredTo >= entry.pos;
    }
    return false;
  }

  waitForDelivery(eventId: string, timeoutMs = 5000): Promise<void> {
    return this.waitFor(() => this.delivered(eventId), timeoutMs, `the delivery of ${eventId}`);
  }

  /** Resolves once `predicate()` holds (checked on every request, push and every 10 ms); rejects after the timeout. */
  waitFor(predicate: () => boolean, timeoutMs = 5000, what = "a condition"): Promise<void> {
    if (predicate()) return Promise.resolve();
    if (this.#stopped) return Promise.reject(new Error(`FakeHomeserver stopped; not waiting for ${what}`));
    return new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => this.#check(waiter), POLL_MS);
      const timer = setTimeout(
        () => waiter.done(new Error(`FakeHomeserver: waited ${timeoutMs} ms for ${what} in vain`)),
        timeoutMs,
      );
      const waiter: Waiter = {
        check: predicate,
        done: (error) => {
          clearInterval(poll);
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          if (error) reject(error);
          else resolve();
        },
      };
      this.#waiters.add(waiter);
    });
  }

  // --- event builders (matrix.md §9 shapes; each has its event_id already) -------------------------------------

  message(sender: string, body: string, opts: MessageOptions = {}): MatrixEvent {
    const msgtype = opts.msgtype ?? "m.text";
    const media = { ...(opts.url ? { url: opts.url } : {}), ...(opts.info ? { info: opts.info } : {}) };
    const text = (plain: string, html: string | undefined): Json => ({
      msgtype,
      body: plain,
      ...(html === undefined ? {} : { format: "org.matrix.custom.html", formatted_body: html }),
      ...media,
    });
    let content: Json;
    if (opts.replaces) {
      const newBody = opts.newBody ?? body;
      const newHtml = opts.newFormattedBody ?? opts.formattedBody;
      const fallback = opts.newBody === undefined ? `* ${body}` : body;
      const fallbackHtml =
        opts.formattedBody === undefined || opts.newFormattedBody !== undefined
          ? opts.formattedBody
          : `* ${opts.formattedBody}`;
      content = {
        ...text(fallback, fallbackHtml ?? (newHtml === undefined ? undefined : `* ${newHtml}`)),
        "m.new_content": text(newBody, newHtml),
        "m.relates_to": { rel_type: "m.replace", event_id: opts.replaces },
      };
    } else {
      content = text(body, opts.formattedBody);
      if (opts.threadRoot) {
        content["m.relates_to"] = {
          rel_type: "m.thread",
          event_id: opts.threadRoot,
          is_falling_back: opts.inReplyTo === undefined,
          "m.in_reply_to": { event_id: opts.inReplyTo ?? opts.threadRoot },
        };
      } else if (opts.inReplyTo) {
        content["m.relates_to"] = { "m.in_reply_to": { event_id: opts.inReplyTo } };
      }
    }
    if (opts.mentions) content["m.mentions"] = opts.mentions;
    return this.#built("m.room.message", sender, content);
  }

  reaction(sender: string, targetEventId: string, key: string): MatrixEvent {
    return this.#built("m.reaction", sender, {
      "m.relates_to": { rel_type: "m.annotation", event_id: targetEventId, key },
    });
  }

  /** Carries the target both top-level (`redacts`, rooms v1–10) and in `content.redacts` (v11+), as servers do. */
  redaction(sender: string, targetEventId: string, reason?: string): MatrixEvent {
    const content = { redacts: targetEventId, ...(reason === undefined ? {} : { reason }) };
    return { ...this.#built("m.room.redaction", sender, content), redacts: targetEventId };
  }

  /** What a client without crypto sees; `relatesTo` is the cleartext `m.relates_to` of encrypted reactions/edits. */
  encrypted(sender: string, opts: { relatesTo?: Json } = {}): MatrixEvent {
    return this.#built("m.room.encrypted", sender, {
      algorithm: "m.megolm.v1.aes-sha2",
      ciphertext: "AwgAEnACgAkLmt6qF84IK++J7UDH2Za1YVchHyprqTqsg2yyOwAtHaZTwyNg37afzg8f3r9IsN9rH4RNFg",
      device_id: "ELEMENTWEB1",
      sender_key: "IlRMeOPX2e0MurIyfWEucYBRVOEEUMrOHqn/8mLqMjA",
      session_id: "X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ",
      ...(opts.relatesTo ? { "m.relates_to": opts.relatesTo } : {}),
    });
  }

  /** A state event, e.g. a power-level change or a membership. */
  stateChange(sender: string, type: string, key: string, content: Json): MatrixEvent {
    return { ...this.#built(type, sender, content), state_key: key };
  }

  // --- media ---------------------------------------------------------------------------------------------------

  /** Serves `bytes` at `GET /_matrix/client/v1/media/download/{server}/{mediaId}`; returns the `mxc://` URI. */
  addMedia(bytes: Buffer, contentType: string): string {
    const mxc = `mxc://${this.serverName}/media${String(++this.#ids).padStart(4, "0")}AbC`;
    this.#media.set(mxc, { bytes, contentType });
    return mxc;
  }

  /** Like `addMedia`, but the download never ends and has no Content-Length (counted in `endlessBytesServed`). */
  addEndlessMedia(contentType: string): string {
    const mxc = `mxc://${this.serverName}/media${String(++this.#ids).padStart(4, "0")}AbC`;
    this.#media.set(mxc, { endless: true, contentType });
    return mxc;
  }

  // --- faults and auth -----------------------------------------------------------------------------------------

  /** The next request of this route gets `status` with `body`, without being processed. */
  failNext(routeName: RouteName, status: number, body: object): void {
    this.#fault(routeName, { kind: "fail", status, body });
  }

  /** The next request of this route is processed (a send is stored) but its connection is destroyed unanswered. */
  dropNext(routeName: RouteName): void {
    this.#fault(routeName, { kind: "drop" });
  }

  /** From now on every request gets `401 M_UNKNOWN_TOKEN`. */
  revokeToken(): void {
    this.#revoked = true;
  }

  // --- internals: state ------------------------------------------------------------------------------------------

  #eventId(): string {
    return `$ev${++this.#ids}`;
  }

  #built(type: string, sender: string, content: Json): MatrixEvent {
    return { type, event_id: this.#eventId(), sender, origin_server_ts: Date.now(), content };
  }

  #room(roomId: string): Room {
    const room = this.#rooms.get(roomId);
    if (!room) throw new Error(`FakeHomeserver: no room ${roomId}; createRoom() first`);
    return room;
  }

  #fault(route: RouteName, fault: Fault): void {
    this.#faults.set(route, [...(this.#faults.get(route) ?? []), fault]);
  }

  #applyState(room: Room, event: MatrixEvent): void {
    if (event.state_key === undefined) return;
    room.state.set(stateKey(event.type, event.state_key), event);
    const membership = event.content.membership;
    if (event.type === "m.room.member" && typeof membership === "string") {
      room.members.set(event.state_key, membership as Membership);
      if (event.state_key === this.botUserId && membership !== "invite") delete room.invite;
    }
  }

  #append(room: Room, event: MatrixEvent, txn?: Entry["txn"]): Entry {
    const botBefore = room.members.get(this.botUserId);
    const visibilityBefore = this.#historyVisibility(room);
    this.#applyState(room, event);
    if (event.type === "m.room.redaction") {
      const target = event.content.redacts ?? event.redacts;
      if (typeof target === "string") this.#redact(room, target, event);
    }
    const visibility = [...new Set([visibilityBefore, this.#historyVisibility(room)])];
    const entry: Entry = { pos: ++this.#pos, event, bot: room.members.get(this.botUserId), botBefore, visibility };
    if (txn) entry.txn = txn;
    room.log.push(entry);
    for (const wake of this.#held) wake();
    this.#poke();
    return entry;
  }

  #find(room: Room, eventId: string): MatrixEvent | undefined {
    return (
      room.log.find((entry) => entry.event.event_id === eventId)?.event ??
      [...room.state.values()].find((event) => event.event_id === eventId)
    );
  }

  /** Redacts in place (so `/sync`, `/event`, `/messages` and the state all show it redacted), per room version. */
  #redact(room: Room, eventId: string, redaction: MatrixEvent): void {
    const target = this.#find(room, eventId);
    if (!target || target.unsigned?.redacted_because) return;
    const kept = keptOnRedaction(target.type, this.#roomVersion(room));
    if (!kept.includes("*"))
      target.content = Object.fromEntries(Object.entries(target.content).filter(([key]) => kept.includes(key)));
    const invite = target.content.third_party_invite as Json | undefined;
    if (target.type === "m.room.member" && invite !== undefined) {
      if (typeof invite === "object" && invite !== null && "signed" in invite)
        target.content.third_party_invite = { signed: invite.signed };
      else delete target.content.third_party_invite;
    }
    delete target.redacts; // a top-level key no version's algorithm keeps
    target.unsigned = { ...target.unsigned, redacted_because: clone(redaction) };
  }

  #roomVersion(room: Room): string {
    const version = room.state.get(stateKey("m.room.create", ""))?.content.room_version;
    return typeof version === "string" ? version : "1";
  }

  #historyVisibility(room: Room): string {
    const visibility = room.state.get(stateKey("m.room.history_visibility", ""))?.content.history_visibility;
    return typeof visibility === "string" ? visibility : "shared";
  }

  /**
   * Whether the bot, joined now, may see this event (spec: history visibility): `world_readable` and `shared` always
   * (it is joined now, so it joined after the event or was in); `invited` if it was invited or joined at the event,
   * `joined` if joined. For a visibility change, the more permissive side counts; for the bot's own membership event,
   * its membership before or after.
   */
  #visibleToBot(entry: Entry): boolean {
    const memberships = [entry.botBefore, entry.bot];
    return entry.visibility.some(
      (v) =>
        v === "world_readable" ||
        v === "shared" ||
        memberships.includes("join") ||
        (v === "invited" && memberships.includes("invite")),
    );
  }

  // --- internals: shapes -----------------------------------------------------------------------------------------

  #clientEvent(room: Room, event: MatrixEvent): Json {
    return { ...this.#syncEvent({ event }, ""), room_id: room.id };
  }

  #syncEvent(entry: Pick<Entry, "event" | "txn">, token: string): Json {
    const event = clone(entry.event);
    const unsigned: Json = { ...event.unsigned, age: Math.max(0, Date.now() - event.origin_server_ts) };
    if (entry.txn && entry.txn.token === token) unsigned.transaction_id = entry.txn.txnId;
    return { ...event, unsigned };
  }

  /** The bot's own leave/ban: shown in `rooms.leave` although its membership is no longer `join`. */
  #isOwnExit(entry: Entry): boolean {
    const e = entry.event;
    return (
      e.type === "m.room.member" &&
      e.state_key === this.botUserId &&
      (e.content.membership === "leave" || e.content.membership === "ban")
    );
  }

  #news(since: number): boolean {
    for (const { pos } of this.#accountData.values()) if (pos > since) return true;
    for (const room of this.#rooms.values()) {
      const membership = room.members.get(this.botUserId);
      if (membership === "invite" && room.invite && room.invite.pos > since) return true;
      if (room.log.some((e) => e.pos > since && (e.bot === "join" || this.#isOwnExit(e)))) return true;
    }
    return false;
  }

  #syncBody(since: number | undefined, fullState: boolean, token: string): Json {
    const join: Json = {};
    const invite: Json = {};
    const leave: Json = {};
    const prevBatch = (events: Entry[]) => `t${(events[0]?.pos ?? this.#pos + 1) - 1}`;
    for (const room of this.#rooms.values()) {
      const membership = room.members.get(this.botUserId);
      if (membership === "invite") {
        if (room.invite && (since === undefined || room.invite.pos > since))
          invite[room.id] = { invite_state: { events: clone(room.invite.state) } };
      } else if (membership === "join") {
        let events = room.log.filter((e) => e.bot === "join" && (since === undefined || e.pos > since));
        if (since !== undefined && events.length === 0 && !fullState) continue;
        let limited = false;
        if (since === undefined && events.length > this.initialHistory) {
          events = events.slice(events.length - this.initialHistory);
          limited = true;
        }
        if (room.limitedNext && events.length > 0) {
          const keep = room.limitedNext.keepLast ?? events.length;
          events = events.slice(Math.max(0, events.length - keep));
          limited = true;
          delete room.limitedNext;
        }
        const inTimeline = new Set(events.map((e) => e.event.event_id));
        const state =
          since === undefined || fullState || limited
            ? [...room.state.values()]
                .filter((event) => !inTimeline.has(event.event_id))
                .map((event) => this.#syncEvent({ event }, token))
            : [];
        join[room.id] = {
          timeline: { events: events.map((e) => this.#syncEvent(e, token)), limited, prev_batch: prevBatch(events) },
          state: { events: state },
          ephemeral: { events: [] },
          account_data: { events: [] },
          unread_notifications: {
            highlight_count: 0,
            notification_count: events.filter((e) => e.event.sender !== this.botUserId).length,
          },
        };
      } else if (since !== undefined) {
        const events = room.log.filter((e) => e.pos > since && (e.bot === "join" || this.#isOwnExit(e)));
        if (events.length === 0) continue;
        leave[room.id] = {
          timeline: {
            events: events.map((e) => this.#syncEvent(e, token)),
            limited: false,
            prev_batch: prevBatch(events),
          },
          state: { events: [] },
          account_data: { events: [] },
        };
      }
    }
    const rooms: Json = {};
    for (const [key, section] of Object.entries({ join, invite, leave })) {
      if (Object.keys(section).length > 0) rooms[key] = section;
    }
    const accountData = [...this.#accountData]
      .filter(([, { pos }]) => since === undefined || pos > since)
      .map(([type, { content }]) => ({ type, content: clone(content) }));
    return {
      next_batch: `s${this.#pos}`,
      ...(Object.keys(rooms).length > 0 ? { rooms } : {}),
      account_data: { events: accountData },
      presence: { events: [] },
      to_device: { events: [] },
      device_lists: { changed: [], left: [] },
      device_one_time_keys_count: {},
    };
  }

  // --- internals: HTTP -------------------------------------------------------------------------------------------

  #check(waiter: Waiter): void {
    try {
      if (waiter.check()) waiter.done();
    } catch (error) {
      waiter.done(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #poke(): void {
    for (const waiter of this.#waiters) this.#check(waiter);
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client went away mid-body
    }
    const answered = this.#answer(req, res, Buffer.concat(chunks)).catch((error: unknown) =>
      this.#send(res, matrixError(500, "M_UNKNOWN", `FakeHomeserver: ${String(error)}`)),
    );
    this.#answering.add(answered);
    await answered;
    this.#answering.delete(answered);
    this.#poke();
  }

  async #answer(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    const query: Query = {};
    for (const [key, value] of url.searchParams) {
      const known = query[key];
      query[key] = known === undefined ? value : [...all(known), value];
    }
    let segments: string[];
    try {
      segments = url.pathname.split("/").slice(1).map(decodeURIComponent);
    } catch {
      return this.#send(res, matrixError(400, "M_UNRECOGNIZED", "Invalid URL encoding"));
    }
    const route = this.#route(method, segments);
    const name = route?.name ?? "unknown";
    this.requests.push({ method, path: `/${segments.join("/")}`, rawPath: url.pathname, query, route: name });
    if (!route) return this.#send(res, matrixError(404, "M_UNRECOGNIZED", "Unrecognized request"));
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    if (!auth?.[1]) return this.#send(res, matrixError(401, "M_MISSING_TOKEN", "Missing access token"));
    if (auth[1] !== this.accessToken || this.#revoked) {
      const soft = { soft_logout: false };
      return this.#send(res, matrixError(401, "M_UNKNOWN_TOKEN", "Invalid access token passed.", soft));
    }
    const fault = this.#faults.get(name)?.shift();
    if (fault?.kind === "fail") return this.#send(res, { status: fault.status, json: fault.body });
    const contentType = req.headers["content-type"];
    const reply = await route.handle({ method, query, body, contentType, token: auth[1] });
    if (fault?.kind === "drop") {
      req.socket.destroy();
      return;
    }
    return this.#send(res, reply);
  }

  /** Resolves once the answer is handed to the socket (so `stop()` can close connections after held syncs). */
  #send(res: ServerResponse, reply: Reply): Promise<void> {
    if (res.destroyed) return Promise.resolve();
    if (reply.endless) return this.#sendEndless(res, reply);
    const body = reply.bytes ?? Buffer.from(JSON.stringify(reply.json ?? {}));
    res.writeHead(reply.status, {
      "content-type": reply.bytes ? (reply.contentType ?? "application/octet-stream") : "application/json",
      "content-length": body.length,
    });
    return new Promise<void>((resolve) => {
      res.once("close", resolve);
      res.end(body, resolve);
    });
  }

  /** Writes as fast as the client reads, until it hangs up or `stop()`. */
  async #sendEndless(res: ServerResponse, reply: Reply): Promise<void> {
    const hangUp = () => res.destroy();
    this.#held.add(hangUp);
    res.writeHead(reply.status, {
      "content-type": reply.contentType ?? "application/octet-stream",
      "content-disposition": "inline",
    });
    const chunk = Buffer.alloc(64 * 1024, 0x42);
    const closed = new Promise<void>((resolve) => res.once("close", resolve));
    while (!res.destroyed) {
      this.endlessBytesServed += chunk.length;
      if (!res.write(chunk)) await Promise.race([new Promise((resolve) => res.once("drain", resolve)), closed]);
    }
    this.#held.delete(hangUp);
  }

  #route(method: string, segments: string[]): Route | undefined {
    const [root, api, version, ...rest] = segments;
    if (root !== "_matrix") return undefined;
    const ANY = undefined;
    const at = (...parts: (string | undefined)[]) =>
      parts.length === rest.length && parts.every((part, i) => part === ANY || part === rest[i]);
    const [, id = "", , a = "", b = ""] = rest; // e.g. rooms/{id}/send/{a}/{b}
    const v3 = api === "client" && version === "v3";
    const v1 = api === "client" && version === "v1";
    const get = method === "GET";
    const put = method === "PUT";
    const post = method === "POST";
    const route = (name: RouteName, handle: Route["handle"]): Route => ({ name, handle });
    if (v3 && get && at("account", "whoami")) return route("whoami", () => this.#whoami());
    if (v3 && (get || put) && at("user", ANY, "account_data", ANY))
      return route("account_data", (c) => this.#accountDataRoute(c, id, rest[3] ?? ""));
    if (v3 && get && at("joined_rooms")) return route("joined_rooms", () => this.#joinedRooms());
    if (v3 && post && at("user", ANY, "filter")) return route("filter", (c) => this.#filter(c));
    if (v3 && get && at("sync")) return route("sync", (c) => this.#syncRoute(c));
    if (v3 && put && at("rooms", ANY, "send", ANY, ANY)) return route("send", (c) => this.#sendRoute(c, id, a, b));
    if (v3 && get && at("rooms", ANY, "state")) return route("state", () => this.#allState(id));
    if (v3 && get && (at("rooms", ANY, "state", ANY) || at("rooms", ANY, "state", ANY, ANY)))
      return route("state", (c) => this.#stateRoute(c, id, a, b));
    if (v3 && get && at("rooms", ANY, "event", ANY)) return route("event", () => this.#eventRoute(id, a));
    if (v3 && get && at("rooms", ANY, "messages")) return route("messages", (c) => this.#messagesRoute(c, id));
    if (v3 && get && at("rooms", ANY, "members")) return route("members", (c) => this.#membersRoute(c, id));
    if (v3 && post && at("createRoom")) return route("createRoom", (c) => this.#createRoomRoute(c));
    if (v3 && post && (at("join", ANY) || at("rooms", ANY, "join"))) return route("join", (c) => this.#join(c, id));
    if (v3 && post && at("rooms", ANY, "leave")) return route("leave", (c) => this.#leave(c, id));
    if (v3 && put && at("rooms", ANY, "redact", ANY, ANY))
      return route("redact", (c) => this.#redactRoute(c, id, a, b));
    if (v1 && get && rest[0] === "rooms" && rest[2] === "relations" && rest.length >= 4 && rest.length <= 6)
      return route("relations", (c) => this.#relations(c, id, a, rest[4], rest[5]));
    if (v1 && get && (at("media", "download", ANY, ANY) || at("media", "download", ANY, ANY, ANY)))
      return route("media", () => this.#download(rest[2] ?? "", a));
    if (api === "media" && version === "v3" && post && at("upload")) return route("upload", (c) => this.#upload(c));
    return undefined;
  }

  #json(call: Call): Json | undefined {
    if (call.body.length === 0) return {};
    try {
      const parsed: unknown = JSON.parse(call.body.toString("utf8"));
      return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The room if the bot is joined to it. */
  #joined(roomId: string): Room | undefined {
    const room = this.#rooms.get(roomId);
    return room?.members.get(this.botUserId) === "join" ? room : undefined;
  }

  #notInRoom(roomId: string): Reply {
    return matrixError(403, "M_FORBIDDEN", `User ${this.botUserId} not in room ${roomId}`);
  }

  // --- internals: endpoints -----------------------------------------------------------------------------------------

  #whoami(): Reply {
    return ok({ user_id: this.botUserId, device_id: this.deviceId, is_guest: false });
  }

  #accountDataRoute(call: Call, userId: string, type: string): Reply {
    if (userId !== this.botUserId) return matrixError(403, "M_FORBIDDEN", "Cannot access other users' account data");
    if (call.method === "PUT") {
      const content = this.#json(call);
      if (!content) return matrixError(400, "M_NOT_JSON", "Content not JSON.");
      this.setAccountData(type, content);
      return ok({});
    }
    const known = this.#accountData.get(type);
    return known === undefined ? notFound("Account data not found") : ok(clone(known.content));
  }

  #joinedRooms(): Reply {
    const joined = [...this.#rooms.keys()].filter((roomId) => this.#joined(roomId));
    return ok({ joined_rooms: joined });
  }

  #filter(call: Call): Reply {
    const filter = this.#json(call);
    if (!filter) return matrixError(400, "M_NOT_JSON", "Content not JSON.");
    this.filters.push(filter);
    return ok({ filter_id: String(this.filters.length) });
  }

  async #syncRoute(call: Call): Promise<Reply> {
    const raw = first(call.query.since);
    const match = raw === undefined ? undefined : /^s(\d+)$/.exec(raw);
    if (raw !== undefined && !match) return matrixError(400, "M_INVALID_PARAM", `Unknown since token ${raw}`);
    const since = match ? Number(match[1]) : undefined;
    if (since !== undefined) this.#deliveredTo = Math.max(this.#deliveredTo, since);
    const fullState = first(call.query.full_state) === "true";
    const timeout = Math.max(0, Number(first(call.query.timeout) ?? 0) || 0);
    if (since !== undefined && !fullState && timeout > 0 && !this.#stopped && !this.#news(since))
      await this.#hold(Math.min(timeout, this.syncHoldMs));
    return ok(this.#syncBody(since, fullState, call.token));
  }

  #hold(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#held.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#held.add(wake);
    });
  }

  #sendRoute(call: Call, roomId: string, type: string, txnId: string): Reply {
    const key = `${call.token}\u0000send\u0000${txnId}`;
    const known = this.#txns.get(key);
    if (known) return ok({ event_id: known });
    const room = this.#joined(roomId);
    if (!room) return this.#notInRoom(roomId);
    const content = this.#json(call);
    if (!content) return matrixError(400, "M_NOT_JSON", "Content not JSON.");
    const relation = content["m.relates_to"] as Json | undefined;
    if (type === "m.reaction" && relation?.rel_type === "m.annotation") {
      const duplicate = room.log.some(({ event }) => {
        const other = relationOf(event);
        return (
          event.type === "m.reaction" &&
          event.sender === this.botUserId &&
          other?.event_id === relation.event_id &&
          other?.key === relation.key
        );
      });
      if (duplicate) return matrixError(400, "M_DUPLICATE_ANNOTATION", "Can't send same reaction twice");
    }
    const event: MatrixEvent = {
      type,
      event_id: this.#eventId(),
      sender: this.botUserId,
      origin_server_ts: Date.now(),
      content,
    };
    this.#append(room, event, { token: call.token, txnId });
    this.#txns.set(key, event.event_id);
    this.sent.push({ roomId: room.id, type, txnId, content: clone(content), eventId: event.event_id });
    return ok({ event_id: event.event_id });
  }

  #allState(roomId: string): Reply {
    const room = this.#joined(roomId);
    if (!room) return this.#notInRoom(roomId);
    return ok([...room.state.values()].map((event) => this.#clientEvent(room, event)));
  }

  #stateRoute(call: Call, roomId: string, type: string, key: string): Reply {
    const room = this.#joined(roomId);
    if (!room) return this.#notInRoom(roomId);
    const event = room.state.get(stateKey(type, key));
    if (!event) return notFound();
    return ok(first(call.query.format) === "event" ? this.#clientEvent(room, event) : clone(event.content));
  }

  #eventRoute(roomId: string, eventId: string): Reply {
    const room = this.#joined(roomId);
    const event = room && this.#find(room, eventId);
    return room && event ? ok(this.#clientEvent(room, event)) : notFound();
  }

  #join(call: Call, target: string): Reply {
    const room = target.startsWith("#")
      ? [...this.#rooms.values()].find((r) => r.alias === target)
      : this.#rooms.get(target);
    if (!room) return notFound(`No known servers for ${target}`);
    this.joins.push({
      roomIdOrAlias: target,
      roomId: room.id,
      serverName: all(call.query.server_name),
      via: all(call.query.via),
    });
    if (room.members.get(this.botUserId) !== "join") {
      const reason = this.#json(call)?.reason;
      this.#append(room, {
        type: "m.room.member",
        state_key: this.botUserId,
        sender: this.botUserId,
        content: { membership: "join", ...(typeof reason === "string" ? { reason } : {}) },
        event_id: this.#eventId(),
        origin_server_ts: Date.now(),
      });
    }
    return ok({ room_id: room.id });
  }

  #leave(call: Call, roomId: string): Reply {
    const room = this.#rooms.get(roomId);
    const membership = room?.members.get(this.botUserId);
    if (!room || (membership !== "join" && membership !== "invite")) return this.#notInRoom(roomId);
    const reason = this.#json(call)?.reason;
    this.#append(room, {
      type: "m.room.member",
      state_key: this.botUserId,
      sender: this.botUserId,
      content: { membership: "leave", ...(typeof reason === "string" ? { reason } : {}) },
      event_id: this.#eventId(),
      origin_server_ts: Date.now(),
    });
    this.leaves.push(typeof reason === "string" ? { roomId: room.id, reason } : { roomId: room.id });
    return ok({});
  }

  #redactRoute(call: Call, roomId: string, eventId: string, txnId: string): Reply {
    const key = `${call.token}\u0000redact\u0000${txnId}`;
    const known = this.#txns.get(key);
    if (known) return ok({ event_id: known });
    const room = this.#joined(roomId);
    if (!room) return this.#notInRoom(roomId);
    const reason = this.#json(call)?.reason;
    const content: Json = { redacts: eventId, ...(typeof reason === "string" ? { reason } : {}) };
    const event: MatrixEvent = {
      type: "m.room.redaction",
      event_id: this.#eventId(),
      sender: this.botUserId,
      origin_server_ts: Date.now(),
      content,
      redacts: eventId,
    };
    this.#append(room, event, { token: call.token, txnId });
    this.#txns.set(key, event.event_id);
    const record: RedactionRecord = { roomId: room.id, eventId, txnId, redactionEventId: event.event_id };
    if (typeof reason === "string") record.reason = reason;
    this.redactions.push(record);
    return ok({ event_id: event.event_id });
  }

  /** Children with a `rel_type` (newest first unless `dir=f`); tokens are timeline positions, so pages are stable. */
  #relations(call: Call, roomId: string, eventId: string, relType?: string, eventType?: string): Reply {
    const room = this.#joined(roomId);
    if (!room || !this.#find(room, eventId)) return notFound();
    const forward = first(call.query.dir) === "f";
    const from = first(call.query.from);
    const fromPos = from === undefined ? undefined : /^r(\d+)$/.exec(from)?.[1];
    if (from !== undefined && fromPos === undefined) return matrixError(400, "M_INVALID_PARAM", "Invalid from token");
    const limit = Math.min(
      RELATIONS_MAX_LIMIT,
      Math.max(1, Number(first(call.query.limit)) || RELATIONS_DEFAULT_LIMIT),
    );
    const children = room.log.filter(({ event, pos }) => {
      const relation = relationOf(event);
      if (typeof relation?.rel_type !== "string" || relation.event_id !== eventId) return false;
      if ((relType && relation.rel_type !== relType) || (eventType && event.type !== eventType)) return false;
      return fromPos === undefined || (forward ? pos > Number(fromPos) : pos < Number(fromPos));
    });
    if (!forward) children.reverse();
    const page = children.slice(0, limit);
    const last = page.at(-1);
    return ok({
      chunk: page.map(({ event }) => this.#clientEvent(room, event)),
      ...(children.length > limit && last ? { next_batch: `r${last.pos}` } : {}),
    });
  }

  /**
   * `GET /rooms/{roomId}/messages` (message_pagination.yaml): tokens are timeline positions — `t<n>`/`s<n>` mean
   * "after the n-th event", so `/sync`'s `prev_batch` and `next_batch` work as `from`/`to`. Without `from`, `dir=b`
   * starts at the newest event and `dir=f` at the oldest. `end` is left out once nothing further matches. Only what
   * the timeline holds is returned: rooms made by the `createRoom()` helper start with their state outside it.
   */
  #messagesRoute(call: Call, roomId: string): Reply {
    const room = this.#joined(roomId);
    if (!room) return this.#notInRoom(roomId);
    const dir = first(call.query.dir);
    if (dir === undefined) return matrixError(400, "M_MISSING_PARAM", "Missing dir query parameter");
    if (dir !== "b" && dir !== "f") return matrixError(400, "M_INVALID_PARAM", "dir must be one of b, f");
    const position = (name: "from" | "to"): number | null | "invalid" => {
      const raw = first(call.query[name]);
      if (raw === undefined) return null;
      const match = /^[st](\d+)$/.exec(raw);
      return match ? Number(match[1]) : "invalid";
    };
    const from = position("from");
    const to = position("to");
    if (from === "invalid" || to === "invalid") return matrixError(400, "M_INVALID_PARAM", "Invalid pagination token");
    const rawLimit = first(call.query.limit);
    let limit = rawLimit === undefined ? MESSAGES_DEFAULT_LIMIT : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 0) return matrixError(400, "M_INVALID_PARAM", "limit must be an integer");
    let filter: Json = {};
    const rawFilter = first(call.query.filter);
    if (rawFilter !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawFilter);
      } catch {
        parsed = undefined;
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        return matrixError(400, "M_INVALID_PARAM", "filter must be a JSON RoomEventFilter");
      filter = parsed as Json;
    }
    if (typeof filter.limit === "number" && Number.isInteger(filter.limit) && filter.limit > 0)
      limit = Math.min(limit, filter.limit);
    limit = Math.min(limit, MESSAGES_MAX_LIMIT);

    const backward = dir === "b";
    const fromPos = from ?? (backward ? this.#pos : 0);
    const log = room.log;
    // the first entry after fromPos (positions grow along the log)
    let lo = 0;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((log[mid]?.pos ?? 0) <= fromPos) lo = mid + 1;
      else hi = mid;
    }
    const chunk: Entry[] = [];
    let more = false;
    for (let i = backward ? lo - 1 : lo; i >= 0 && i < log.length; i += backward ? -1 : 1) {
      const entry = log[i] as Entry;
      if (to !== null && (backward ? entry.pos <= to : entry.pos > to)) break;
      if (!this.#visibleToBot(entry) || !this.#passes(filter, room, entry.event)) continue;
      if (chunk.length === limit) {
        more = true;
        break;
      }
      chunk.push(entry);
    }
    const last = chunk.at(-1);
    const endPos = last === undefined ? fromPos : backward ? last.pos - 1 : last.pos;
    const senders = [...new Set(chunk.map(({ event }) => event.sender))];
    const members =
      filter.lazy_load_members === true
        ? senders.map((sender) => room.state.get(stateKey("m.room.member", sender))).filter((e) => e !== undefined)
        : undefined;
    return ok({
      start: first(call.query.from) ?? `t${fromPos}`,
      chunk: chunk.map((entry) => ({ ...this.#syncEvent(entry, call.token), room_id: room.id })),
      ...(more ? { end: `t${endPos}` } : {}),
      ...(members ? { state: members.map((event) => this.#clientEvent(room, event)) } : {}),
    });
  }

  /** A RoomEventFilter (`types`, `not_types`, `senders`, `not_senders`, `rooms`, `not_rooms`, `contains_url`). */
  #passes(filter: Json, room: Room, event: MatrixEvent): boolean {
    const types = strings(filter.types);
    if (types && !types.some((t) => typeMatches(t, event.type))) return false;
    if (strings(filter.not_types)?.some((t) => typeMatches(t, event.type))) return false;
    const senders = strings(filter.senders);
    if (senders && !senders.includes(event.sender)) return false;
    if (strings(filter.not_senders)?.includes(event.sender)) return false;
    const rooms = strings(filter.rooms);
    if (rooms && !rooms.includes(room.id)) return false;
    if (strings(filter.not_rooms)?.includes(room.id)) return false;
    if (typeof filter.contains_url === "boolean" && filter.contains_url !== (typeof event.content.url === "string"))
      return false;
    return true;
  }

  /** `GET /rooms/{roomId}/members` (rooms.yaml): the current `m.room.member` events, by `membership`/`not_membership`. */
  #membersRoute(call: Call, roomId: string): Reply {
    const room = this.#joined(roomId);
    if (!room) return this.#notInRoom(roomId);
    const only = first(call.query.membership);
    const not = first(call.query.not_membership);
    const chunk = [...room.state.values()]
      .filter((event) => event.type === "m.room.member")
      .filter((event) => (only === undefined || event.content.membership === only) && event.content.membership !== not)
      .map((event) => this.#clientEvent(room, event));
    return ok({ chunk });
  }

  /**
   * `POST /createRoom` (create_room.yaml): the bot creates and joins; events in the spec's order — create, the
   * bot's join, power levels (Synapse's defaults; v12: creators not in `users`, tombstone 150), canonical alias,
   * the preset's join rules / history visibility / guest access, `initial_state`, name and topic, invites (with
   * `is_direct`). `trusted_private_chat` gives invitees the creator's power: in v12 as `additional_creators`,
   * before as 100 in `users`. All of it is in the timeline, so `/sync` and `/messages` show it.
   */
  #createRoomRoute(call: Call): Reply {
    const body = this.#json(call);
    if (!body) return matrixError(400, "M_NOT_JSON", "Content not JSON.");
    const invite = body.invite === undefined ? [] : strings(body.invite);
    if (!invite || (Array.isArray(body.invite) && invite.length !== body.invite.length))
      return matrixError(400, "M_BAD_JSON", "invite must be a list of user ids");
    const badUser = invite.find((user) => !/^@[^:]+:.+$/.test(user));
    if (badUser) return matrixError(400, "M_INVALID_PARAM", `Invalid user_id: ${badUser}`);
    const visibility = body.visibility ?? "private";
    if (visibility !== "public" && visibility !== "private")
      return matrixError(400, "M_INVALID_PARAM", "visibility must be public or private");
    const preset =
      typeof body.preset === "string" ? body.preset : visibility === "public" ? "public_chat" : "private_chat";
    const presetState = PRESETS[preset];
    if (!presetState) return matrixError(400, "M_INVALID_PARAM", `Unknown preset ${preset}`);
    const version = body.room_version ?? "12";
    if (typeof version !== "string" || !/^([1-9]|1[0-2])$/.test(version))
      return matrixError(
        400,
        "M_UNSUPPORTED_ROOM_VERSION",
        `Your homeserver does not support room version ${String(version)}`,
      );
    const initialState = body.initial_state ?? [];
    const validState = (e: unknown): e is { type: string; state_key?: string; content: Json } =>
      typeof e === "object" &&
      e !== null &&
      typeof (e as Json).type === "string" &&
      ((e as Json).state_key === undefined || typeof (e as Json).state_key === "string") &&
      typeof (e as Json).content === "object" &&
      (e as Json).content !== null;
    if (!Array.isArray(initialState) || !initialState.every(validState))
      return matrixError(400, "M_BAD_JSON", "initial_state must be a list of {type, state_key?, content}");
    const creationContent = (typeof body.creation_content === "object" && body.creation_content) || {};
    let alias: string | undefined;
    if (typeof body.room_alias_name === "string") {
      alias = `#${body.room_alias_name}:${this.serverName}`;
      if ([...this.#rooms.values()].some((r) => r.alias === alias))
        return matrixError(400, "M_ROOM_IN_USE", "Room alias already taken");
    }

    const n = Number(version);
    const trusted = preset === "trusted_private_chat";
    const createContent: Json = { ...(creationContent as Json), room_version: version };
    delete createContent.creator;
    if (n < 11) createContent.creator = this.botUserId;
    if (n >= 12) {
      const extra = strings(createContent.additional_creators) ?? [];
      createContent.additional_creators = [...new Set([...extra, ...(trusted ? invite : [])])];
    }
    const create: MatrixEvent = {
      type: "m.room.create",
      state_key: "",
      sender: this.botUserId,
      content: createContent,
      event_id: "",
      origin_server_ts: Date.now(),
    };
    // v12: the room id is the create event's reference hash, no server part (MSC4291); before: opaque:server
    const roomId =
      n >= 12
        ? `!${createHash("sha256").update(JSON.stringify(create)).update(randomBytes(8)).digest("base64url")}`
        : `!${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}:${this.serverName}`;
    create.event_id = n >= 12 ? `$${roomId.slice(1)}` : this.#eventId();
    const room: Room = { id: roomId, log: [], state: new Map(), members: new Map() };
    if (alias) room.alias = alias;
    this.#rooms.set(roomId, room);
    this.created.push({ roomId, body: clone(body) });

    const send = (type: string, key: string, content: Json) =>
      this.#append(room, { ...this.#built(type, this.botUserId, content), state_key: key });
    this.#append(room, create);
    send("m.room.member", this.botUserId, { membership: "join" });
    const creatorLevels =
      n >= 12 ? {} : { [this.botUserId]: 100, ...(trusted ? Object.fromEntries(invite.map((u) => [u, 100])) : {}) };
    send("m.room.power_levels", "", {
      users: creatorLevels,
      users_default: 0,
      events: {
        "m.room.name": 50,
        "m.room.power_levels": 100,
        "m.room.history_visibility": 100,
        "m.room.canonical_alias": 50,
        "m.room.avatar": 50,
        "m.room.tombstone": n >= 12 ? 150 : 100,
        "m.room.server_acl": 100,
        "m.room.encryption": 100,
      },
      events_default: 0,
      state_default: 50,
      ban: 50,
      kick: 50,
      redact: 50,
      invite: preset === "public_chat" ? 50 : 0,
      ...((typeof body.power_level_content_override === "object" && body.power_level_content_override) || {}),
    });
    if (alias) send("m.room.canonical_alias", "", { alias });
    send("m.room.join_rules", "", { join_rule: presetState.join_rule });
    send("m.room.history_visibility", "", { history_visibility: "shared" });
    send("m.room.guest_access", "", { guest_access: presetState.guest_access });
    for (const event of initialState) send(event.type, event.state_key ?? "", clone(event.content));
    if (typeof body.name === "string") send("m.room.name", "", { name: body.name });
    if (typeof body.topic === "string")
      send("m.room.topic", "", {
        topic: body.topic,
        "m.topic": { "m.text": [{ body: body.topic, mimetype: "text/plain" }] },
      });
    for (const user of invite)
      send("m.room.member", user, { membership: "invite", ...(body.is_direct === true ? { is_direct: true } : {}) });
    return ok({ room_id: roomId });
  }

  #download(server: string, mediaId: string): Reply {
    const media = this.#media.get(`mxc://${server}/${mediaId}`);
    if (!media) return notFound("Not found");
    if ("endless" in media) return { status: 200, endless: true, contentType: media.contentType };
    return { status: 200, bytes: media.bytes, contentType: media.contentType };
  }

  #upload(call: Call): Reply {
    const contentType = call.contentType ?? "application/octet-stream";
    const mxc = this.addMedia(call.body, contentType);
    const record: UploadRecord = { mxc, contentType, bytes: call.body };
    const filename = first(call.query.filename);
    if (filename !== undefined) record.filename = filename;
    this.uploads.push(record);
    return ok({ content_uri: mxc });
  }
}
