import { z } from "zod";
import type { DeliveryAttempt } from "../../src/announcement/announcement.ts";
import type {
  OutboundPost,
  Outlet,
  OutletCapabilities,
  OutletHealth,
  PublishOutcome,
  ReadBackOutcome,
  RemoteRef,
} from "../../src/ports/outlet.ts";
import type {
  ChannelAdmin,
  ChannelStatus,
  EngineAbility,
  EngineFeature,
  PairingResult,
} from "../../src/ports/channel-admin.ts";
import { postText } from "../../src/render/whatsapp.ts";
import { channelCapabilities } from "./capabilities.ts";
import { EngineAbilities, notImplemented, type AbilitySetting } from "./engine.ts";
import { classifyFailure, refused, unreachable, exchange, failure, sameText, type Exchange } from "../outlets/http.ts";

/** Reads a stored picture or video by its hash. */
export type MediaSource = (sha256: string) => Promise<Uint8Array | undefined>;

export interface WahaOptions {
  baseUrl: string;
  apiKey: string;
  session: string;
  /** `120363…@newsletter` */
  channelId: string;
  timeoutMs?: number;
  /** Whether the engine can edit channel posts; `auto` (the default) goes by the engine and its answers. */
  canEdit?: AbilitySetting;
  /** Whether the engine can send polls to the channel. */
  canPoll?: AbilitySetting;
  /** Whether the engine can list the channel's posts, to settle an unclear send. */
  canReadBack?: AbilitySetting;
  /** How long a post may take to show up in read-back. */
  readBackGraceMs?: number;
  media: MediaSource;
}

/** The three engine-dependent shapes of a send answer (whatsapp-channels.md §3.4). */
const SendAnswer = z.union([
  z.object({ id: z.string().min(1) }).transform((b) => b.id),
  z.object({ id: z.object({ _serialized: z.string().min(1) }) }).transform((b) => b.id._serialized),
  z
    .object({ key: z.object({ remoteJid: z.string(), fromMe: z.boolean(), id: z.string().min(1) }) })
    .transform((b) => `${b.key.fromMe}_${b.key.remoteJid}_${b.key.id}`),
]);

const ReadBackMessage = z.object({
  id: z.union([z.string(), z.object({ _serialized: z.string() }).transform((i) => i._serialized)]),
  timestamp: z.number().optional(),
  fromMe: z.boolean().optional(),
  body: z.string().nullish(),
  hasMedia: z.boolean().optional(),
});

const SessionAnswer = z.object({ status: z.string(), engine: z.object({ engine: z.string() }).partial().optional() });

const ChannelAnswer = z.object({ id: z.string(), role: z.string().optional() });

const PairingCodeAnswer = z.object({ code: z.string().min(1) });
const QrAnswer = z.object({ value: z.string().min(1) });

const SessionNotReady = z.object({ status: z.string(), expected: z.array(z.string()).optional() });

/** Why the engine is taken not to do something, for the log. */
const WHY_NOT: Record<EngineAbility["why"], string> = {
  config: "switched off in the configuration",
  refused: "it refused this as not implemented since the start",
  engine_default: "this engine does not support it",
  engine_unconfirmed: "unconfirmed for this engine",
  engine_unknown: "engine not yet known",
  worked: "it worked before",
};

/** Clock skew allowed between us and the gateway when matching read-back timestamps. */
const SKEW_S = 120;

/** WAHA (self-hosted WhatsApp HTTP API), logged in as an admin of the channel. */
export class WahaOutlet implements Outlet, ChannelAdmin {
  readonly id = "whatsapp-waha";
  readonly handoff = false;
  readonly readBackGraceMs: number;
  readonly capabilities: OutletCapabilities;
  readonly #o: Required<Omit<WahaOptions, "canEdit" | "canPoll" | "canReadBack" | "readBackGraceMs">>;
  readonly #abilities: EngineAbilities;
  #adminConfirmed = false;
  /** The engine whose read-back was last probed ("" when WAHA did not name it); undefined: to probe. */
  #probedEngine: string | undefined;

  constructor(options: WahaOptions) {
    this.#o = { timeoutMs: 30_000, ...options, baseUrl: options.baseUrl.replace(/\/+$/, "") };
    this.readBackGraceMs = options.readBackGraceMs ?? 5_000;
    const settings = {
      edit: options.canEdit ?? "auto",
      poll: options.canPoll ?? "auto",
      readBack: options.canReadBack ?? "auto",
    };
    this.#abilities = new EngineAbilities(settings);
    // What it accepts: a poll or an edit the engine cannot do goes to a person for that post only.
    this.capabilities = channelCapabilities(settings.edit !== "off");
  }

  #call(method: "GET" | "POST" | "PUT" | "DELETE", path: string, json?: unknown): Promise<Exchange> {
    return exchange({
      method,
      url: `${this.#o.baseUrl}${path}`,
      headers: { "x-api-key": this.#o.apiKey },
      json,
      timeoutMs: this.#o.timeoutMs,
    });
  }

  #messagesPath(): string {
    return `/api/${encodeURIComponent(this.#o.session)}/chats/${encodeURIComponent(this.#o.channelId)}/messages`;
  }

  async publish(post: OutboundPost, _attempt: DeliveryAttempt): Promise<PublishOutcome> {
    const base = { session: this.#o.session, chatId: this.#o.channelId };
    const item = post.media[0];
    if (item) {
      const bytes = await this.#o.media(item.sha256);
      if (!bytes) return failure("bad_request", `the file ${item.name} is missing from the store`, false);
      const file = { mimetype: item.mimeType, filename: item.name, data: Buffer.from(bytes).toString("base64") };
      const video = item.mimeType.startsWith("video/");
      return this.#sent(
        await this.#call("POST", video ? "/api/sendVideo" : "/api/sendImage", {
          ...base,
          caption: postText(post),
          file,
          ...(video ? { asNote: false, convert: false } : {}),
        }),
      );
    }
    if (post.poll) {
      if (!this.#abilities.mayTry("poll")) return this.#cannot("poll");
      const ex = await this.#call("POST", "/api/sendPoll", {
        ...base,
        poll: { name: post.poll.question, options: post.poll.options, multipleAnswers: post.poll.multipleChoice },
      });
      return this.#learnt("poll", ex, this.#sent(ex));
    }
    const ex = await this.#call("POST", "/api/sendText", {
      ...base,
      text: post.text,
      linkPreview: true,
      linkPreviewHighQuality: false,
    });
    return this.#sent(ex);
  }

  /** The first real answer teaches whether the engine does it: a refusal as not implemented, or a sent post. */
  #learnt(feature: EngineFeature, ex: Exchange, outcome: PublishOutcome): PublishOutcome {
    if (notImplemented(ex)) this.#abilities.learn(feature, false);
    else if (outcome.state === "sent") this.#abilities.learn(feature, true);
    return outcome;
  }

  /** For this post only: the outbox hands it to a person. */
  #cannot(feature: EngineFeature): PublishOutcome {
    const what = { poll: "send polls to", edit: "edit posts of", readBack: "read back" }[feature];
    const why = WHY_NOT[this.#abilities.of(feature).why];
    return failure("not_supported", `the WAHA engine ${this.#engineName()} cannot ${what} the channel (${why})`, false);
  }

  #engineName(): string {
    return this.#abilities.engine ?? "(not yet known)";
  }

  #sent(ex: Exchange, knownId?: string): PublishOutcome {
    if (ex.kind !== "response" || ex.status < 200 || ex.status >= 300) return this.#failed(ex);
    if (knownId) return { state: "sent", remoteId: knownId };
    const parsed = SendAnswer.safeParse(ex.body);
    if (!parsed.success) {
      return { state: "unknown", reason: `WAHA answered ${ex.status} without a message id` };
    }
    return { state: "sent", remoteId: parsed.data };
  }

  #failed(ex: Exchange): PublishOutcome {
    if (ex.kind === "response" && notImplemented(ex)) {
      const reason = `the WAHA engine ${this.#engineName()} does not implement this (${ex.status}); nothing was sent`;
      return failure("not_supported", reason, false);
    }
    if (ex.kind === "response" && ex.status === 422) {
      const why = SessionNotReady.safeParse(ex.body);
      const status = why.success ? why.data.status : "unknown";
      return failure(
        "session_not_ready",
        `WhatsApp session "${this.#o.session}" is not ready (status ${status}); nothing was sent`,
        true,
      );
    }
    return classifyFailure("WAHA", ex);
  }

  /**
   * Finds the post among the channel's latest. "Not found" only counts where the engine is known to read back
   * channel posts; otherwise (and where it cannot) a person checks, so nothing is sent twice.
   */
  async readBack(post: OutboundPost, attempt: DeliveryAttempt): Promise<ReadBackOutcome> {
    if (!this.#abilities.mayTry("readBack")) {
      return { state: "unavailable", reason: `the WAHA engine ${this.#engineName()} cannot read back channel posts` };
    }
    const query = "limit=20&downloadMedia=false&filter.fromMe=true";
    const list = await this.#listPosts(query);
    if (!list.ok) return { state: "unavailable", reason: list.reason };
    const since = Date.parse(attempt.startedAt) / 1000 - SKEW_S;
    const wanted = post.poll ? post.poll.question : postText(post);
    for (const raw of list.data) {
      const m = ReadBackMessage.safeParse(raw);
      if (!m.success || m.data.fromMe === false) continue;
      if (m.data.timestamp !== undefined && m.data.timestamp < since) continue;
      const body = m.data.body ?? "";
      const matches = post.poll
        ? sameText(body, wanted) || JSON.stringify(raw).includes(JSON.stringify(wanted))
        : wanted
          ? sameText(body, wanted)
          : post.media.length > 0 && m.data.hasMedia === true;
      if (matches) return { state: "found", remoteId: m.data.id };
    }
    if (this.#abilities.of("readBack").can !== "yes") {
      const reason = `read-back on the WAHA engine ${this.#engineName()} is unconfirmed and did not find the post`;
      return { state: "unavailable", reason };
    }
    return { state: "not_found" };
  }

  /** The channel's latest posts; a list with posts shows the engine reads back, a refusal that it cannot. */
  async #listPosts(query: string): Promise<{ ok: true; data: unknown[] } | { ok: false; reason: string }> {
    const ex = await this.#call("GET", `${this.#messagesPath()}?${query}`);
    if (notImplemented(ex)) {
      this.#abilities.learn("readBack", false);
      return { ok: false, reason: `the WAHA engine ${this.#engineName()} does not implement read-back` };
    }
    if (ex.kind !== "response" || ex.status !== 200) {
      return { ok: false, reason: ex.kind === "response" ? `WAHA answered ${ex.status}` : ex.reason };
    }
    const list = z.array(z.unknown()).safeParse(ex.body);
    if (!list.success) return { ok: false, reason: "WAHA read-back was not a list" };
    if (list.data.length > 0) this.#abilities.learn("readBack", true);
    return { ok: true, data: list.data };
  }

  /**
   * Reads back the channel's last posts to learn whether the engine can, unless the configuration decides or the
   * engine is known not to: once per engine, and again for `status`.
   */
  async #probeReadBack(): Promise<void> {
    const engine = this.#abilities.engine ?? "";
    if (this.#probedEngine === engine) return;
    this.#probedEngine = engine;
    const known = this.#abilities.of("readBack");
    if (known.can !== "no" && known.why !== "config") await this.#listPosts("limit=5&downloadMedia=false");
  }

  async edit(ref: RemoteRef, post: OutboundPost): Promise<PublishOutcome> {
    if (!this.#abilities.mayTry("edit")) return this.#cannot("edit");
    const ex = await this.#call("PUT", `${this.#messagesPath()}/${encodeURIComponent(ref.remoteId)}`, {
      text: postText(post),
      linkPreview: true,
    });
    return this.#learnt("edit", ex, this.#sent(ex, ref.remoteId));
  }

  async remove(ref: RemoteRef): Promise<PublishOutcome> {
    const ex = await this.#call("DELETE", `${this.#messagesPath()}/${encodeURIComponent(ref.remoteId)}`);
    return this.#sent(ex, ref.remoteId);
  }

  readonly name = "WAHA";

  /** The session's health and what its engine can do, read back anew. */
  async status(): Promise<ChannelStatus> {
    this.#probedEngine = undefined;
    const health = await this.health();
    return { ...health, engine: this.#abilities.report() };
  }

  async pairingCode(phoneNumber: string): Promise<PairingResult> {
    const ex = await this.#call("POST", `/api/${encodeURIComponent(this.#o.session)}/auth/request-code`, {
      phoneNumber,
    });
    const code = ex.kind === "response" && ex.status < 300 ? PairingCodeAnswer.safeParse(ex.body) : undefined;
    return code?.success ? { ok: true, kind: "code", code: code.data.code } : { ok: false, reason: this.#why(ex) };
  }

  async pairingQr(): Promise<PairingResult> {
    const ex = await this.#call("GET", `/api/${encodeURIComponent(this.#o.session)}/auth/qr?format=raw`);
    const qr = ex.kind === "response" && ex.status < 300 ? QrAnswer.safeParse(ex.body) : undefined;
    return qr?.success ? { ok: true, kind: "qr", value: qr.data.value } : { ok: false, reason: this.#why(ex) };
  }

  #why(ex: Exchange): string {
    if (ex.kind !== "response") return `WAHA not reachable: ${ex.reason}`;
    if (ex.status < 300) return "WAHA answered in an unknown shape";
    if (ex.status === 422) return "the session is not waiting for pairing (already linked, or not started)";
    const outcome = classifyFailure("WAHA", ex);
    return outcome.state === "failed" ? outcome.reason : `WAHA answered ${ex.status}`;
  }

  async health(): Promise<OutletHealth> {
    const ex = await this.#call("GET", `/api/sessions/${encodeURIComponent(this.#o.session)}`);
    if (ex.kind !== "response") return unreachable(`WAHA not reachable: ${ex.reason}`);
    if (ex.status !== 200) return refused("WAHA", ex);
    const session = SessionAnswer.safeParse(ex.body);
    if (!session.success) {
      return { state: "degraded", reason: "WAHA session answer not understood", problem: "unexpected" };
    }
    this.#abilities.seen(session.data.engine?.engine);
    if (session.data.status !== "WORKING") {
      const reason = `WhatsApp session "${this.#o.session}" is ${session.data.status}`;
      return { state: "down", reason, problem: "session_not_ready" };
    }
    const role = await this.#channelRole();
    if (role.state === "ok") await this.#probeReadBack();
    return role;
  }

  /** The linked number must own or administer the channel (whatsapp-channels.md §3.2); checked until it does. */
  async #channelRole(): Promise<OutletHealth> {
    if (this.#adminConfirmed) return { state: "ok" };
    const ch = this.#o.channelId;
    const ex = await this.#call(
      "GET",
      `/api/${encodeURIComponent(this.#o.session)}/channels/${encodeURIComponent(ch)}`,
    );
    if (ex.kind !== "response") return unreachable(`WAHA not reachable: ${ex.reason}`);
    if (ex.status === 404) {
      return { state: "down", reason: `channel ${ch} is unknown to the linked number`, problem: "channel_unknown" };
    }
    const channel = ex.status === 200 ? ChannelAnswer.safeParse(ex.body) : undefined;
    if (!channel?.success) {
      return { state: "degraded", reason: `WAHA answered ${ex.status} about channel ${ch}`, problem: "unexpected" };
    }
    const role = channel.data.role ?? "unknown";
    if (role !== "OWNER" && role !== "ADMIN") {
      const reason = `the linked number is ${role} of channel ${ch}, not ADMIN or OWNER`;
      return { state: "down", reason, problem: "not_admin" };
    }
    this.#adminConfirmed = true;
    return { state: "ok" };
  }
}
