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
}

const RENEW_IF_OWNER = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

const RELEASE_IF_OWNER = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/**
 * Redis: SET NX PX for leases, INCR for counters, a set for the open index, SET PX for chat state
 * (`<prefix>chat:<key>`), so Redis itself forgets what expired.
 */
export class RedisCoordinator implements Coordinator {
  readonly #client: () => Promise<RedisCommands>;
  readonly #prefix: string;

  constructor(client: () => Promise<RedisCommands>, prefix = "amtsbote:") {
    this.#client = client;
    this.#prefix = prefix;
  }

  async increment(name: string): Promise<number> {
    return (await this.#client()).incr(`${this.#prefix}counter:${name}`);
  }

  async counter(name: string): Promise<number> {
    return Number((await (await this.#client()).get(`${this.#prefix}counter:${name}`)) ?? 0);
  }

  async tryAcquire(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const answer = await (
      await this.#client()
    ).set(`${this.#prefix}lease:${key}`, owner, { condition: "NX", expiration: { type: "PX", value: leaseMs } });
    return answer === "OK";
  }

  /** Redis expires its leases and chat state itself (`PX`). */
  async purgeExpired(): Promise<number> {
    return 0;
  }

  async renew(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const renewed = await (
      await this.#client()
    ).eval(RENEW_IF_OWNER, { keys: [`${this.#prefix}lease:${key}`], arguments: [owner, String(leaseMs)] });
    return Number(renewed) === 1;
  }

  async release(key: string, owner: string): Promise<void> {
    await (await this.#client()).eval(RELEASE_IF_OWNER, { keys: [`${this.#prefix}lease:${key}`], arguments: [owner] });
  }

  async leaseOf(key: string): Promise<{ owner: string; expiresInMs: number } | undefined> {
    const client = await this.#client();
    const full = `${this.#prefix}lease:${key}`;
    const [owner, left] = await Promise.all([client.get(full), client.pTTL(full)]);
    return owner !== null && left >= 0 ? { owner, expiresInMs: left } : undefined;
  }

  /** Scans the leases; used at start, when there are few. */
  async releaseOwnedBy(ownerPrefix: string): Promise<number> {
    const client = await this.#client();
    let released = 0;
    for await (const keys of client.scanIterator({ MATCH: `${this.#prefix}lease:*`, COUNT: 500 })) {
      for (const full of keys) {
        const owner = await client.get(full);
        if (owner?.startsWith(ownerPrefix)) {
          released += Number(await client.eval(RELEASE_IF_OWNER, { keys: [full], arguments: [owner] }));
        }
      }
    }
    return released;
  }

  async addOpen(id: string): Promise<void> {
    await (await this.#client()).sAdd(`${this.#prefix}open`, id);
  }

  async removeOpen(id: string): Promise<void> {
    await (await this.#client()).sRem(`${this.#prefix}open`, id);
  }

  async listOpen(): Promise<string[]> {
    return (await (await this.#client()).sMembers(`${this.#prefix}open`)).sort();
  }

  async getChatState(key: string): Promise<string | undefined> {
    return (await (await this.#client()).get(`${this.#prefix}chat:${key}`)) ?? undefined;
  }

  async putChatState(key: string, json: string, ttlMs: number): Promise<void> {
    const answer = await (
      await this.#client()
    ).set(`${this.#prefix}chat:${key}`, json, { expiration: { type: "PX", value: ttlMs } });
    if (answer !== "OK") throw new Error(`redis refused to write chat state ${key}`);
  }

  async deleteChatState(key: string): Promise<void> {
    await (await this.#client()).del(`${this.#prefix}chat:${key}`);
  }

  async close(): Promise<void> {}
}
