import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

interface Posted {
  id: string;
  timestamp: number;
  fromMe: true;
  body: string;
}

export type WahaEngine = "GOWS" | "NOWEB" | "WEBJS" | "WPP";

/**
 * WAHA's answer for a method the engine does not implement: `NotImplementedByEngineError` (devlikeapro/waha
 * `src/core/exceptions.ts`, a NestJS `NotImplementedException`), passed on as is by `src/nestjs/AllExceptionsFilter.ts`.
 */
export const notImplementedBody = (engine: string) => ({
  statusCode: 501,
  message: `The method is not implemented by '${engine}' engine. Check the docs and try another engine: https://waha.devlike.pro/`,
  error: "Not Implemented",
});

/**
 * A WAHA stand-in on loopback with the shapes of whatsapp-channels.md §3: API key check, sends (201 + id in the
 * engine's shape, §3.4), edits, read-back of own channel posts, session status naming the engine.
 * Engines differ as the doc has them: GOWS does not implement channel read-back (waha-docs
 * `how-to/channels/features.md`), WEBJS does not implement `sendPoll` (the base `WhatsappSession.sendPoll` throws
 * `NotImplementedByEngineError`, `src/core/abc/session.abc.ts`), GOWS edits are unconfirmed (refused here).
 */
export class FakeWaha {
  readonly apiKey: string;
  readonly channelId: string;
  readonly posts: Posted[] = [];
  readonly requests: string[] = [];
  readonly files: { mimetype: string; bytes: Buffer }[] = [];
  sessionStatus = "WORKING";
  /**
   * Sends that never answer, as when the sender dies mid-call: `unposted` before the post exists, `posted` after it
   * reached the channel (read-back finds it).
   */
  holdSends: "no" | "unposted" | "posted" = "no";
  /** Send requests seen, answered or not. */
  sends = 0;
  /** Edits that went through: message id and new text. */
  readonly edits: { id: string; text: string }[] = [];
  engine: WahaEngine = "NOWEB";
  /** What the engine can do; unset: as the engine does. */
  can: { readBack?: boolean; poll?: boolean; edit?: boolean } = {};
  /** Sends answer `201` with an empty body (WAHA #1083, #1800): `posted` after the post reached the channel. */
  emptyAnswers: "no" | "unposted" | "posted" = "no";
  #server: Server | undefined;

  constructor(apiKey = "fake-key", channelId = "120363000000000000@newsletter") {
    this.apiKey = apiKey;
    this.channelId = channelId;
  }

  #does(feature: "readBack" | "poll" | "edit"): boolean {
    const byEngine = {
      readBack: this.engine !== "GOWS",
      poll: this.engine !== "WEBJS",
      edit: this.engine === "NOWEB" || this.engine === "WEBJS",
    };
    return this.can[feature] ?? byEngine[feature];
  }

  /** The send answer in the engine's shape (whatsapp-channels.md §3.4). */
  #answer(post: Posted): unknown {
    if (this.engine === "WEBJS") {
      const short = post.id.split("_").at(-1);
      return { id: { fromMe: true, remote: this.channelId, id: short, _serialized: post.id }, body: post.body, ack: 0 };
    }
    return { ...post, ack: 0, ackName: "PENDING", _data: {} };
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      void this.#handle(req).then(({ status, body }) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(body === undefined ? "" : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  async #handle(req: IncomingMessage): Promise<{ status: number; body?: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://fake");
    const path = decodeURIComponent(url.pathname);
    this.requests.push(`${req.method} ${path}`);
    if (req.headers["x-api-key"] !== this.apiKey)
      return { status: 401, body: { message: "Unauthorized", statusCode: 401 } };
    const json = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
    if (req.method === "GET" && path === "/api/sessions/default") {
      return { status: 200, body: { name: "default", status: this.sessionStatus, engine: { engine: this.engine } } };
    }
    if (req.method === "GET" && path === `/api/default/channels/${this.channelId}`) {
      return { status: 200, body: { id: this.channelId, name: "Stadt Achim", role: "ADMIN" } };
    }
    const notReady = {
      status: 422,
      body: {
        error: "Session status is not as expected",
        session: "default",
        status: this.sessionStatus,
        expected: ["WORKING"],
      },
    };
    const sends = ["/api/sendText", "/api/sendPoll", "/api/sendImage", "/api/sendVideo"];
    if (req.method === "POST" && sends.includes(path)) {
      this.sends += 1;
      if (this.sessionStatus !== "WORKING") return notReady;
      const hold = this.holdSends;
      if (hold === "unposted") return new Promise<never>(() => undefined);
      if (json.chatId !== this.channelId) return { status: 400, body: { statusCode: 400, message: ["chatId"] } };
      if (path === "/api/sendPoll" && !this.#does("poll"))
        return { status: 501, body: notImplementedBody(this.engine) };
      if (this.emptyAnswers === "unposted") return { status: 201 };
      const poll = json.poll as { name?: string } | undefined;
      const post: Posted = {
        id: `true_${this.channelId}_${(this.posts.length + 1).toString(16).toUpperCase().padStart(6, "0")}`,
        timestamp: Math.floor(Date.now() / 1000),
        fromMe: true,
        body:
          typeof json.text === "string"
            ? json.text
            : typeof json.caption === "string"
              ? json.caption
              : (poll?.name ?? ""),
      };
      const file = json.file as { mimetype?: string; data?: string } | undefined;
      if (file) this.files.push({ mimetype: file.mimetype ?? "", bytes: Buffer.from(file.data ?? "", "base64") });
      this.posts.push(post);
      if (hold === "posted") return new Promise<never>(() => undefined);
      if (this.emptyAnswers === "posted") return { status: 201 };
      return { status: 201, body: this.#answer(post) };
    }
    const messages = `/api/default/chats/${this.channelId}/messages`;
    if (req.method === "GET" && path === messages) {
      if (!this.#does("readBack")) return { status: 501, body: notImplementedBody(this.engine) };
      return { status: 200, body: this.posts.slice(-Number(url.searchParams.get("limit") ?? 20)) };
    }
    if (req.method === "PUT" && path.startsWith(`${messages}/`)) {
      if (!this.#does("edit")) return { status: 501, body: notImplementedBody(this.engine) };
      const id = path.slice(messages.length + 1);
      const post = this.posts.find((p) => p.id === id);
      if (!post) return { status: 404, body: { statusCode: 404, message: "Message not found", error: "Not Found" } };
      post.body = typeof json.text === "string" ? json.text : post.body;
      this.edits.push({ id, text: post.body });
      return { status: 200, body: { id, body: post.body } };
    }
    return { status: 404, body: { statusCode: 404, message: "Not Found" } };
  }
}
