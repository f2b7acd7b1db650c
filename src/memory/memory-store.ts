import type { Announcement, AnnouncementId } from "../announcement/announcement.ts";
import type { Store } from "../ports/store.ts";
import { KeyedMutex } from "../util/keyed-mutex.ts";

/** Reference implementation of the store port for one process; used by tests. */
export class MemoryStore implements Store {
  readonly #records = new Map<AnnouncementId, string>();
  readonly #open = new Set<AnnouncementId>();
  readonly #sequences = new Map<string, number>();
  readonly #mutex = new KeyedMutex();
  readonly #claims = new Map<string, number>();

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

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
