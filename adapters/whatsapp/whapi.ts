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
import { postText } from "../../src/render/whatsapp.ts";
import { channelCapabilities } from "./capabilities.ts";
import { classifyFailure, refused, unreachable, exchange, failure, sameText, type Exchange } from "../outlets/http.ts";
import type { MediaSource } from "./waha.ts";
import type { ChannelAdmin, PairingResult } from "../../src/ports/channel-admin.ts";

export const WHAPI_DEFAULT_URL = "https://gate.whapi.cloud";

export interface WhapiOptions {
  token: string;
  /** `120363…@newsletter` */
  channelId: string;
  baseUrl?: string;
  timeoutMs?: number;
  readBackGraceMs?: number;
  media: MediaSource;
}

const SendAnswer = z.object({
  sent: z.boolean(),
  message: z
    .object({ id: z.string().min(1) })
    .partial()
    .optional(),
});

const ReadBackMessage = z.object({
  id: z.string(),
  from_me: z.boolean().optional(),
  timestamp: z.number().optional(),
  text: z.object({ body: z.string() }).partial().optional(),
  image: z.object({ caption: z.string() }).partial().optional(),
  video: z.object({ caption: z.string() }).partial().optional(),
  poll: z.object({ title: z.string() }).partial().optional(),
});

const ReadBackList = z.union([
  z.object({ messages: z.array(z.unknown()) }).transform((b) => b.messages),
  z.array(z.unknown()),
]);

const HealthAnswer = z.object({ status: z.object({ text: z.string() }) });

const SKEW_S = 120;

/** Whapi.Cloud, the hosted gateway, for towns that cannot run WAHA. */
export class WhapiOutlet implements Outlet, ChannelAdmin {
  readonly id = "whatsapp-whapi";
  readonly handoff = false;
  readonly readBackGraceMs: number;
  readonly capabilities: OutletCapabilities = channelCapabilities(true);
  readonly #o: Required<Omit<WhapiOptions, "readBackGraceMs">>;

  constructor(options: WhapiOptions) {
    this.#o = { baseUrl: WHAPI_DEFAULT_URL, timeoutMs: 30_000, ...options };
    this.#o.baseUrl = this.#o.baseUrl.replace(/\/+$/, "");
    this.readBackGraceMs = options.readBackGraceMs ?? 5_000;
  }

  #call(method: "GET" | "POST" | "PUT" | "DELETE", path: string, json?: unknown): Promise<Exchange> {
    return exchange({
      method,
      url: `${this.#o.baseUrl}${path}`,
      headers: { authorization: `Bearer ${this.#o.token}` },
      json,
      timeoutMs: this.#o.timeoutMs,
    });
  }

  /** `bytes`: the post's picture or video, for a new post; edits change the caption only. */
  #send(post: OutboundPost, edit?: string, bytes?: Uint8Array): Promise<Exchange> {
    const to = this.#o.channelId;
    const editing = edit === undefined ? {} : { edit };
    const item = post.media[0];
    if (item && bytes) {
      const video = item.mimeType.startsWith("video/");
      return this.#call("POST", video ? "/messages/video" : "/messages/image", {
        to,
        media: `data:${item.mimeType};base64,${Buffer.from(bytes).toString("base64")}`,
        ...(video ? {} : { mime_type: item.mimeType }),
        caption: postText(post),
      });
    }
    if (item) return this.#call("POST", "/messages/text", { to, body: postText(post), edit });
    if (post.poll) {
      return this.#call("POST", "/messages/poll", {
        to,
        title: post.poll.question,
        options: post.poll.options,
        count: post.poll.multipleChoice ? 0 : 1,
        ...editing,
      });
    }
    return this.#call("POST", "/messages/text", { to, body: post.text, no_link_preview: false, ...editing });
  }

  async publish(post: OutboundPost, _attempt: DeliveryAttempt): Promise<PublishOutcome> {
    const item = post.media[0];
    const bytes = item ? await this.#o.media(item.sha256) : undefined;
    if (item && !bytes) return failure("bad_request", `the file ${item.name} is missing from the store`, false);
    return this.#sent(await this.#send(post, undefined, bytes));
  }

  #sent(ex: Exchange, knownId?: string): PublishOutcome {
    if (ex.kind !== "response" || ex.status < 200 || ex.status >= 300) return classifyFailure("Whapi", ex);
    const parsed = SendAnswer.safeParse(ex.body);
    if (!parsed.success) return { state: "unknown", reason: `Whapi answered ${ex.status} in an unknown shape` };
    if (!parsed.data.sent) return failure("not_sent", "Whapi says the post was not sent (sent: false)", false);
    const id = knownId ?? parsed.data.message?.id;
    return id ? { state: "sent", remoteId: id } : { state: "unknown", reason: "Whapi accepted the post without an id" };
  }

  async readBack(post: OutboundPost, attempt: DeliveryAttempt): Promise<ReadBackOutcome> {
    const ex = await this.#call("GET", `/newsletters/${encodeURIComponent(this.#o.channelId)}/messages?count=20`);
    if (ex.kind !== "response" || ex.status !== 200) {
      return { state: "unavailable", reason: ex.kind === "response" ? `Whapi answered ${ex.status}` : ex.reason };
    }
    const list = ReadBackList.safeParse(ex.body);
    if (!list.success) return { state: "unavailable", reason: "Whapi read-back was not a list of messages" };
    const since = Date.parse(attempt.startedAt) / 1000 - SKEW_S;
    for (const raw of list.data) {
      const m = ReadBackMessage.safeParse(raw);
      if (!m.success || m.data.from_me === false) continue;
      if (m.data.timestamp !== undefined && m.data.timestamp < since) continue;
      const body = m.data.text?.body ?? m.data.image?.caption ?? m.data.video?.caption ?? "";
      const matches = post.poll
        ? sameText(m.data.poll?.title ?? "", post.poll.question)
        : sameText(body, postText(post));
      if (matches) return { state: "found", remoteId: m.data.id };
    }
    return { state: "not_found" };
  }

  async edit(ref: RemoteRef, post: OutboundPost): Promise<PublishOutcome> {
    return this.#sent(await this.#send(post, ref.remoteId), ref.remoteId);
  }

  async remove(ref: RemoteRef): Promise<PublishOutcome> {
    const ex = await this.#call("DELETE", `/messages/${encodeURIComponent(ref.remoteId)}`);
    if (ex.kind === "response" && ex.status >= 200 && ex.status < 300) return { state: "sent", remoteId: ref.remoteId };
    return classifyFailure("Whapi", ex);
  }

  readonly name = "Whapi.Cloud";

  status(): Promise<OutletHealth> {
    return this.health();
  }

  async pairingCode(): Promise<PairingResult> {
    return { ok: false, reason: "Whapi.Cloud is paired in its own dashboard (QR scan there)" };
  }

  async pairingQr(): Promise<PairingResult> {
    return this.pairingCode();
  }

  async health(): Promise<OutletHealth> {
    const ex = await this.#call("GET", "/health");
    if (ex.kind !== "response") return unreachable(`Whapi not reachable: ${ex.reason}`);
    if (ex.status !== 200) return refused("Whapi", ex);
    const health = HealthAnswer.safeParse(ex.body);
    if (!health.success) {
      return { state: "degraded", reason: "Whapi health answer not understood", problem: "unexpected" };
    }
    if (health.data.status.text === "AUTH") return { state: "ok" };
    const reason = `Whapi channel status is ${health.data.status.text}`;
    return { state: "down", reason, problem: "session_not_ready" };
  }
}
