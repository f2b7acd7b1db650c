import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A Mastodon instance on loopback, shaped after the published API (docs.joinmastodon.org): methods/statuses (post,
 * view, edit, delete; Idempotency-Key), methods/media (POST /api/v2/media answering 202 while processing, GET
 * /api/v1/media/:id answering 206 until done), methods/instance (GET /api/v2/instance `configuration`),
 * methods/accounts (verify_credentials, statuses), api/rate-limits (X-RateLimit-* headers, reset as an ISO time) and
 * entities/Error (`{ "error": "…" }`). Status length is counted as StatusLengthValidator does (graphemes, links 23).
 */

export interface FakeMastodonLimits {
  maxCharacters: number;
  maxMediaAttachments: number;
  supportedMimeTypes: string[];
  imageSizeLimit: number;
  videoSizeLimit: number;
  descriptionLimit: number;
  maxPollOptions: number;
  maxPollOptionCharacters: number;
  minPollExpiration: number;
  maxPollExpiration: number;
}

export const FAKE_MASTODON_DEFAULTS: FakeMastodonLimits = {
  maxCharacters: 500,
  maxMediaAttachments: 4,
  supportedMimeTypes: ["image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/webm"],
  imageSizeLimit: 16 * 1024 * 1024,
  videoSizeLimit: 99 * 1024 * 1024,
  descriptionLimit: 1500,
  maxPollOptions: 4,
  maxPollOptionCharacters: 50,
  minPollExpiration: 300,
  maxPollExpiration: 2_629_746,
};

export interface FakeAccount {
  id: string;
  username: string;
  /** Granted scopes: `write` covers every `write:…`, `read` every `read:…`. */
  scopes: string[];
}

export interface FakeMedia {
  id: string;
  accountId: string;
  type: "image" | "video";
  mimeType: string;
  bytes: Buffer;
  fileName: string;
  description: string | null;
  /** GET /api/v1/media/:id calls still answered with 206. */
  processingLeft: number;
  statusId?: string;
}

export interface FakeStatus {
  id: string;
  accountId: string;
  text: string;
  visibility: string;
  language: string | null;
  inReplyToId: string | null;
  createdAt: string;
  editedAt: string | null;
  mediaIds: string[];
  poll: { options: string[]; multiple: boolean; expiresAt: string } | null;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** JSON body, or form fields with Mastodon's bracket keys unfolded (`poll[options][]` → poll.options). */
  params: Record<string, unknown>;
}

/** Instead of handling a request: answer this, never answer, or drop the connection; `…After` handles it first. */
export type Fault =
  | { respond: number; body?: unknown; headers?: Record<string, string> }
  | { hang: true }
  | { drop: true }
  | { dropAfter: true }
  | { hangAfter: true };

interface Scripted {
  method?: string;
  path?: string | RegExp;
  fault: Fault;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string> | undefined;
}

export class FakeMastodon {
  readonly accounts = new Map<string, FakeAccount>();
  readonly statuses = new Map<string, FakeStatus>();
  readonly deleted = new Map<string, FakeStatus>();
  readonly media = new Map<string, FakeMedia>();
  readonly requests: RecordedRequest[] = [];
  limits: FakeMastodonLimits = { ...FAKE_MASTODON_DEFAULTS };
  /** Uploads of this many bytes or more are processed in the background (202), as large files are. */
  asyncFromBytes = Infinity;
  /** GET /api/v1/media/:id calls that answer 206 before a background upload is done. */
  processingPolls = 2;
  /** Ids for the next statuses (the contract names its own); then counting on. */
  readonly nextStatusIds: string[] = [];
  /** Milliseconds since the epoch. */
  now: () => number = Date.now;
  /** False: GET /api/v2/instance answers 404, as servers before Mastodon 4.0 do. */
  instanceV2 = true;
  /** False: statuses come without `url` (the Status entity allows null). */
  statusUrls = true;
  #idempotency = new Map<string, { statusId: string; at: number }>();
  #script: Scripted[] = [];
  #counter = 100_000;
  #server: Server | undefined;
  #url = "";

  constructor(tokens: Record<string, FakeAccount> = { "town-token": TOWN_ACCOUNT }) {
    for (const [token, account] of Object.entries(tokens)) this.accounts.set(token, account);
  }

  get url(): string {
    return this.#url;
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#serve(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#url;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /** Forgets everything but the accounts. */
  reset(): void {
    this.statuses.clear();
    this.deleted.clear();
    this.media.clear();
    this.requests.length = 0;
    this.nextStatusIds.length = 0;
    this.#idempotency.clear();
    this.#script = [];
    this.limits = { ...FAKE_MASTODON_DEFAULTS };
    this.asyncFromBytes = Infinity;
    this.processingPolls = 2;
    this.instanceV2 = true;
    this.statusUrls = true;
    this.now = Date.now;
  }

  /** The next matching request meets `fault` instead of (or after) being handled. */
  script(fault: Fault, match: { method?: string; path?: string | RegExp } = {}): void {
    this.#script.push({ ...match, fault });
  }

  /** Forgets the scripted faults not yet met: the instance works again. */
  clearScript(): void {
    this.#script = [];
  }

  /** 429 as Mastodon sends it: X-RateLimit-Reset is the time the limit resets. */
  rateLimit(seconds: number, match: { method?: string; path?: string | RegExp } = {}): void {
    const reset = new Date(this.now() + seconds * 1000).toISOString();
    this.script(
      {
        respond: 429,
        body: { error: "Too many requests" },
        headers: { "x-ratelimit-limit": "300", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
      },
      match,
    );
  }

  /** Scripted faults not yet met. */
  get pendingScript(): number {
    return this.#script.length;
  }

  /** Puts a status in place directly (for read-back tests). */
  seed(status: Partial<FakeStatus> & { text: string }): FakeStatus {
    const s: FakeStatus = {
      id: this.#statusId(),
      accountId: TOWN_ACCOUNT.id,
      visibility: "public",
      language: "de",
      inReplyToId: null,
      createdAt: new Date(this.now()).toISOString(),
      editedAt: null,
      mediaIds: [],
      poll: null,
      ...status,
    };
    this.statuses.set(s.id, s);
    return s;
  }

  /** Puts a processed upload in place directly (for read-back tests). */
  seedMedia(accountId: string, description: string | null): FakeMedia {
    const m: FakeMedia = {
      id: String(++this.#counter),
      accountId,
      type: "image",
      mimeType: "image/jpeg",
      bytes: Buffer.alloc(0),
      fileName: "seed.jpg",
      description,
      processingLeft: 0,
    };
    this.media.set(m.id, m);
    return m;
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://fake");
    const params = await parseBody(req, Buffer.concat(chunks), url);
    const method = req.method ?? "GET";
    this.requests.push({ method, path: url.pathname, headers: req.headers, params });
    const index = this.#script.findIndex(
      (s) =>
        (!s.method || s.method === method) &&
        (!s.path || (typeof s.path === "string" ? s.path === url.pathname : s.path.test(url.pathname))),
    );
    const fault = index >= 0 ? this.#script.splice(index, 1)[0]?.fault : undefined;
    if (fault && "hang" in fault) return;
    if (fault && "drop" in fault) return void req.socket.destroy();
    if (fault && "respond" in fault)
      return send(res, { status: fault.respond, body: fault.body, headers: fault.headers });
    const answer = this.#handle(method, url, req.headers, params);
    if (fault && "hangAfter" in fault) return;
    if (fault && "dropAfter" in fault) return void req.socket.destroy();
    send(res, answer);
  }

  #handle(method: string, url: URL, headers: IncomingMessage["headers"], params: Record<string, unknown>): Answer {
    const path = url.pathname;
    if (method === "GET" && path === "/api/v2/instance") {
      return this.instanceV2 ? { status: 200, body: this.#instance() } : notFound();
    }
    if (method === "GET" && path === "/api/v1/instance") return { status: 200, body: this.#instance() };
    const auth = /^Bearer (.+)$/.exec(headers.authorization ?? "");
    const account = auth ? this.accounts.get(auth[1] ?? "") : undefined;
    // Public statuses can be read without a token; a token given must be valid.
    const publicRead = method === "GET" && /^\/api\/v1\/statuses\/[^/]+$/.test(path) && !auth;
    if (!account && !publicRead) return { status: 401, body: { error: "The access token is invalid" } };
    const rate = rateHeaders(this.now());
    const key = typeof headers["idempotency-key"] === "string" ? headers["idempotency-key"] : undefined;
    const answer = this.#route(method, path, url, account, params, key);
    return { ...answer, headers: { ...rate, ...answer.headers } };
  }

  #route(
    method: string,
    path: string,
    url: URL,
    account: FakeAccount | undefined,
    params: Params,
    idempotencyKey?: string,
  ): Answer {
    const need = (scope: string) => (account && hasScope(account, scope) ? undefined : outsideScopes());
    if (method === "GET" && path === "/api/v1/accounts/verify_credentials") {
      return need("read:accounts") ?? { status: 200, body: accountJson(account ?? TOWN_ACCOUNT, this.#url) };
    }
    const accountStatuses = /^\/api\/v1\/accounts\/([^/]+)\/statuses$/.exec(path)?.map(decodeURIComponent);
    if (method === "GET" && accountStatuses) {
      const refused = need("read:statuses");
      if (refused) return refused;
      const limit = Math.min(40, Number(url.searchParams.get("limit") ?? 20));
      const list = [...this.statuses.values()]
        .filter((s) => s.accountId === accountStatuses[1])
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || Number(b.id) - Number(a.id))
        .slice(0, limit);
      return { status: 200, body: list.map((s) => this.#statusJson(s)) };
    }
    if (method === "POST" && path === "/api/v2/media") return need("write:media") ?? this.#upload(account, params);
    const mediaId = decoded(/^\/api\/v1\/media\/([^/]+)$/.exec(path)?.[1]);
    if (method === "GET" && mediaId) {
      const refused = need("write:media");
      if (refused) return refused;
      const m = this.media.get(mediaId);
      if (!m || m.accountId !== account?.id) return notFound();
      if (m.processingLeft > 0) {
        m.processingLeft--;
        return { status: 206, body: this.#mediaJson(m, false) };
      }
      return { status: 200, body: this.#mediaJson(m) };
    }
    if (method === "POST" && path === "/api/v1/statuses")
      return need("write:statuses") ?? this.#post(account, params, idempotencyKey);
    const statusId = decoded(/^\/api\/v1\/statuses\/([^/]+)$/.exec(path)?.[1]);
    if (statusId) {
      const s = this.statuses.get(statusId);
      if (method === "GET") {
        if (account && !hasScope(account, "read:statuses")) return outsideScopes();
        return s ? { status: 200, body: this.#statusJson(s) } : notFound();
      }
      const refused = need("write:statuses");
      if (refused) return refused;
      if (!s || s.accountId !== account?.id) return notFound();
      if (method === "PUT") return this.#edit(s, params);
      if (method === "DELETE") {
        this.statuses.delete(s.id);
        this.deleted.set(s.id, s);
        return { status: 200, body: { ...this.#statusJson(s), text: s.text } };
      }
    }
    return notFound();
  }

  #upload(account: FakeAccount | undefined, params: Params): Answer {
    const file = params.file;
    if (!(file instanceof File)) return invalid("Validation failed: File can't be blank");
    if (!this.limits.supportedMimeTypes.includes(file.type)) {
      return invalid(`Validation failed: File content type is invalid, File file type ${file.type} is not supported`);
    }
    const description = typeof params.description === "string" ? params.description : null;
    if (description && [...description].length > this.limits.descriptionLimit) {
      return invalid(
        `Validation failed: Description is too long (maximum is ${this.limits.descriptionLimit} characters)`,
      );
    }
    const video = file.type.startsWith("video/");
    if (file.size > (video ? this.limits.videoSizeLimit : this.limits.imageSizeLimit)) {
      return invalid("Validation failed: File file size is too large");
    }
    const background = video || file.size >= this.asyncFromBytes;
    const m: FakeMedia = {
      id: String(++this.#counter),
      accountId: account?.id ?? "",
      type: video ? "video" : "image",
      mimeType: file.type,
      bytes: Buffer.from(params.fileBytes as ArrayBuffer),
      fileName: file.name,
      description,
      processingLeft: background ? this.processingPolls : 0,
    };
    this.media.set(m.id, m);
    return background ? { status: 202, body: this.#mediaJson(m, false) } : { status: 200, body: this.#mediaJson(m) };
  }

  /** Same token (account) and same Idempotency-Key within the hour: the status made before, not a new one. */
  #post(account: FakeAccount | undefined, params: Params, key: string | undefined): Answer {
    if (!account) return notFound();
    if (key) {
      const known = this.#idempotency.get(`${account.id}:${key}`);
      const existing = known && this.now() - known.at < IDEMPOTENCY_TTL_MS ? known.statusId : undefined;
      // Status.find of a deleted status: 404.
      if (existing && this.deleted.has(existing)) return notFound();
      const s = existing ? this.statuses.get(existing) : undefined;
      if (s) return { status: 200, body: this.#statusJson(s) };
    }
    const checked = this.#content(account, params, []);
    if ("status" in checked) return checked;
    const visibility = typeof params.visibility === "string" ? params.visibility : "public";
    if (!["public", "unlisted", "private", "direct"].includes(visibility)) {
      return invalid("Validation failed: Visibility is not included in the list");
    }
    const inReplyTo = typeof params.in_reply_to_id === "string" ? params.in_reply_to_id : null;
    if (inReplyTo && !this.statuses.has(inReplyTo)) return notFound();
    const s: FakeStatus = {
      id: this.#statusId(),
      accountId: account.id,
      text: checked.text,
      visibility,
      language: typeof params.language === "string" ? params.language : null,
      inReplyToId: inReplyTo,
      createdAt: new Date(this.now()).toISOString(),
      editedAt: null,
      mediaIds: checked.mediaIds,
      poll: checked.poll,
    };
    this.statuses.set(s.id, s);
    for (const id of s.mediaIds) {
      const m = this.media.get(id);
      if (m) m.statusId = s.id;
    }
    if (key) this.#idempotency.set(`${account.id}:${key}`, { statusId: s.id, at: this.now() });
    return { status: 200, body: this.#statusJson(s) };
  }

  /** An edit replaces text, media and poll: what is left out is removed (UpdateStatusService). */
  #edit(s: FakeStatus, params: Params): Answer {
    const checked = this.#content(this.#owner(s), params, s.mediaIds);
    if ("status" in checked) return checked;
    s.text = checked.text;
    s.mediaIds = checked.mediaIds;
    s.poll = checked.poll;
    if (typeof params.language === "string") s.language = params.language;
    s.editedAt = new Date(this.now()).toISOString();
    return { status: 200, body: this.#statusJson(s) };
  }

  #owner(s: FakeStatus): FakeAccount {
    return [...this.accounts.values()].find((a) => a.id === s.accountId) ?? TOWN_ACCOUNT;
  }

  /** Text, media and poll as Mastodon validates them for a new or edited status. */
  #content(
    account: FakeAccount,
    params: Params,
    ownMedia: string[],
  ): Answer | { text: string; mediaIds: string[]; poll: FakeStatus["poll"] } {
    const text = typeof params.status === "string" ? params.status : "";
    const mediaIds = Array.isArray(params.media_ids) ? params.media_ids.map(String) : [];
    const poll = params.poll as { options?: unknown; expires_in?: unknown; multiple?: unknown } | undefined;
    if (!text.trim() && mediaIds.length === 0) return invalid("Validation failed: Text can't be blank");
    const length = countLength(text);
    if (length > this.limits.maxCharacters) {
      return invalid(`Validation failed: Text character limit of ${this.limits.maxCharacters} exceeded`);
    }
    if (mediaIds.length > this.limits.maxMediaAttachments) {
      return invalid(`Cannot attach more than ${this.limits.maxMediaAttachments} files`);
    }
    const media = mediaIds.map((id) => this.media.get(id));
    if (media.some((m) => !m || m.accountId !== account.id || (m.statusId && !ownMedia.includes(m.id)))) {
      return invalid(`Could not find media attachments with IDs ${mediaIds.join(", ")}`);
    }
    if (media.some((m) => m && m.processingLeft > 0)) {
      return invalid("Cannot attach files that have not finished processing. Try again in a moment!");
    }
    if (media.length > 1 && media.some((m) => m?.type === "video")) {
      return invalid("Cannot attach a video to a post that already contains images");
    }
    if (!poll) return { text, mediaIds, poll: null };
    if (mediaIds.length > 0) return invalid("Cannot attach both files and a poll");
    const options = Array.isArray(poll.options) ? poll.options.map(String) : [];
    const expiresIn = Number(poll.expires_in);
    if (options.length < 2) return invalid("Validation failed: Poll options must have more than one item");
    if (options.length > this.limits.maxPollOptions) {
      return invalid(`Validation failed: Poll options cannot have more than ${this.limits.maxPollOptions} items`);
    }
    if (options.some((o) => [...o].length > this.limits.maxPollOptionCharacters)) {
      return invalid(
        `Validation failed: Poll options cannot be longer than ${this.limits.maxPollOptionCharacters} characters`,
      );
    }
    if (!Number.isFinite(expiresIn) || expiresIn < this.limits.minPollExpiration) {
      return invalid("Validation failed: Poll expiration is too short");
    }
    if (expiresIn > this.limits.maxPollExpiration) return invalid("Validation failed: Poll expiration is too long");
    const multiple = poll.multiple === true || poll.multiple === "true";
    const expiresAt = new Date(this.now() + expiresIn * 1000).toISOString();
    return { text, mediaIds, poll: { options, multiple, expiresAt } };
  }

  #statusId(): string {
    return this.nextStatusIds.shift() ?? String(++this.#counter);
  }

  #statusJson(s: FakeStatus): Record<string, unknown> {
    const account = this.#owner(s);
    const replyTo = s.inReplyToId ? (this.statuses.get(s.inReplyToId) ?? this.deleted.get(s.inReplyToId)) : undefined;
    return {
      id: s.id,
      created_at: s.createdAt,
      in_reply_to_id: s.inReplyToId,
      in_reply_to_account_id: replyTo?.accountId ?? null,
      sensitive: false,
      spoiler_text: "",
      visibility: s.visibility,
      language: s.language,
      uri: `${this.#url}/users/${account.username}/statuses/${s.id}`,
      url: this.statusUrls ? `${this.#url}/@${account.username}/${s.id}` : null,
      replies_count: 0,
      reblogs_count: 0,
      favourites_count: 0,
      edited_at: s.editedAt,
      content: toHtml(s.text),
      reblog: null,
      account: accountJson(account, this.#url),
      media_attachments: s.mediaIds.flatMap((id) => {
        const m = this.media.get(id);
        return m ? [this.#mediaJson(m)] : [];
      }),
      mentions: [],
      tags: [],
      emojis: [],
      card: null,
      poll: s.poll
        ? {
            id: `poll-${s.id}`,
            expires_at: s.poll.expiresAt,
            expired: Date.parse(s.poll.expiresAt) <= this.now(),
            multiple: s.poll.multiple,
            votes_count: 0,
            voters_count: 0,
            options: s.poll.options.map((title) => ({ title, votes_count: 0 })),
            emojis: [],
          }
        : null,
    };
  }

  #mediaJson(m: FakeMedia, processed = m.processingLeft === 0): Record<string, unknown> {
    const file = `${this.#url}/system/media_attachments/files/${m.id}/original/${m.fileName}`;
    return {
      id: m.id,
      type: m.type,
      url: processed ? file : null,
      preview_url: `${this.#url}/system/media_attachments/files/${m.id}/small/${m.fileName}`,
      remote_url: null,
      meta: {},
      description: m.description,
      blurhash: null,
    };
  }

  #instance(): Record<string, unknown> {
    const l = this.limits;
    return {
      domain: new URL(this.#url).host,
      title: "Fake Mastodon",
      version: "4.3.0",
      configuration: {
        urls: { streaming: this.#url.replace(/^http/, "ws") },
        accounts: { max_featured_tags: 10 },
        statuses: {
          max_characters: l.maxCharacters,
          max_media_attachments: l.maxMediaAttachments,
          characters_reserved_per_url: 23,
        },
        media_attachments: {
          supported_mime_types: l.supportedMimeTypes,
          description_limit: l.descriptionLimit,
          image_size_limit: l.imageSizeLimit,
          image_matrix_limit: 33_177_600,
          video_size_limit: l.videoSizeLimit,
          video_frame_rate_limit: 120,
          video_matrix_limit: 8_294_400,
        },
        polls: {
          max_options: l.maxPollOptions,
          max_characters_per_option: l.maxPollOptionCharacters,
          min_expiration: l.minPollExpiration,
          max_expiration: l.maxPollExpiration,
        },
      },
    };
  }
}

type Params = Record<string, unknown>;

const decoded = (segment: string | undefined) => (segment === undefined ? undefined : decodeURIComponent(segment));

/** PostStatusService keeps an Idempotency-Key for an hour (`redis.setex(…, 3600, …)`). */
const IDEMPOTENCY_TTL_MS = 3_600_000;

export const TOWN_ACCOUNT: FakeAccount = {
  id: "109876",
  username: "stadt",
  scopes: ["write:statuses", "write:media", "read:accounts", "read:statuses"],
};

function hasScope(account: FakeAccount, scope: string): boolean {
  const [kind] = scope.split(":");
  return account.scopes.includes(scope) || account.scopes.includes(kind ?? scope);
}

const outsideScopes = (): Answer => ({ status: 403, body: { error: "This action is outside the authorized scopes" } });
const notFound = (): Answer => ({ status: 404, body: { error: "Record not found" } });
const invalid = (error: string): Answer => ({ status: 422, body: { error } });

function rateHeaders(now: number): Record<string, string> {
  const reset = new Date(now + 5 * 60_000 - (now % (5 * 60_000))).toISOString();
  return { "x-ratelimit-limit": "300", "x-ratelimit-remaining": "299", "x-ratelimit-reset": reset };
}

function accountJson(account: FakeAccount, base: string): Record<string, unknown> {
  return {
    id: account.id,
    username: account.username,
    acct: account.username,
    display_name: "Stadt",
    url: `${base}/@${account.username}`,
  };
}

function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", ...answer.headers });
  res.end(answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
}

/** JSON, or form fields (urlencoded or multipart) with `a[b][]` keys unfolded as Rails does. */
async function parseBody(req: IncomingMessage, body: Buffer, url: URL): Promise<Params> {
  const type = req.headers["content-type"] ?? "";
  if (type.startsWith("application/json")) return body.length ? (JSON.parse(body.toString("utf8")) as Params) : {};
  const params: Params = {};
  const entries: [string, string | File][] = [...url.searchParams.entries()];
  if (type.startsWith("multipart/form-data") || type.startsWith("application/x-www-form-urlencoded")) {
    const form = await new Request("http://fake/", {
      method: "POST",
      headers: { "content-type": type },
      body,
    }).formData();
    entries.push(...form.entries());
  }
  for (const [key, value] of entries) {
    unfold(params, key, value);
    if (key === "file" && value instanceof File) params.fileBytes = await value.arrayBuffer();
  }
  return params;
}

function unfold(params: Params, key: string, value: unknown): void {
  const parts = key.replace(/\]/g, "").split("[");
  let at: Params = params;
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === "") return;
    const next = parts[i + 1];
    if (last) at[part] = value;
    else if (next === "" && i + 1 === parts.length - 1) ((at[part] ??= []) as unknown[]).push(value);
    else at = (at[part] ??= {}) as Params;
  });
}

const GRAPHEMES = new Intl.Segmenter("en", { granularity: "grapheme" });

/** StatusLengthValidator: graphemes; a link with a protocol counts 23; `@user@host` counts as `@user`. */
function countLength(text: string): number {
  const countable = text
    .replace(/(https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini):\/\/[^\s]+?(?=[.,;:!?)"']*(?:\s|$))/giu, "x".repeat(23))
    .replace(/@(\w+)@[\w.-]+\w/gu, "@$1");
  return [...GRAPHEMES.segment(countable)].length;
}

const escape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** Status `content` as Mastodon renders plain text: paragraphs, line breaks, links split in visible parts. */
function toHtml(text: string): string {
  const linked = (line: string) =>
    escape(line).replace(/https?:\/\/[^\s<]+?(?=[.,;:!?)]*(?:\s|$))/g, (url) => {
      const [, scheme = "", rest = ""] = /^(https?:\/\/)(.*)$/.exec(url) ?? [];
      return `<a href="${url}" rel="nofollow noopener" target="_blank"><span class="invisible">${scheme}</span><span class="">${rest}</span><span class="invisible"></span></a>`;
    });
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${p.split("\n").map(linked).join("<br />")}</p>`)
    .join("");
}
