import type { Announcement, AnnouncementId } from "../announcement/announcement.ts";
import type { Store } from "../ports/store.ts";
import { KeyedMutex } from "../util/keyed-mutex.ts";

interface ChatStateEntry {
  json: string;
  /** Milliseconds since the epoch (`Date.now()`) from which the entry reads as absent. */
  expiresAt: number;
}

/** At least this many writes between two sweeps of expired chat state (and never fewer than there are entries). */
const CHAT_STATE_SWEEP_MIN_WRITES = 64;

/** Reference implementation of the store port for one process; used by tests. */
export class MemoryStore implements Store {
  readonly #records = new Map<AnnouncementId, string>();
  readonly #open = new Set<AnnouncementId>();
  readonly #sequences = new Map<string, number>();
  readonly #mutex = new KeyedMutex();
  readonly #claims = new Map<string, number>();
  readonly #due = new Map<AnnouncementId, number>();
  /** Announcement records read so far (`get` and each id of `getMany`), for tests that count what work reads. */
  recordReads = 0;

  async nextSequence(name: string): Promise<number> {
    const next = (this.#sequences.get(name) ?? 0) + 1;
    this.#sequences.set(name, next);
    return next;
  }

  async currentSequence(name: string): Promise<number> {
    return this.#sequences.get(name) ?? 0;
  }

  withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.#mutex.run(key, fn);
  }

  async tryLock<T>(key: string, fn: () => Promise<T>) {
    if (this.#mutex.isBusy(key)) return { acquired: false as const };
    return { acquired: true as const, value: await this.#mutex.run(key, fn) };
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    if ((this.#claims.get(key) ?? 0) > now) return false;
    this.#claims.set(key, now + ttlMs);
    return true;
  }

  async get(id: AnnouncementId): Promise<Announcement | undefined> {
    this.recordReads += 1;
    const raw = this.#records.get(id);
    return raw === undefined ? undefined : (JSON.parse(raw) as Announcement);
  }

  async getMany(ids: readonly AnnouncementId[]): Promise<(Announcement | undefined)[]> {
    return Promise.all(ids.map((id) => this.get(id)));
  }

  async put(announcement: Announcement): Promise<void> {
    this.#records.set(announcement.id, JSON.stringify(announcement));
  }

  async openIds(): Promise<AnnouncementId[]> {
    return [...this.#open].sort();
  }

  async markOpen(id: AnnouncementId): Promise<void> {
    this.#open.add(id);
  }

  async markClosed(id: AnnouncementId): Promise<void> {
    this.#open.delete(id);
  }

  async setDue(id: AnnouncementId, at: Date | undefined): Promise<void> {
    if (at === undefined) this.#due.delete(id);
    else this.#due.set(id, at.getTime());
  }

  async setDueNoLaterThan(id: AnnouncementId, at: Date): Promise<void> {
    this.#due.set(id, Math.min(this.#due.get(id) ?? Infinity, at.getTime()));
  }

  async dueIds(now: Date, limit: number): Promise<AnnouncementId[]> {
    return [...this.#due]
      .filter(([, at]) => at <= now.getTime())
      .sort(([a, x], [b, y]) => x - y || a.localeCompare(b))
      .slice(0, limit)
      .map(([id]) => id);
  }

  readonly #media = new Map<string, Uint8Array>();
  readonly #settings = new Map<string, string>();

  async getSetting(key: string): Promise<unknown> {
    const raw = this.#settings.get(key);
    return raw === undefined ? undefined : JSON.parse(raw);
  }

  async putSetting(key: string, value: unknown): Promise<void> {
    this.#settings.set(key, JSON.stringify(value));
  }

  async putMedia(sha256: string, bytes: Uint8Array): Promise<void> {
    this.#media.set(sha256, Uint8Array.from(bytes));
  }

  async getMedia(sha256: string): Promise<Uint8Array | undefined> {
    const bytes = this.#media.get(sha256);
    return bytes && Uint8Array.from(bytes);
  }

  readonly #chatState = new Map<string, ChatStateEntry>();
  #chatStateWritesSinceSweep = 0;

  async getChatState(key: string): Promise<unknown> {
    const entry = this.#chatState.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#chatState.delete(key);
      return undefined;
    }
    return JSON.parse(entry.json);
  }

  async putChatState(key: string, value: unknown, ttlMs: number): Promise<void> {
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) throw new TypeError(`chat state ${key}: value is not JSON`);
    if (!Number.isFinite(ttlMs) || ttlMs <= 0)
      throw new RangeError(`chat state ${key}: ttlMs must be > 0, not ${ttlMs}`);
    // Sweeping once the writes since the last sweep reach the number of entries keeps the work per write
    // constant, and the map no larger than what was live at the last sweep plus the writes since (or 64).
    if (++this.#chatStateWritesSinceSweep >= Math.max(CHAT_STATE_SWEEP_MIN_WRITES, this.#chatState.size)) {
      this.purgeExpiredChatState();
    }
    this.#chatState.set(key, { json, expiresAt: Date.now() + Math.ceil(ttlMs) });
  }

  async deleteChatState(key: string): Promise<void> {
    this.#chatState.delete(key);
  }

  /** Drops every expired chat state entry and returns how many; `putChatState` calls it now and then. */
  purgeExpiredChatState(): number {
    this.#chatStateWritesSinceSweep = 0;
    const now = Date.now();
    let purged = 0;
    for (const [key, entry] of this.#chatState) {
      if (entry.expiresAt <= now) {
        this.#chatState.delete(key);
        purged++;
      }
    }
    return purged;
  }

  /** How many chat state entries are held, expired ones not yet dropped included (for tests). */
  get chatStateSize(): number {
    return this.#chatState.size;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
