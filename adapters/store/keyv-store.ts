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
}

/**
 * Announcements as keyv records; the atomic parts done natively by the coordinator.
 * Within a process, work on one key is serialised by a mutex; across processes, by a lease.
 */
/** Claims (one per chat event) stay in SQLite and PostgreSQL until swept; this often is enough. */
const PURGE_EVERY_MS = 10 * 60_000;

export class KeyvStore implements Store {
  readonly #owner = randomUUID();
  #lastPurge = 0;
  readonly #mutex = new KeyedMutex();
  readonly #lockWaitMs: number;
  readonly #defaultLeaseMs: number;

  readonly #records: Keyv<StoredValue>;
  readonly #coordinator: Coordinator;

  /** Records are announcements under their id; pictures and videos base64 under `media:<sha256>`; settings JSON under `setting:<key>`. */
  constructor(records: Keyv<StoredValue>, coordinator: Coordinator, options: KeyvStoreOptions = {}) {
    this.#records = records;
    this.#coordinator = coordinator;
    this.#lockWaitMs = options.lockWaitMs ?? 30_000;
    this.#defaultLeaseMs = options.defaultLeaseMs ?? 15_000;
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
    if (Date.now() - this.#lastPurge > PURGE_EVERY_MS) {
      this.#lastPurge = Date.now();
      await this.#coordinator.purgeExpired();
    }
    return this.#coordinator.tryAcquire(`claim:${key}`, randomUUID(), ttlMs);
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

  async ping(): Promise<void> {
    await this.#coordinator.counter("announcement");
  }

  async close(): Promise<void> {
    await this.#coordinator.close();
    await this.#records.disconnect();
  }
}
