import { randomUUID } from "node:crypto";
import type Keyv from "keyv";
import type { Announcement, AnnouncementId } from "../../src/announcement/announcement.ts";
import type { Store } from "../../src/ports/store.ts";
import { KeyedMutex } from "../../src/util/keyed-mutex.ts";
import type { Coordinator } from "./coordinator.ts";

export type StoredValue = Announcement | string;

export interface KeyvStoreOptions {
  /** Give up waiting for a lease after this long. */
  lockWaitMs?: number;
  defaultLeaseMs?: number;
  /** Sweep expired leases and chat state at most this often (checked on `claimOnce` and `putChatState`). */
  purgeEveryMs?: number;
}

/**
 * Expired claims (one per chat event) and chat state entries stay in SQLite and PostgreSQL until swept
 * (they read as absent meanwhile); this often is enough.
 */
const PURGE_EVERY_MS = 10 * 60_000;

/** The JSON text of a chat state value; throws for what JSON cannot hold (undefined, functions, symbols). */
function chatStateJson(key: string, value: unknown): string {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new TypeError(`chat state ${key}: value is not JSON`);
  return json;
}

/** A whole number of milliseconds, at least 1; throws for anything else. */
function chatStateTtl(key: string, ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`chat state ${key}: ttlMs must be > 0, not ${ttlMs}`);
  return Math.ceil(ttlMs);
}

/**
 * Announcements as keyv records; the atomic parts done natively by the coordinator.
 * Within a process, work on one key is serialised by a mutex; across processes, by a lease.
 */
export class KeyvStore implements Store {
  readonly #owner = randomUUID();
  #lastPurge = 0;
  readonly #mutex = new KeyedMutex();
  readonly #lockWaitMs: number;
  readonly #defaultLeaseMs: number;
  readonly #purgeEveryMs: number;

  readonly #records: Keyv<StoredValue>;
  readonly #coordinator: Coordinator;

  /**
   * Records are announcements under their id; pictures and videos base64 under `media:<sha256>`; settings JSON
   * under `setting:<key>`. Chat state lives with the coordinator, which expires it natively.
   */
  constructor(records: Keyv<StoredValue>, coordinator: Coordinator, options: KeyvStoreOptions = {}) {
    this.#records = records;
    this.#coordinator = coordinator;
    this.#lockWaitMs = options.lockWaitMs ?? 30_000;
    this.#defaultLeaseMs = options.defaultLeaseMs ?? 15_000;
    this.#purgeEveryMs = options.purgeEveryMs ?? PURGE_EVERY_MS;
  }

  nextSequence(name: string): Promise<number> {
    return this.#coordinator.increment(name);
  }

  currentSequence(name: string): Promise<number> {
    return this.#coordinator.counter(name);
  }

  withLock<T>(key: string, fn: () => Promise<T>, leaseMs = this.#defaultLeaseMs): Promise<T> {
    return this.#mutex.run(key, async () => {
      const giveUpAt = Date.now() + this.#lockWaitMs;
      let pause = 2;
      while (!(await this.#coordinator.tryAcquire(key, this.#owner, leaseMs))) {
        if (Date.now() > giveUpAt) throw new Error(`timed out waiting for lock ${key}`);
        await new Promise((resolve) => setTimeout(resolve, pause + Math.random() * pause));
        pause = Math.min(pause * 2, 100);
      }
      return this.#holding(key, fn);
    });
  }

  async tryLock<T>(
    key: string,
    fn: () => Promise<T>,
    leaseMs = this.#defaultLeaseMs,
  ): Promise<{ acquired: true; value: T } | { acquired: false }> {
    if (this.#mutex.isBusy(key)) return { acquired: false };
    return this.#mutex.run(key, async () => {
      if (!(await this.#coordinator.tryAcquire(key, this.#owner, leaseMs))) return { acquired: false as const };
      return { acquired: true as const, value: await this.#holding(key, fn) };
    });
  }

  async #holding<T>(key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      await this.#coordinator.release(key, this.#owner);
    }
  }

  /** A lease nobody releases: it frees itself after `ttlMs`; expired ones are swept now and then. */
  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    await this.#purgeNowAndThen();
    return this.#coordinator.tryAcquire(`claim:${key}`, randomUUID(), ttlMs);
  }

  /** Sweeps expired claims and chat state when the last sweep is `purgeEveryMs` ago; called by the writers of both. */
  async #purgeNowAndThen(): Promise<void> {
    if (Date.now() - this.#lastPurge < this.#purgeEveryMs) return;
    this.#lastPurge = Date.now();
    await this.#coordinator.purgeExpired();
  }

  async get(id: AnnouncementId): Promise<Announcement | undefined> {
    const value = await this.#records.get(id);
    return typeof value === "object" ? value : undefined;
  }

  async getMany(ids: readonly AnnouncementId[]): Promise<(Announcement | undefined)[]> {
    if (ids.length === 0) return [];
    const values = await this.#records.getMany([...ids]);
    return values.map((value) => (typeof value === "object" && value !== null ? value : undefined));
  }

  async put(announcement: Announcement): Promise<void> {
    const written = await this.#records.set(announcement.id, announcement);
    if (!written) throw new Error(`store refused to write ${announcement.id}`);
  }

  async openIds(): Promise<AnnouncementId[]> {
    return (await this.#coordinator.listOpen()) as AnnouncementId[];
  }

  markOpen(id: AnnouncementId): Promise<void> {
    return this.#coordinator.addOpen(id);
  }

  markClosed(id: AnnouncementId): Promise<void> {
    return this.#coordinator.removeOpen(id);
  }

  async getSetting(key: string): Promise<unknown> {
    const raw = await this.#records.get(`setting:${key}`);
    return typeof raw === "string" ? JSON.parse(raw) : undefined;
  }

  async putSetting(key: string, value: unknown): Promise<void> {
    const written = await this.#records.set(`setting:${key}`, JSON.stringify(value));
    if (!written) throw new Error(`store refused to write setting ${key}`);
  }

  async putMedia(sha256: string, bytes: Uint8Array): Promise<void> {
    const written = await this.#records.set(`media:${sha256}`, Buffer.from(bytes).toString("base64"));
    if (!written) throw new Error(`store refused to write media ${sha256}`);
  }

  async getMedia(sha256: string): Promise<Uint8Array | undefined> {
    const base64 = await this.#records.get(`media:${sha256}`);
    return typeof base64 === "string" ? new Uint8Array(Buffer.from(base64, "base64")) : undefined;
  }

  async getChatState(key: string): Promise<unknown> {
    const json = await this.#coordinator.getChatState(key);
    return json === undefined ? undefined : JSON.parse(json);
  }

  async putChatState(key: string, value: unknown, ttlMs: number): Promise<void> {
    const json = chatStateJson(key, value);
    const ttl = chatStateTtl(key, ttlMs);
    await this.#purgeNowAndThen();
    await this.#coordinator.putChatState(key, json, ttl);
  }

  deleteChatState(key: string): Promise<void> {
    return this.#coordinator.deleteChatState(key);
  }

  async ping(): Promise<void> {
    await this.#coordinator.counter("announcement");
  }

  async close(): Promise<void> {
    await this.#coordinator.close();
    await this.#records.disconnect();
  }
}
