import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { DeliveryAttempt, MediaItem } from "../../src/announcement/announcement.ts";
import type {
  OutboundPost,
  Outlet,
  OutletCapabilities,
  OutletHealth,
  PublishOutcome,
  ReadBackOutcome,
  RemoteRef,
} from "../../src/ports/outlet.ts";
import { plainText } from "../../src/render/plain.ts";
import { shortened } from "../../src/render/whatsapp.ts";
import { exchange, failure, retryAfterMs, sameText, type Exchange } from "../outlets/http.ts";
import type { MediaSource } from "../whatsapp/waha.ts";
import { mastodonLength } from "./length.ts";

export { mastodonLength } from "./length.ts";

/** What the token must be allowed: posting and uploading, and reading its own account and posts (health, read-back, edits). */
export const MASTODON_SCOPES = "write:statuses write:media read:accounts read:statuses";

/** An instance's limits, as `GET /api/v2/instance` states them under `configuration`. */
export interface MastodonLimits {
  maxCharacters: number;
  charactersPerUrl: number;
  maxMediaAttachments: number;
  /** Empty when the instance does not say. */
  supportedMimeTypes: string[];
  imageSizeLimit: number;
  videoSizeLimit: number;
  descriptionLimit: number;
  maxPollOptions: number;
  maxPollOptionCharacters: number;
  minPollExpirationS: number;
  maxPollExpirationS: number;
}

/** Mastodon's defaults (4.x), used until `probe()` has read the instance's own. */
export const MASTODON_DEFAULT_LIMITS: MastodonLimits = {
  maxCharacters: 500,
  charactersPerUrl: 23,
  maxMediaAttachments: 4,
  supportedMimeTypes: [],
  imageSizeLimit: 16 * 1024 * 1024,
  videoSizeLimit: 99 * 1024 * 1024,
  descriptionLimit: 1500,
  maxPollOptions: 4,
  maxPollOptionCharacters: 50,
  minPollExpirationS: 300,
  maxPollExpirationS: 2_629_746,
};

export interface MastodonOptions {
  /** The instance, e.g. `https://social.example`. */
  baseUrl: string;
  /** An access token of the town's account, with the scopes in MASTODON_SCOPES. */
  token: string;
  media: MediaSource;
  /** ISO 639 language of the posts. */
  language?: string;
  /** How long a poll stays open, unless the post expires earlier; clamped to the instance's limits. */
  pollExpiresInS?: number;
  timeoutMs?: number;
  /** Uploads carry the file, so they get longer. */
  uploadTimeoutMs?: number;
  /** While the instance still processes an upload (202), it is asked again after this pause… */
  mediaPollIntervalMs?: number;
  /** …until this much time has passed; then the post is tried again later. */
  mediaProcessingLimitMs?: number;
  readBackGraceMs?: number;
  /** Milliseconds since the epoch (for X-RateLimit-Reset and poll expiry). */
  now?: () => number;
}

const StatusAnswer = z.object({
  id: z.string().min(1),
  url: z.string().nullish(),
  created_at: z.string().optional(),
  content: z.string().optional(),
  media_attachments: z.array(z.object({ id: z.string() })).optional(),
  poll: z.object({ expires_at: z.string().nullish() }).nullish(),
});
type Status = z.infer<typeof StatusAnswer>;

const MediaAnswer = z.object({ id: z.string().min(1), url: z.string().nullish() });

const AccountAnswer = z.object({ id: z.string().min(1), acct: z.string().optional() });

const ErrorAnswer = z.object({ error: z.string() });

const positive = z.number().int().positive();
const InstanceAnswer = z.object({
  configuration: z
    .object({
      statuses: z
        .object({
          max_characters: positive,
          max_media_attachments: positive,
          characters_reserved_per_url: positive,
        })
        .partial(),
      media_attachments: z
        .object({
          supported_mime_types: z.array(z.string()),
          image_size_limit: positive,
          video_size_limit: positive,
          description_limit: positive,
        })
        .partial(),
      polls: z
        .object({
          max_options: positive,
          max_characters_per_option: positive,
          min_expiration: positive,
          max_expiration: positive,
        })
        .partial(),
    })
    .partial()
    .optional(),
  /** Pleroma/Akkoma and old forks in the v1 answer. */
  max_toot_chars: positive.optional(),
});

/** Clock skew allowed between us and the instance when matching read-back times. */
const SKEW_MS = 120_000;

const WEEK_S = 7 * 24 * 3600;

/** Mastodon keeps a key 60 minutes; 50 leaves room for clocks and a slow answer. */
const IDEMPOTENCY_WINDOW_MS = 50 * 60_000;

type Call = { method: "GET" | "POST" | "PUT" | "DELETE"; path: string; json?: unknown; form?: FormData };

/**
 * A Mastodon account (any instance) as an outlet. Publishing carries an Idempotency-Key made from the announcement,
 * version and action: the instance answers a repeat with the status it already made instead of a second one. Mastodon
 * keeps such a key for one hour only (docs: methods/statuses; PostStatusService `redis.setex(…, 3600, …)`): a repeat
 * later than that posts again. Read-back looks for the post itself, so it does not depend on the key.
 */
export class MastodonOutlet implements Outlet {
  readonly id = "mastodon";
  readonly handoff = false;
  readonly idempotent = true;
  /** Mastodon remembers an Idempotency-Key for an hour; an older unclear attempt is read back instead. */
  readonly idempotencyWindowMs = IDEMPOTENCY_WINDOW_MS;
  readonly readBackGraceMs: number;
  readonly #o: Required<Omit<MastodonOptions, "readBackGraceMs">>;
  readonly #host: string;
  #limits: MastodonLimits = MASTODON_DEFAULT_LIMITS;
  #accountId: string | undefined;

  constructor(options: MastodonOptions) {
    this.#o = {
      language: "de",
      pollExpiresInS: WEEK_S,
      timeoutMs: 30_000,
      uploadTimeoutMs: 120_000,
      mediaPollIntervalMs: 1_000,
      mediaProcessingLimitMs: 60_000,
      now: Date.now,
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
    };
    this.readBackGraceMs = options.readBackGraceMs ?? 5_000;
    this.#host = hostOf(this.#o.baseUrl);
  }

  /** The text's length as this instance counts it (links as 23, no markup); the picture description is alt text. */
  readonly measure = (content: Pick<OutboundPost, "text">): number =>
    mastodonLength(plainText(content.text).trim(), this.#limits.charactersPerUrl);

  get capabilities(): OutletCapabilities {
    const max = this.#limits.maxCharacters;
    return {
      text: true,
      image: true,
      video: true,
      poll: true,
      edit: true,
      delete: true,
      maxTextLength: max,
      maxCaptionLength: max,
      maxPollOptions: this.#limits.maxPollOptions,
      maxPollOptionLength: this.#limits.maxPollOptionCharacters,
    };
  }

  get limits(): MastodonLimits {
    return this.#limits;
  }

  /** Reads the instance's limits (at start); until it succeeds, Mastodon's defaults apply. */
  async probe(): Promise<{ ok: true; limits: MastodonLimits } | { ok: false; reason: string }> {
    let ex = await this.#call({ method: "GET", path: "/api/v2/instance" });
    // Before Mastodon 4.0 (and on some other servers) only v1 exists.
    if (ex.kind === "response" && ex.status === 404) ex = await this.#call({ method: "GET", path: "/api/v1/instance" });
    if (ex.kind !== "response") return { ok: false, reason: `${this.#where()} not reachable: ${ex.reason}` };
    if (ex.status !== 200) return { ok: false, reason: this.#answered(ex) };
    const parsed = InstanceAnswer.safeParse(ex.body);
    if (!parsed.success) return { ok: false, reason: `${this.#where()} described itself in an unknown shape` };
    const c = parsed.data.configuration ?? {};
    const d = MASTODON_DEFAULT_LIMITS;
    this.#limits = {
      maxCharacters: c.statuses?.max_characters ?? parsed.data.max_toot_chars ?? d.maxCharacters,
      charactersPerUrl: c.statuses?.characters_reserved_per_url ?? d.charactersPerUrl,
      maxMediaAttachments: c.statuses?.max_media_attachments ?? d.maxMediaAttachments,
      supportedMimeTypes: c.media_attachments?.supported_mime_types ?? d.supportedMimeTypes,
      imageSizeLimit: c.media_attachments?.image_size_limit ?? d.imageSizeLimit,
      videoSizeLimit: c.media_attachments?.video_size_limit ?? d.videoSizeLimit,
      descriptionLimit: c.media_attachments?.description_limit ?? d.descriptionLimit,
      maxPollOptions: c.polls?.max_options ?? d.maxPollOptions,
      maxPollOptionCharacters: c.polls?.max_characters_per_option ?? d.maxPollOptionCharacters,
      minPollExpirationS: c.polls?.min_expiration ?? d.minPollExpirationS,
      maxPollExpirationS: c.polls?.max_expiration ?? d.maxPollExpirationS,
    };
    return { ok: true, limits: this.#limits };
  }

  async publish(post: OutboundPost, attempt: DeliveryAttempt): Promise<PublishOutcome> {
    const text = statusText(post);
    const refused = this.#refusal(post, text);
    if (refused) return refused;
    const mediaIds: string[] = [];
    for (const item of post.media) {
      const uploaded = await this.#upload(item);
      if (typeof uploaded !== "string") return uploaded;
      mediaIds.push(uploaded);
    }
    const body = {
      status: text,
      visibility: "public",
      language: this.#o.language,
      ...(mediaIds.length > 0 ? { media_ids: mediaIds } : {}),
      ...(post.poll ? { poll: this.#poll(post, post.poll) } : {}),
    };
    const headers = { "idempotency-key": idempotencyKey(post, attempt) };
    const replyTo = post.replyTo?.remoteId;
    let ex = await this.#call(
      { method: "POST", path: "/api/v1/statuses", json: { ...body, in_reply_to_id: replyTo } },
      headers,
    );
    // The earlier post of the chain was deleted: the follow-up still goes out, on its own.
    if (replyTo && ex.kind === "response" && ex.status === 404) {
      ex = await this.#call({ method: "POST", path: "/api/v1/statuses", json: body }, headers);
    }
    return this.#sent(ex, "publishing");
  }

  /** Replaces the text (and a poll's options); the pictures stay as they are. */
  async edit(ref: RemoteRef, post: OutboundPost): Promise<PublishOutcome> {
    const text = statusText(post);
    const refused = this.#refusal({ ...post, media: [] }, text);
    if (refused) return refused;
    const path = `/api/v1/statuses/${encodeURIComponent(ref.remoteId)}`;
    const current = await this.#call({ method: "GET", path });
    if (current.kind !== "response" || current.status !== 200) return this.#failed(current, "reading the post to edit");
    const status = StatusAnswer.safeParse(current.body);
    if (!status.success)
      return { state: "unknown", reason: `${this.#where()} sent the post to edit in an unknown shape` };
    // An edit without media_ids or poll removes them (UpdateStatusService), so both are sent again.
    const json = {
      status: text,
      language: this.#o.language,
      media_ids: (status.data.media_attachments ?? []).map((m) => m.id),
      ...(post.poll ? { poll: this.#poll(post, post.poll, status.data) } : {}),
    };
    return this.#sent(await this.#call({ method: "PUT", path, json }), "editing");
  }

  async remove(ref: RemoteRef): Promise<PublishOutcome> {
    const ex = await this.#call({ method: "DELETE", path: `/api/v1/statuses/${encodeURIComponent(ref.remoteId)}` });
    if (ex.kind === "response" && ex.status >= 200 && ex.status < 300) return { state: "sent", remoteId: ref.remoteId };
    // Already gone (an earlier try deleted it, or someone did by hand): what was asked is done.
    if (ex.kind === "response" && ex.status === 404) return { state: "sent", remoteId: ref.remoteId };
    return this.#failed(ex, "deleting");
  }

  /** Looks for the post among the account's latest statuses. */
  async readBack(post: OutboundPost, attempt: DeliveryAttempt): Promise<ReadBackOutcome> {
    const account = await this.#account();
    if (typeof account !== "string") return { state: "unavailable", reason: account.reason };
    const path = `/api/v1/accounts/${encodeURIComponent(account)}/statuses?limit=40&exclude_reblogs=true`;
    const ex = await this.#call({ method: "GET", path });
    if (ex.kind !== "response") return { state: "unavailable", reason: `${this.#where()}: ${ex.reason}` };
    if (ex.status !== 200) return { state: "unavailable", reason: this.#answered(ex) };
    const list = z.array(z.unknown()).safeParse(ex.body);
    if (!list.success) return { state: "unavailable", reason: `${this.#where()} did not list the account's posts` };
    const since = Date.parse(attempt.startedAt) - SKEW_MS;
    const wanted = statusText(post);
    for (const raw of list.data) {
      const status = StatusAnswer.safeParse(raw);
      if (!status.success) continue;
      const at = Date.parse(status.data.created_at ?? "");
      if (!Number.isNaN(at) && at < since) continue;
      if (sameText(htmlToText(status.data.content ?? ""), wanted)) return found(status.data);
    }
    return { state: "not_found" };
  }

  async health(): Promise<OutletHealth> {
    const ex = await this.#call({ method: "GET", path: "/api/v1/accounts/verify_credentials" });
    if (ex.kind !== "response")
      return { state: "down", reason: `${this.#where()} not reachable: ${ex.reason}`, problem: "unreachable" };
    if (ex.status === 200 && AccountAnswer.safeParse(ex.body).success) return { state: "ok" };
    const outcome = this.#failed(ex, "checking the account");
    const reason = outcome.state === "failed" || outcome.state === "unknown" ? outcome.reason : this.#answered(ex);
    if (outcome.state === "failed" && outcome.code === "unauthorized")
      return { state: "down", reason, problem: "unauthorized" };
    if (outcome.state === "failed" && outcome.code === "rate_limited")
      return { state: "degraded", reason, problem: "unexpected" };
    return { state: "down", reason, problem: "unexpected" };
  }

  /** What the instance would refuse anyway, said before anything is uploaded. */
  #refusal(post: OutboundPost, text: string): PublishOutcome | undefined {
    const l = this.#limits;
    const refuse = (reason: string) => failure("bad_request", `${this.#where()}: ${reason}; nothing was sent`, false);
    const length = mastodonLength(text, l.charactersPerUrl);
    if (length > l.maxCharacters) {
      return refuse(
        `the text has ${length} characters as Mastodon counts them (links 23), the instance allows ${l.maxCharacters}`,
      );
    }
    if (post.media.length > l.maxMediaAttachments) {
      return refuse(`the post has ${post.media.length} files, the instance allows ${l.maxMediaAttachments}`);
    }
    if (post.media.length > 1 && post.media.some(isVideo))
      return refuse("a video cannot share a post with other files");
    if (post.poll && post.media.length > 0) return refuse("a poll cannot share a post with pictures or videos");
    for (const item of post.media) {
      if (l.supportedMimeTypes.length > 0 && !l.supportedMimeTypes.includes(item.mimeType)) {
        return refuse(`the instance does not take ${item.mimeType} files (${item.name})`);
      }
      const max = isVideo(item) ? l.videoSizeLimit : l.imageSizeLimit;
      if (item.bytes > max) return refuse(`${item.name} has ${item.bytes} bytes, the instance takes at most ${max}`);
    }
    if (post.poll) {
      if (post.poll.options.length > l.maxPollOptions) {
        return refuse(`the poll has ${post.poll.options.length} options, the instance allows ${l.maxPollOptions}`);
      }
      const long = post.poll.options.find((o) => [...o].length > l.maxPollOptionCharacters);
      if (long !== undefined) {
        return refuse(
          `the poll option "${long}" is longer than the instance's ${l.maxPollOptionCharacters} characters`,
        );
      }
    }
    return undefined;
  }

  /** `poll[…]` of a status: the time left of the existing poll on an edit, else the configured time or until the post expires. */
  #poll(post: OutboundPost, poll: NonNullable<OutboundPost["poll"]>, existing?: Status) {
    const now = this.#o.now();
    const left = (iso: string | null | undefined) => (iso ? Math.floor((Date.parse(iso) - now) / 1000) : undefined);
    const seconds =
      left(existing?.poll?.expires_at) ?? Math.min(this.#o.pollExpiresInS, left(post.expiresAt) ?? Infinity);
    const { minPollExpirationS: min, maxPollExpirationS: max } = this.#limits;
    return { options: poll.options, multiple: poll.multipleChoice, expires_in: Math.min(max, Math.max(min, seconds)) };
  }

  /** Uploads one file; resolves to its media id once the instance has processed it. */
  async #upload(item: MediaItem): Promise<string | PublishOutcome> {
    const bytes = await this.#o.media(item.sha256);
    if (!bytes)
      return failure("bad_request", `the file ${item.name} is missing from the store; nothing was sent`, false);
    const form = new FormData();
    form.append("file", new Blob([bytes], { type: item.mimeType }), item.name);
    if (item.altText) form.append("description", shortened(item.altText, this.#limits.descriptionLimit));
    const ex = await this.#call({ method: "POST", path: "/api/v2/media", form });
    if (ex.kind !== "response" || (ex.status !== 200 && ex.status !== 202)) return this.#uploadFailed(ex, item);
    const media = MediaAnswer.safeParse(ex.body);
    if (!media.success)
      return failure("not_sent", `${this.#where()} answered the upload of ${item.name} in an unknown shape`, true);
    if (media.data.url) return media.data.id;
    // 202: processed in the background; the status may attach it only once it has a URL.
    const path = `/api/v1/media/${encodeURIComponent(media.data.id)}`;
    const polls = Math.max(1, Math.ceil(this.#o.mediaProcessingLimitMs / this.#o.mediaPollIntervalMs));
    for (let i = 0; i < polls; i++) {
      await sleep(this.#o.mediaPollIntervalMs);
      const check = await this.#call({ method: "GET", path });
      if (check.kind !== "response" || (check.status !== 200 && check.status !== 206))
        return this.#uploadFailed(check, item);
      const state = MediaAnswer.safeParse(check.body);
      if (check.status === 200 && state.success && state.data.url) return media.data.id;
    }
    const waited = `${Math.round(this.#o.mediaProcessingLimitMs / 1000)} s`;
    return failure(
      "not_sent",
      `${this.#where()} was still processing ${item.name} after ${waited}; nothing was published`,
      true,
    );
  }

  /** An upload that failed published nothing: whatever happened to the file, the post is safe to try again. */
  #uploadFailed(ex: Exchange, item: MediaItem): PublishOutcome {
    const outcome = this.#failed(ex, `uploading ${item.name}`);
    return outcome.state === "unknown"
      ? failure("not_sent", `${outcome.reason}; nothing was published`, true)
      : outcome;
  }

  #sent(ex: Exchange, doing: string): PublishOutcome {
    if (ex.kind !== "response" || ex.status < 200 || ex.status >= 300) return this.#failed(ex, doing);
    const status = StatusAnswer.safeParse(ex.body);
    if (!status.success)
      return { state: "unknown", reason: `${this.#where()} answered ${ex.status} to ${doing} without a status` };
    return { state: "sent", remoteId: status.data.id, ...(status.data.url ? { url: status.data.url } : {}) };
  }

  /**
   * What a failed call means. A refused connection sent nothing; a timeout, a cut answer or a 5xx may have done it
   * (unknown). 422 carries Mastodon's reason and is not worth repeating.
   */
  #failed(ex: Exchange, doing: string): PublishOutcome {
    const where = this.#where();
    if (ex.kind === "not_sent")
      return failure("unreachable", `${where} not reachable while ${doing} (${ex.reason}); nothing was sent`, true);
    if (ex.kind === "unknown") return { state: "unknown", reason: `${where}: ${ex.reason} while ${doing}` };
    const answered = this.#answered(ex);
    const { status } = ex;
    if (status === 401) return failure("unauthorized", `${answered} while ${doing}; check MASTODON_TOKEN`, false);
    if (status === 403)
      return failure(
        "unauthorized",
        `${answered} while ${doing}; the token needs the scopes ${MASTODON_SCOPES}`,
        false,
      );
    if (status === 404) return failure("not_found", `${answered} while ${doing}`, false);
    if (status === 429)
      return failure("rate_limited", `${answered} while ${doing}`, true, this.#retryAfter(ex.headers));
    if (status >= 500) return { state: "unknown", reason: `${answered} while ${doing}; it may have been done` };
    return failure("bad_request", `${answered} while ${doing}`, false);
  }

  /** Mastodon names the reset of its rate limit as a time (X-RateLimit-Reset); a proxy may say Retry-After. */
  #retryAfter(headers: Headers): number | undefined {
    const reset = Date.parse(headers.get("x-ratelimit-reset") ?? "");
    if (!Number.isNaN(reset)) return Math.max(0, reset - this.#o.now());
    return retryAfterMs(headers, this.#o.now());
  }

  async #account(): Promise<string | { reason: string }> {
    if (this.#accountId) return this.#accountId;
    const ex = await this.#call({ method: "GET", path: "/api/v1/accounts/verify_credentials" });
    if (ex.kind !== "response") return { reason: `${this.#where()}: ${ex.reason}` };
    if (ex.status !== 200) return { reason: this.#answered(ex) };
    const account = AccountAnswer.safeParse(ex.body);
    if (!account.success) return { reason: `${this.#where()} described the account in an unknown shape` };
    this.#accountId = account.data.id;
    return account.data.id;
  }

  #call(call: Call, headers: Record<string, string> = {}): Promise<Exchange> {
    return exchange({
      method: call.method,
      url: `${this.#o.baseUrl}${call.path}`,
      headers: { authorization: `Bearer ${this.#o.token}`, ...headers },
      json: call.json,
      ...(call.form ? { form: call.form } : {}),
      timeoutMs: call.form ? this.#o.uploadTimeoutMs : this.#o.timeoutMs,
    });
  }

  #where(): string {
    return `Mastodon (${this.#host})`;
  }

  /** "Mastodon (host) answered 422: Validation failed: …" */
  #answered(ex: Exchange & { kind: "response" }): string {
    const error = ErrorAnswer.safeParse(ex.body);
    const detail = error.success ? `: ${error.data.error}` : "";
    return `${this.#where()} answered ${ex.status}${detail}`;
  }
}

/** The status as Mastodon shows it: plain text; a poll's question follows the text. */
export function statusText(post: Pick<OutboundPost, "text" | "poll">): string {
  const text = plainText(post.text).trim();
  if (!post.poll) return text;
  return text ? `${text}\n\n${post.poll.question}` : post.poll.question;
}

/**
 * The same announcement, version and action always make the same key, whichever attempt or process sends it. The
 * action is the one the outbox names in the attempt id (`…:publish:2`, `…:correction_post:1`).
 */
export function idempotencyKey(
  post: Pick<OutboundPost, "announcementId" | "version">,
  attempt: DeliveryAttempt,
): string {
  const action = /:([a-z_]+):\d+$/.exec(attempt.id)?.[1] ?? "publish";
  const digest = createHash("sha256").update(`${post.announcementId}\n${post.version}\n${action}`).digest("hex");
  return `amtsbote-${digest.slice(0, 40)}`;
}

const isVideo = (item: MediaItem): boolean => item.mimeType.startsWith("video/");

const found = (status: Status): ReadBackOutcome => ({
  state: "found",
  remoteId: status.id,
  ...(status.url ? { url: status.url } : {}),
});

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", "#39": "'", nbsp: " " };

/** A status's HTML `content` as the text that was posted: paragraphs and line breaks back, tags off. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>\s*<p[^>]*>/gi, "\n\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (m, name: string) => {
      if (name.startsWith("#x") || name.startsWith("#X"))
        return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
      if (name.startsWith("#") && name !== "#39") return String.fromCodePoint(Number(name.slice(1)));
      return ENTITIES[name.toLowerCase()] ?? m;
    });
}
