import type { Coordinator } from "./coordinator.ts";

/** The few commands of a node-redis v5 client this uses. */
export interface RedisCommands {
  incr(key: string): Promise<number>;
  get(key: string): Promise<string | null>;
  set(
    key: string,
    value: string,
    options: { condition?: "NX"; expiration: { type: "PX"; value: number } },
  ): Promise<string | null>;
  del(key: string): Promise<number>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  pTTL(key: string): Promise<number>;
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>;
  sAdd(key: string, member: string): Promise<number>;
  sRem(key: string, member: string): Promise<number>;
  sMembers(key: string): Promise<string[]>;
  zAdd(key: string, member: { score: number; value: string }, options?: { comparison: "LT" }): Promise<number>;
  zRem(key: string, member: string): Promise<number>;
  zRangeByScore(
    key: string,
    min: number | string,
    max: number,
    options: { LIMIT: { offset: number; count: number } },
  ): Promise<string[]>;
}

/** Runs one command on the connected client; the caller decides how a failure of the connection surfaces. */
export type RedisRun = <T>(command: (client: RedisCommands) => Promise<T>) => Promise<T>;

const RENEW_IF_OWNER = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

const RELEASE_IF_OWNER = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/**
 * Redis: SET NX PX for leases, INCR for counters, a set for the open index, SET PX for chat state
 * (`<prefix>chat:<key>`), so Redis itself forgets what expired.
 */
export class RedisCoordinator implements Coordinator {
  readonly #run: RedisRun;
  readonly #prefix: string;

  constructor(run: RedisRun, prefix = "amtsbote:") {
    this.#run = run;
    this.#prefix = prefix;
  }

  async increment(name: string): Promise<number> {
    return this.#run((c) => c.incr(`${this.#prefix}counter:${name}`));
  }

  async counter(name: string): Promise<number> {
    return Number((await this.#run((c) => c.get(`${this.#prefix}counter:${name}`))) ?? 0);
  }

  async tryAcquire(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const answer = await this.#run((c) =>
      c.set(`${this.#prefix}lease:${key}`, owner, { condition: "NX", expiration: { type: "PX", value: leaseMs } }),
    );
    return answer === "OK";
  }

  /** Redis expires its leases and chat state itself (`PX`). */
  async purgeExpired(): Promise<number> {
    return 0;
  }

  async renew(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const renewed = await this.#run((c) =>
      c.eval(RENEW_IF_OWNER, { keys: [`${this.#prefix}lease:${key}`], arguments: [owner, String(leaseMs)] }),
    );
    return Number(renewed) === 1;
  }

  async release(key: string, owner: string): Promise<void> {
    await this.#run((c) => c.eval(RELEASE_IF_OWNER, { keys: [`${this.#prefix}lease:${key}`], arguments: [owner] }));
  }

  async leaseOf(key: string): Promise<{ owner: string; expiresInMs: number } | undefined> {
    const full = `${this.#prefix}lease:${key}`;
    const [owner, left] = await this.#run((c) => Promise.all([c.get(full), c.pTTL(full)]));
    return owner !== null && left >= 0 ? { owner, expiresInMs: left } : undefined;
  }

  /** Scans the leases; used at start, when there are few. */
  releaseOwnedBy(ownerPrefix: string): Promise<number> {
    return this.#run(async (c) => {
      let released = 0;
      for await (const keys of c.scanIterator({ MATCH: `${this.#prefix}lease:*`, COUNT: 500 })) {
        for (const full of keys) {
          const owner = await c.get(full);
          if (owner?.startsWith(ownerPrefix)) {
            released += Number(await c.eval(RELEASE_IF_OWNER, { keys: [full], arguments: [owner] }));
          }
        }
      }
      return released;
    });
  }

  /** A sorted set scored by due time; ties come out in id order, as Redis sorts equal scores by member. */
  async setDue(id: string, atMs: number | undefined): Promise<void> {
    const key = `${this.#prefix}due`;
    await this.#run((c) => (atMs === undefined ? c.zRem(key, id) : c.zAdd(key, { score: atMs, value: id })));
  }

  async lowerDue(id: string, atMs: number): Promise<void> {
    await this.#run((c) => c.zAdd(`${this.#prefix}due`, { score: atMs, value: id }, { comparison: "LT" }));
  }

  dueIds(nowMs: number, limit: number): Promise<string[]> {
    return this.#run((c) =>
      c.zRangeByScore(`${this.#prefix}due`, "-inf", nowMs, { LIMIT: { offset: 0, count: limit } }),
    );
  }

  async addOpen(id: string): Promise<void> {
    await this.#run((c) => c.sAdd(`${this.#prefix}open`, id));
  }

  async removeOpen(id: string): Promise<void> {
    await this.#run((c) => c.sRem(`${this.#prefix}open`, id));
  }

  async listOpen(): Promise<string[]> {
    return (await this.#run((c) => c.sMembers(`${this.#prefix}open`))).sort();
  }

  async getChatState(key: string): Promise<string | undefined> {
    return (await this.#run((c) => c.get(`${this.#prefix}chat:${key}`))) ?? undefined;
  }

  async putChatState(key: string, json: string, ttlMs: number): Promise<void> {
    const answer = await this.#run((c) =>
      c.set(`${this.#prefix}chat:${key}`, json, { expiration: { type: "PX", value: ttlMs } }),
    );
    if (answer !== "OK") throw new Error(`redis refused to write chat state ${key}`);
  }

  async deleteChatState(key: string): Promise<void> {
    await this.#run((c) => c.del(`${this.#prefix}chat:${key}`));
  }

  async close(): Promise<void> {}
}
