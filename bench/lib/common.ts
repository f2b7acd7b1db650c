// Shared helpers of the benchmarks: the machine line, percentiles, tables, ports, temp dirs, store URLs.
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { WahaOutlet } from "../../adapters/whatsapp/waha.ts";
import { FakeWaha } from "../../tests/fakes/fake-waha.ts";

/** `machine: <cpu model>, <n> cores, <GiB> GiB, node vX, <date>` — every bench prints it. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown cpu";
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return `machine: ${cpu}, ${cpus().length} cores, ${gib} GiB RAM, node ${process.version}, ${new Date().toISOString()}`;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export interface Stats {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

export const ms = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : "–");
export const mb = (bytes: number): string => (Number.isFinite(bytes) ? (bytes / 2 ** 20).toFixed(1) : "–");

/** A Markdown table, columns padded so it also reads well in a terminal. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

export const met = (ok: boolean): string => (ok ? "met" : "NOT met");

/** A port that was free a moment ago on loopback (for children that must be told their port in advance). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A temporary directory, removed when the process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `amtsbote-bench-${prefix}-`));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

export type StoreName = "sqlite" | "redis" | "postgres";

/** SQLite always (a file in `dir`); Redis and PostgreSQL when the test-service URLs are set. */
export function benchStores(dir: string): [StoreName, string | undefined][] {
  return [
    ["sqlite", `sqlite://${join(dir, "bench.sqlite")}`],
    ["redis", process.env.TEST_REDIS_URL],
    ["postgres", process.env.TEST_POSTGRES_URL],
  ];
}

/** A store namespace of its own per run, so benches never see each other's (or the tests') records. */
export const benchNamespace = (what: string): string =>
  `bench_${what}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;

/** Removes what a bench left in a shared server: the PostgreSQL schema, or the Redis keys of the namespace. */
export async function dropNamespace(url: string, namespace: string): Promise<void> {
  if (url.startsWith("postgres")) {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`);
    } finally {
      await client.end();
    }
  } else if (url.startsWith("redis")) {
    await redisCommand(url, [
      "EVAL",
      "local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) n = n + 1 end return n",
      "0",
      `${namespace}:*`,
    ]);
  }
}

/** One Redis command over a plain socket (RESP), for clean-up without another client library. */
async function redisCommand(url: string, args: string[]): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port || 6379), hostname || "127.0.0.1");
  const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
  return new Promise<string>((resolve, reject) => {
    let answer = "";
    socket.once("error", reject);
    socket.on("data", (chunk) => {
      answer += chunk.toString("utf8");
      if (answer.endsWith("\r\n")) {
        socket.end();
        resolve(answer);
      }
    });
    socket.write(payload);
  });
}

/** A WAHA stand-in on loopback and the real WAHA outlet pointed at it, without pacing. */
export async function loopbackWaha(): Promise<{ waha: FakeWaha; outlet: WahaOutlet }> {
  const waha = new FakeWaha();
  const outlet = new WahaOutlet({
    baseUrl: await waha.start(),
    apiKey: waha.apiKey,
    session: "default",
    channelId: waha.channelId,
    media: () => Promise.resolve(undefined),
  });
  return { waha, outlet };
}
