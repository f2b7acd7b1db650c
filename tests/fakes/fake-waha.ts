import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

interface Posted {
  id: string;
  timestamp: number;
  fromMe: true;
  body: string;
}

/**
 * A WAHA stand-in on loopback with the shapes of whatsapp-channels.md §3: API key check,
 * sendText/sendPoll (201 + id), read-back of own channel posts, session status.
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
  #server: Server | undefined;

  constructor(apiKey = "fake-key", channelId = "120363000000000000@newsletter") {
    this.apiKey = apiKey;
    this.channelId = channelId;
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
      return { status: 200, body: { name: "default", status: this.sessionStatus, engine: { engine: "GOWS" } } };
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
      return { status: 201, body: { ...post, ack: 0, ackName: "PENDING", _data: {} } };
    }
    if (req.method === "GET" && path === `/api/default/chats/${this.channelId}/messages`) {
      return { status: 200, body: this.posts.slice(-Number(url.searchParams.get("limit") ?? 20)) };
    }
    return { status: 404, body: { statusCode: 404, message: "Not Found" } };
  }
}
