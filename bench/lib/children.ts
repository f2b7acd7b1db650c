// Child processes of the benchmarks: helpers that announce themselves with one JSON line, and amtsbote itself
// (`node adapters/main.ts`) observed through its ops endpoint.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { get } from "node:http";
import { fileURLToPath } from "node:url";
import { childEnv } from "../../tests/fakes/child-env.ts";
import { sleep } from "./common.ts";

/** The Node flags `npm start` and the container use (package.json "start"). */
export const START_FLAGS: readonly string[] = ["--max-semi-space-size=2"];
/** The flags amtsbote runs with in the benches: BENCH_NODE_FLAGS when set (to compare flags), else START_FLAGS. */
export const BENCH_FLAGS: readonly string[] = process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? START_FLAGS;

export const MAIN = fileURLToPath(new URL("../../adapters/main.ts", import.meta.url));

/** Keeps the last `limit` characters of a stream, for error messages. */
function tail(stream: NodeJS.ReadableStream, limit = 8_000): () => string {
  let text = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    text = (text + chunk).slice(-limit);
  });
  return () => text;
}

export interface Helper<T> {
  child: ChildProcessWithoutNullStreams;
  info: T;
  /** Writes `line` to its stdin and resolves to the next JSON line it prints. */
  ask<A>(line: string): Promise<A>;
  /** Ends its stdin (its signal to stop) and waits for it to exit. */
  stop(): Promise<number | null>;
}

/** Starts a helper script and waits for the JSON line it prints once it is ready. */
export async function startHelper<T>(script: string, env: Record<string, string> = {}): Promise<Helper<T>> {
  const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url))], {
    env: childEnv(env),
  });
  const errors = tail(child.stderr);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const waiters: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let buffered = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      waiters.shift()?.resolve(line);
    }
  });
  void exited.then((code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`${script} exited (${code}):\n${errors()}`));
  });
  const nextLine = () => new Promise<string>((resolve, reject) => waiters.push({ resolve, reject }));
  const info = JSON.parse(await nextLine()) as T;
  return {
    child,
    info,
    ask: async <A>(line: string) => {
      const answer = nextLine();
      child.stdin.write(`${line}\n`);
      return JSON.parse(await answer) as A;
    },
    stop: async () => {
      child.stdin.end();
      return exited;
    },
  };
}

/** GET on loopback: status and body, or status 0 when nothing answers yet. */
export function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", () => resolve({ status: 0, body }));
    });
    req.on("error", () => resolve({ status: 0, body: "" }));
  });
}

/** The value of one Prometheus sample (the first line starting with `name`), NaN when absent. */
export function metricValue(text: string, name: string): number {
  for (const line of text.split("\n")) {
    if (line.startsWith(name) && (line[name.length] === " " || line[name.length] === "{")) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return NaN;
}

/** amtsbote started as `npm start` starts it, with stdin kept open, watched through `OPS_PORT`. */
export class AmtsboteProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly startedAt = performance.now();
  readonly opsPort: number;
  readonly exited: Promise<number | null>;
  readonly #errors: () => string;
  readonly #output: () => string;

  constructor(cwd: string, opsPort: number, env: Record<string, string>, nodeFlags: readonly string[] = BENCH_FLAGS) {
    this.opsPort = opsPort;
    this.child = spawn(process.execPath, [...nodeFlags, MAIN], {
      cwd,
      env: childEnv({ LOG_LEVEL: "warn", OPS_PORT: String(opsPort), ...env }),
    });
    this.#errors = tail(this.child.stderr);
    this.#output = tail(this.child.stdout);
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  /** Milliseconds from spawn to the first 200 of `/readyz`, polled every `everyMs`. */
  async ready(timeoutMs = 30_000, everyMs = 5): Promise<number> {
    const deadline = this.startedAt + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`amtsbote exited (${this.child.exitCode}):\n${this.log()}`);
      const { status } = await httpGet(this.opsPort, "/readyz");
      if (status === 200) return performance.now() - this.startedAt;
      if (performance.now() > deadline) throw new Error(`amtsbote not ready within ${timeoutMs} ms:\n${this.log()}`);
      await sleep(everyMs);
    }
  }

  async metrics(): Promise<string> {
    const { status, body } = await httpGet(this.opsPort, "/metrics");
    if (status !== 200) throw new Error(`/metrics answered ${status}`);
    return body;
  }

  log(): string {
    return `--- stdout ---\n${this.#output()}\n--- stderr ---\n${this.#errors()}`;
  }

  /** SIGTERM, as an operator stops it; SIGKILL if it has not exited after `graceMs`. Resolves to the exit code. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
