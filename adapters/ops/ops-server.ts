import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../../src/ports/logger.ts";
import { VERSION } from "../version.ts";
import type { Metrics } from "./metrics.ts";

/** One thing readiness depends on: the store, a chat connection, an outlet. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<{ ok: boolean; detail?: string }> | { ok: boolean; detail?: string };
}

export interface OpsServerOptions {
  host: string;
  port: number;
  checks: readonly ReadinessCheck[];
  metrics: Metrics;
  log: Logger;
  timeoutMs?: number;
}

const withTimeout = async <T>(work: Promise<T> | T, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(work),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * The operations endpoint for the IT admin and the container runtime:
 * `/healthz` (the process answers), `/readyz` (store, chat and outlets usable; 503 naming what is not)
 * and `/metrics` (Prometheus text format). Loopback by default; it carries no secrets and takes no input.
 */
export class OpsServer {
  readonly #o: OpsServerOptions;
  #server: Server | undefined;
  #draining = false;

  constructor(options: OpsServerOptions) {
    this.#o = options;
  }

  /** From now on `/readyz` says 503, so a load balancer or supervisor sees the shutdown. */
  drain(): void {
    this.#draining = true;
  }

  async readiness(): Promise<{ ready: boolean; checks: Record<string, { ok: boolean; detail?: string }> }> {
    const results = await Promise.all(
      this.#o.checks.map(async ({ name, check }) => {
        try {
          return [name, await withTimeout(check(), this.#o.timeoutMs ?? 2000)] as const;
        } catch (error) {
          return [name, { ok: false, detail: error instanceof Error ? error.message : String(error) }] as const;
        }
      }),
    );
    const checks = Object.fromEntries(results);
    if (this.#draining) checks.shutdown = { ok: false, detail: "shutting down" };
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }

  async start(): Promise<AddressInfo> {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://ops").pathname;
      const send = (status: number, type: string, body: string) => {
        res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
        res.end(body);
      };
      if (req.method !== "GET" && req.method !== "HEAD") return send(405, "text/plain", "GET only\n");
      if (path === "/healthz") return send(200, "application/json", JSON.stringify({ status: "ok", version: VERSION }));
      if (path === "/readyz") {
        void this.readiness().then((r) =>
          send(
            r.ready ? 200 : 503,
            "application/json",
            JSON.stringify({ status: r.ready ? "ready" : "not ready", checks: r.checks }),
          ),
        );
        return;
      }
      if (path === "/metrics") {
        void this.#o.metrics
          .scrape()
          .then((text) => send(200, this.#o.metrics.registry.contentType, text))
          .catch((error: unknown) => {
            this.#o.log.error({ err: error }, "metrics collection failed");
            send(500, "text/plain", "metrics unavailable\n");
          });
        return;
      }
      send(404, "text/plain", "not found: /healthz, /readyz, /metrics\n");
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#o.port, this.#o.host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.#o.log.info({ host: address.address, port: address.port }, "operations endpoint listening");
    return address;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
