import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/*
 * A local stand-in for the federal warning API (NINA), built from its published description:
 * bundesAPI/nina-api, openapi.yaml — `GET /dashboard/{ARS}.json` answers `ARSOverviewResult` (items with
 * `id`, `payload { version, type, id, hash, data { headline, provider, severity, msgType, transKeys { event },
 * area { type, data } } }`, `i18nTitle { de }`, `sent`), `GET /warnings/{identifier}.json` answers `Warning`
 * (CAP-shaped: `identifier, sender, sent, status, msgType, scope, code[], info[] { category[], event, urgency,
 * severity, certainty, eventCode (KeyValueArray), effective, senderName, headline, description, web, parameter
 * (KeyValueArray), area[] { areaDesc, geocode } }`); `instruction` and `expires` are CAP fields the live service
 * also sends. ETags and 304 as a polite HTTP server gives them; faults (5xx, hanging requests) on demand.
 */

export interface FakeWarning {
  id: string;
  version: number;
  provider: "MOWAS" | "KATWARN" | "BIWAPP" | "DWD" | "LHP" | "POLICE";
  severity: "Minor" | "Moderate" | "Severe" | "Extreme";
  msgType: "Alert" | "Update" | "Cancel";
  eventCode: string;
  headline: string;
  description: string;
  instruction?: string;
  senderName: string;
  area: string;
  sent: string;
  expires?: string;
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  status: number;
}

const hashOf = (w: FakeWarning): string =>
  createHash("sha256")
    .update(JSON.stringify({ ...w, version: undefined }))
    .digest("hex");

export class FakeNina {
  readonly requests: SeenRequest[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #dashboards = new Map<string, FakeWarning[]>();
  /** Scripted faults, first in, first out: a status to answer, or "hang" (never answer). */
  readonly #faults: (number | "hang" | "garbage")[] = [];
  readonly #hanging = new Set<ServerResponse>();
  readonly url: string;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.url = `http://127.0.0.1:${port}/api31`;
    server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeNina> {
    const holder: { fake?: FakeNina } = {};
    const server = createServer((req, res) => holder.fake?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    holder.fake = new FakeNina(server, (server.address() as AddressInfo).port);
    return holder.fake;
  }

  async stop(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** A new warning on the district's dashboard. */
  add(ars: string, warning: Omit<FakeWarning, "version" | "msgType"> & Partial<FakeWarning>): FakeWarning {
    const w: FakeWarning = { version: 1, msgType: "Alert", ...warning };
    this.#dashboards.set(ars, [...(this.#dashboards.get(ars) ?? []), w]);
    return w;
  }

  /** The sender changes the warning: a higher version and a new hash. */
  update(ars: string, id: string, change: Partial<FakeWarning>): FakeWarning {
    const list = this.#dashboards.get(ars) ?? [];
    const at = list.findIndex((w) => w.id === id);
    const old = list[at];
    if (!old) throw new Error(`no warning ${id}`);
    const next: FakeWarning = { ...old, msgType: "Update", ...change, version: old.version + 1 };
    list[at] = next;
    return next;
  }

  /** The warning ends: gone from the dashboard. */
  remove(ars: string, id: string): void {
    this.#dashboards.set(
      ars,
      (this.#dashboards.get(ars) ?? []).filter((w) => w.id !== id),
    );
  }

  /** The next `n` requests fail this way. */
  failNext(n: number, how: number | "hang" | "garbage"): void {
    for (let i = 0; i < n; i += 1) this.#faults.push(how);
  }

  dashboardRequests(): SeenRequest[] {
    return this.requests.filter((r) => r.path.includes("/dashboard/"));
  }

  #find(id: string): FakeWarning | undefined {
    for (const list of this.#dashboards.values()) {
      const w = list.find((x) => x.id === id);
      if (w) return w;
    }
    return undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const answer = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method: req.method ?? "", path, headers: req.headers, status });
      res.writeHead(status, { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers });
      res.end(body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body));
    };
    const fault = this.#faults.shift();
    if (fault === "hang") {
      this.requests.push({ method: req.method ?? "", path, headers: req.headers, status: 0 });
      this.#hanging.add(res);
      return;
    }
    if (fault === "garbage") return answer(200, '{"not": "a dashboard"');
    if (typeof fault === "number") return answer(fault, { error: "scripted" });
    const dashboard = /^\/api31\/dashboard\/(\d{12})\.json$/.exec(path);
    if (dashboard?.[1]) {
      const body = JSON.stringify((this.#dashboards.get(dashboard[1]) ?? []).map(overviewItem));
      const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 20)}"`;
      if (req.headers["if-none-match"] === etag) return answer(304, undefined, { etag });
      return answer(200, body, { etag });
    }
    const detail = /^\/api31\/warnings\/(.+)\.json$/.exec(path);
    const warning = detail?.[1] ? this.#find(decodeURIComponent(detail[1])) : undefined;
    if (warning) return answer(200, warningDocument(warning));
    return answer(404, { error: "not found" });
  }
}

function overviewItem(w: FakeWarning) {
  return {
    id: w.id,
    payload: {
      version: w.version,
      type: "ALERT",
      id: w.id,
      hash: hashOf(w),
      data: {
        headline: w.headline,
        provider: w.provider,
        severity: w.severity,
        msgType: w.msgType,
        transKeys: { event: w.eventCode },
        area: { type: "ZGEM", data: "1+11057100001" },
      },
    },
    i18nTitle: { de: w.headline },
    sent: w.sent,
  };
}

function warningDocument(w: FakeWarning) {
  return {
    identifier: w.id,
    sender: "CAP@dwd.de",
    sent: w.sent,
    status: "Actual",
    msgType: w.msgType,
    scope: "Public",
    code: ["DVN:1"],
    info: [
      {
        language: "de-DE",
        category: ["Met"],
        event: w.headline,
        urgency: "Immediate",
        severity: w.severity,
        certainty: "Likely",
        eventCode: [{ valueName: "profile:DE-BBK-EVENTCODE", value: w.eventCode }],
        effective: w.sent,
        ...(w.expires ? { expires: w.expires } : {}),
        senderName: w.senderName,
        headline: w.headline,
        description: w.description,
        ...(w.instruction ? { instruction: w.instruction } : {}),
        web: "https://www.dwd.de",
        parameter: [{ valueName: "sender_langname", value: w.senderName }],
        area: [{ areaDesc: w.area, geocode: [{ valueName: "AreaId", value: "0" }] }],
      },
    ],
  };
}
