import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const haveRedisServer = spawnSync("redis-server", ["--version"]).status === 0;

/** A Redis of its own, so stopping it disturbs no other test; the append-only file keeps data across restarts. */
export class OwnRedis {
  #child: ChildProcess | undefined;
  readonly port: number;
  readonly dir: string;

  constructor(port: number, dir = mkdtempSync(join(tmpdir(), "amtsbote-redis-"))) {
    this.port = port;
    this.dir = dir;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#child = spawn(
      "redis-server",
      [
        "--bind",
        "127.0.0.1",
        "--port",
        String(this.port),
        "--dir",
        this.dir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
      ],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 100; i++) {
      if (
        spawnSync("redis-cli", ["-p", String(this.port), "ping"])
          .stdout?.toString()
          .includes("PONG")
      )
        return;
      await pause(50);
    }
    throw new Error("redis-server did not start");
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
}

const pgBin = (() => {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const newest = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(root, newest, "bin") : undefined;
})();
/** PostgreSQL refuses to run as root: there it runs as the `postgres` user, as scripts/test-services.sh does. */
const asRoot = process.getuid?.() === 0;
const postgresUser = asRoot ? spawnSync("id", ["-u", "postgres"]).stdout?.toString().trim() : undefined;

export const havePostgresServer =
  pgBin !== undefined && existsSync(join(pgBin, "initdb")) && (!asRoot || Boolean(postgresUser));

/** A PostgreSQL cluster of its own in a temporary directory, so stopping it disturbs no other test. */
export class OwnPostgres {
  readonly port: number;
  readonly dir = mkdtempSync(join(tmpdir(), "amtsbote-pg-"));

  constructor(port: number) {
    this.port = port;
  }

  get url(): string {
    return `postgres://amtsbote@127.0.0.1:${this.port}/postgres`;
  }

  #run(tool: string, args: string[]): void {
    const command = join(pgBin ?? "", tool);
    const result = asRoot
      ? spawnSync("runuser", ["-u", "postgres", "--", command, ...args], { encoding: "utf8" })
      : spawnSync(command, args, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout}`);
  }

  /** Creates the cluster; then `start`. */
  init(): void {
    if (asRoot) chownSync(this.dir, Number(postgresUser), Number(postgresUser));
    this.#run("initdb", ["-D", join(this.dir, "data"), "-A", "trust", "-U", "amtsbote", "--no-sync"]);
  }

  start(): void {
    const options = `-c listen_addresses=127.0.0.1 -c port=${this.port} -c unix_socket_directories=${this.dir} -c fsync=off`;
    this.#run("pg_ctl", ["-D", join(this.dir, "data"), "-l", join(this.dir, "log"), "-w", "-o", options, "start"]);
  }

  /** A fast shutdown: the server ends every session, as when an admin stops it. */
  stop(): void {
    if (!existsSync(join(this.dir, "data", "postmaster.pid"))) return;
    this.#run("pg_ctl", ["-D", join(this.dir, "data"), "-m", "fast", "-w", "stop"]);
  }
}
