import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { childEnv } from "./child-env.ts";

const MAIN = fileURLToPath(new URL("../../adapters/main.ts", import.meta.url));

/** amtsbote started as `npm start` would, in its own process, driven through the console chat. */
export class BotProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  #out = "";
  #err = "";
  #waiters: (() => void)[] = [];

  constructor(cwd: string, env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [MAIN], { cwd, env: childEnv({ LOG_LEVEL: "warn", OPS_PORT: "0", ...env }) });
    this.child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      this.#out += chunk;
      for (const w of this.#waiters.splice(0)) w();
    });
    this.child.stderr.setEncoding("utf8").on("data", (chunk: string) => (this.#err += chunk));
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  get output(): string {
    return this.#out;
  }

  get errors(): string {
    return this.#err;
  }

  say(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Resolves once the output (from `from` on) matches; fails after `ms` with what was seen. */
  async waitFor(pattern: RegExp, ms = 15_000, from = 0): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = pattern.exec(this.#out.slice(from));
      if (match) return match[0];
      const left = deadline - Date.now();
      if (left <= 0 || this.child.exitCode !== null) {
        throw new Error(`timed out waiting for ${pattern}\n--- stdout ---\n${this.#out}\n--- stderr ---\n${this.#err}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once the log (stderr) matches; fails after `ms` with what was seen. */
  async waitForLog(pattern: RegExp, ms = 15_000, pollMs = 20): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pattern.test(this.#err)) {
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`timed out waiting for log ${pattern}\n--- stderr ---\n${this.#err}`);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Says `line` and waits for its answer (in what is printed from now on). */
  async tell(line: string, answer: RegExp, ms = 15_000): Promise<string> {
    const from = this.#out.length;
    this.say(line);
    return this.waitFor(answer, ms, from);
  }

  /** Says `line` until its answer matches: for state that another task of the bot settles a moment later. */
  async askUntil(line: string, pattern: RegExp, tries = 20): Promise<string> {
    for (let i = 1; ; i++) {
      const from = this.#out.length;
      this.say(line);
      try {
        return await this.waitFor(pattern, 500, from);
      } catch (error) {
        if (i >= tries) throw error;
      }
    }
  }

  async kill9(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.exited;
  }

  async end(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }
}

export const count = (text: string, pattern: RegExp): number => text.match(new RegExp(pattern, "g"))?.length ?? 0;

/** Drafts A-0001 and has it approved (two approvals: `umfrage` in the example policy). */
export async function approveA0001(bot: BotProcess, text: string): Promise<void> {
  await bot.tell(`announce ${text} --category umfrage`, /A-0001 ist angelegt/);
  await bot.tell("as carla approve A-0001", /Freigabe für A-0001 ist vermerkt/);
  await bot.tell("as erik approve A-0001", /A-0001 ist freigegeben/);
}
