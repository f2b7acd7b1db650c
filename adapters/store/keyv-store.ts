import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
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
  /**
   * Names this installation's process across restarts (default: the host name); every lease carries it, so a
   * restarted process takes back its previous run's leases at once instead of waiting for them to expire.
   * Processes running side by side need different ids.
   */
  instanceId?: string;
}

/** What taking over from the previous run of this instance found. */
export type PreviousRun =
  | { state: "none" }
  | { state: "reclaimed"; leases: number }
  /** Another live process uses the same instance id: nothing is taken from it. */
  | { state: "twin"; owner: string };

/**
 * True when `owner` ran on this host and its process is gone: a pid cannot belong to two live processes, so one
 * equal to ours (a container's pid 1 restarted) or one no longer running was a previous run.
 */
function diedOnThisHost(owner: string): boolean {
  const [, where] = owner.split("/");
  const [host, pidText] = (where ?? "").split(":");
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === "ESRCH";
  }
}

/** Every held lease is extended this often (a third of its length, at least every `RENEW_MIN_MS`). */
const RENEW_SHARE = 3;
const RENEW_MIN_MS = 50;

/** The lease that says this instance is running; renewed like any other while the store is open. */
const INSTANCE_LEASE_MS = 9_000;

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
  readonly #instanceId: string;
  readonly #owner: string;
  /** Leases this process holds now, each with its renewal timer. */
  readonly #held = new Map<string, NodeJS.Timeout>();
  #closing: Promise<void> | undefined;
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
    this.#instanceId = (options.instanceId ?? hostname()).replaceAll("/", "_");
    this.#owner = `${this.#instanceId}/${hostname()}:${process.pid}/${randomUUID()}`;
  }

  /** The instance this process runs as; its leases are held as `<instance id>/<host>:<pid>/<run>`. */
  get instanceId(): string {
    return this.#instanceId;
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
      return this.#holding(key, leaseMs, fn);
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
      return { acquired: true as const, value: await this.#holding(key, leaseMs, fn) };
    });
  }

  /** Runs `fn` under the lease, renewing it while `fn` runs, so a lease can be short and still outlast slow work. */
  async #holding<T>(key: string, leaseMs: number, fn: () => Promise<T>): Promise<T> {
    this.#keepRenewing(key, leaseMs);
    try {
      return await fn();
    } finally {
      clearInterval(this.#held.get(key));
      this.#held.delete(key);
      await this.#coordinator.release(key, this.#owner);
    }
  }

  #keepRenewing(key: string, leaseMs: number): void {
    const timer = setInterval(
      () => {
        this.#coordinator.renew(key, this.#owner, leaseMs).catch(() => undefined);
      },
      Math.max(RENEW_MIN_MS, Math.floor(leaseMs / RENEW_SHARE)),
    );
    timer.unref();
    this.#held.set(key, timer);
  }

  /**
   * Takes over from this instance's previous run, which may have died holding leases (kill -9, power loss):
   * they are released at once. If the previous run's instance lease is still live, it is watched for one renewal
   * period first: renewed means another process is running with the same instance id, and nothing is taken.
   * From here on this process holds the instance lease until it closes. Call it before taking any lease.
   */
  async takeOverFromPreviousRun(): Promise<PreviousRun> {
    const key = `instance:${this.#instanceId}`;
    const before = await this.#coordinator.leaseOf(key);
    if (before && before.owner !== this.#owner && !diedOnThisHost(before.owner)) {
      const start = Date.now();
      await new Promise((resolve) => setTimeout(resolve, INSTANCE_LEASE_MS / RENEW_SHARE + 500));
      const after = await this.#coordinator.leaseOf(key);
      // A dead holder's lease only runs down; a live one's was pushed forward meanwhile.
      const runDown = before.expiresInMs - (Date.now() - start);
      if (after && after.owner === before.owner && after.expiresInMs > runDown + 250) {
        return { state: "twin", owner: before.owner };
      }
    }
    const leases = await this.#coordinator.releaseOwnedBy(`${this.#instanceId}/`);
    if (!(await this.#coordinator.tryAcquire(key, this.#owner, INSTANCE_LEASE_MS))) {
      const holder = await this.#coordinator.leaseOf(key);
      return { state: "twin", owner: holder?.owner ?? "unknown" };
    }
    this.#keepRenewing(key, INSTANCE_LEASE_MS);
    return leases > 0 ? { state: "reclaimed", leases } : { state: "none" };
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

  setDue(id: AnnouncementId, at: Date | undefined): Promise<void> {
    return this.#coordinator.setDue(id, at?.getTime());
  }

  setDueNoLaterThan(id: AnnouncementId, at: Date): Promise<void> {
    return this.#coordinator.lowerDue(id, at.getTime());
  }

  async dueIds(now: Date, limit: number): Promise<AnnouncementId[]> {
    return (await this.#coordinator.dueIds(now.getTime(), limit)) as AnnouncementId[];
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

  /** Gives up every lease this process still holds (work cut off at the shutdown bound), then disconnects; once. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    for (const timer of this.#held.values()) clearInterval(timer);
    this.#held.clear();
    await this.#coordinator.releaseOwnedBy(this.#owner).catch(() => undefined);
    await this.#coordinator.close();
    await this.#records.disconnect();
  }
}
