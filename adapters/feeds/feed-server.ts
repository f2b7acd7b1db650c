import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../../src/ports/logger.ts";
import type { FeedSite, Resource } from "./site.ts";
import type { FeedStore } from "./state.ts";

export interface FeedServerOptions {
  host: string;
  port: number;
  site: FeedSite;
  feeds: FeedStore;
  log: Logger;
}

/** Whole seconds, as HTTP dates carry them. */
const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** RFC 9110 §13.1.2: weak comparison; `*` matches anything that exists. */
function matchesEtag(header: string, etag: string): boolean {
  const strip = (tag: string) => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim() === "*" || strip(tag) === strip(etag));
}

/** Unchanged since the client's copy: If-None-Match decides where given, else If-Modified-Since. */
function notModified(req: IncomingMessage, r: Resource): boolean {
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch !== undefined) return matchesEtag(ifNoneMatch, r.etag);
  const since = req.headers["if-modified-since"];
  if (since === undefined) return false;
  const at = Date.parse(since);
  return !Number.isNaN(at) && seconds(r.lastModified) <= Math.floor(at / 1000);
}

/** A post's page loads nothing but its pictures and runs nothing. */
const PAGE_POLICY = "default-src 'none'; img-src 'self' https:";

const plain = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(body);
};

/**
 * The public feed listener: `/feed.rss`, `/feed.atom`, `/feed.json`, `/cap.atom`, `/cap/…`, `/posts/…`, `/media/…`,
 * read from the shared store on each request (cheap when nothing changed), with ETag and Last-Modified.
 * Separate from the operations endpoint: this one may face the internet (through a reverse proxy).
 */
export class FeedServer {
  readonly #o: FeedServerOptions;
  #server: Server | undefined;
  #failure: string | undefined;

  constructor(options: FeedServerOptions) {
    this.#o = options;
  }

  /** Why the listener does not work, if it does not. */
  get failure(): string | undefined {
    return this.#failure;
  }

  async start(): Promise<AddressInfo> {
    if (this.#server) return this.#server.address() as AddressInfo;
    const server = createServer((req, res) => {
      this.#answer(req, res).catch((error: unknown) => {
        this.#o.log.error({ err: error, path: req.url }, "feed request failed");
        if (!res.headersSent) plain(res, 503, "feed temporarily unavailable\n", { "retry-after": "30" });
        else res.destroy();
      });
    });
    // A slow or stuck client cannot hold a connection for long.
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    server.keepAliveTimeout = 5_000;
    this.#server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.#o.port, this.#o.host, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (error) {
      this.#failure = `feed listener on ${this.#o.host}:${this.#o.port} failed: ${error instanceof Error ? error.message : String(error)}`;
      throw error;
    }
    server.on("error", (error: Error) => {
      this.#failure = `feed listener failed: ${error.message}`;
      this.#o.log.error({ err: error }, "feed listener failed");
    });
    const address = server.address() as AddressInfo;
    this.#o.log.info({ host: address.address, port: address.port }, "feed listener listening");
    return address;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD")
      return plain(res, 405, "GET or HEAD only\n", { allow: "GET, HEAD" });
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://feed").pathname);
    } catch {
      return plain(res, 400, "malformed path\n");
    }
    const state = await this.#o.feeds.load();
    const found = this.#o.site.resolve(state, path);
    if (found === "gone") return plain(res, 410, "this announcement was retracted\n");
    if (!found) return plain(res, 404, "not found: /feed.rss, /feed.atom, /feed.json, /cap.atom\n");
    const headers = {
      "content-type": found.type,
      etag: found.etag,
      "last-modified": new Date(seconds(found.lastModified) * 1000).toUTCString(),
      "cache-control": found.cacheControl,
      "x-content-type-options": "nosniff",
      ...(found.type.startsWith("text/html") ? { "content-security-policy": PAGE_POLICY } : {}),
    };
    if (notModified(req, found)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const body = await found.body();
    if (!body) return plain(res, 404, "not found: the file is no longer stored\n");
    res.writeHead(200, { ...headers, "content-length": String(body.byteLength) });
    res.end(req.method === "HEAD" ? undefined : body);
  }
}
