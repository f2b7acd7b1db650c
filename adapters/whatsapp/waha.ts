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
import type { ChannelAdmin, PairingResult } from "../../src/ports/channel-admin.ts";
import { postText } from "../../src/render/whatsapp.ts";
import { channelCapabilities } from "./capabilities.ts";
import { classifyFailure, refused, unreachable, exchange, failure, sameText, type Exchange } from "./gateway-http.ts";

/** Reads a stored picture or video by its hash. */
export type MediaSource = (sha256: string) => Promise<Uint8Array | undefined>;

export interface WahaOptions {
  baseUrl: string;
  apiKey: string;
  session: string;
  /** `120363…@newsletter` */
  channelId: string;
  timeoutMs?: number;
  /** Whether the engine in use can edit channel posts (GOWS is unconfirmed). */
  canEdit?: boolean;
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

/** Clock skew allowed between us and the gateway when matching read-back timestamps. */
const SKEW_S = 120;

/** WAHA (self-hosted WhatsApp HTTP API), logged in as an admin of the channel. */
export class WahaOutlet implements Outlet, ChannelAdmin {
  readonly id = "whatsapp-waha";
  readonly handoff = false;
  readonly readBackGraceMs: number;
  readonly capabilities: OutletCapabilities;
  readonly #o: Required<Omit<WahaOptions, "canEdit" | "readBackGraceMs">>;
  #adminConfirmed = false;

  constructor(options: WahaOptions) {
    this.#o = { timeoutMs: 30_000, ...options, baseUrl: options.baseUrl.replace(/\/+$/, "") };
    this.readBackGraceMs = options.readBackGraceMs ?? 5_000;
    this.capabilities = channelCapabilities(options.canEdit ?? false);
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
    const ex = post.poll
      ? await this.#call("POST", "/api/sendPoll", {
          ...base,
          poll: { name: post.poll.question, options: post.poll.options, multipleAnswers: post.poll.multipleChoice },
        })
      : await this.#call("POST", "/api/sendText", {
          ...base,
          text: post.text,
          linkPreview: true,
          linkPreviewHighQuality: false,
        });
    return this.#sent(ex);
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

  async readBack(post: OutboundPost, attempt: DeliveryAttempt): Promise<ReadBackOutcome> {
    const query = "limit=20&downloadMedia=false&filter.fromMe=true";
    const ex = await this.#call("GET", `${this.#messagesPath()}?${query}`);
    if (ex.kind !== "response" || ex.status !== 200) {
      return { state: "unavailable", reason: ex.kind === "response" ? `WAHA answered ${ex.status}` : ex.reason };
    }
    const list = z.array(z.unknown()).safeParse(ex.body);
    if (!list.success) return { state: "unavailable", reason: "WAHA read-back was not a list" };
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
    return { state: "not_found" };
  }

  async edit(ref: RemoteRef, post: OutboundPost): Promise<PublishOutcome> {
    if (!this.capabilities.edit) return failure("bad_request", "this WAHA engine cannot edit channel posts", false);
    const ex = await this.#call("PUT", `${this.#messagesPath()}/${encodeURIComponent(ref.remoteId)}`, {
      text: postText(post),
      linkPreview: true,
    });
    return this.#sent(ex, ref.remoteId);
  }

  async remove(ref: RemoteRef): Promise<PublishOutcome> {
    const ex = await this.#call("DELETE", `${this.#messagesPath()}/${encodeURIComponent(ref.remoteId)}`);
    return this.#sent(ex, ref.remoteId);
  }

  readonly name = "WAHA";

  status(): Promise<OutletHealth> {
    return this.health();
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
    if (session.data.status !== "WORKING") {
      const reason = `WhatsApp session "${this.#o.session}" is ${session.data.status}`;
      return { state: "down", reason, problem: "session_not_ready" };
    }
    return this.#channelRole();
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
