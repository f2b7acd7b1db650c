import type { Coordinator } from "./coordinator.ts";

type Query = (sql: string, ...params: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * SQLite: one file shared by every process on the machine; statements are atomic. Expiry times are
 * milliseconds since the epoch by this machine's clock, which every process sharing the file reads.
 */
export class SqliteCoordinator implements Coordinator {
  /** The tables' set-up; forgotten when it fails (a locked or missing file), so the next call tries again. */
  #ready: Promise<void> | undefined;

  readonly #query: Query;

  constructor(query: Query) {
    this.#query = query;
    // Started now; a failure reaches the next caller of #q and only keeps it from counting as unhandled here.
    this.#setUp().catch(() => undefined);
  }

  #setUp(): Promise<void> {
    this.#ready ??= (async () => {
      const query = this.#query;
      await query("PRAGMA journal_mode = WAL");
      await query("CREATE TABLE IF NOT EXISTS amtsbote_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
      await query(
        "CREATE TABLE IF NOT EXISTS amtsbote_leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires INTEGER NOT NULL)",
      );
      await query("CREATE TABLE IF NOT EXISTS amtsbote_open (id TEXT PRIMARY KEY)");
      await query("CREATE TABLE IF NOT EXISTS amtsbote_due (id TEXT PRIMARY KEY, due_at INTEGER NOT NULL)");
      await query("CREATE INDEX IF NOT EXISTS amtsbote_due_at ON amtsbote_due (due_at, id)");
      await query(
        "CREATE TABLE IF NOT EXISTS amtsbote_chat_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL)",
      );
      await query("CREATE INDEX IF NOT EXISTS amtsbote_chat_state_expires_at ON amtsbote_chat_state (expires_at)");
    })().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #q(sql: string, ...params: unknown[]) {
    await this.#setUp();
    return this.#query(sql, ...params);
  }

  async increment(name: string): Promise<number> {
    const rows = await this.#q(
      "INSERT INTO amtsbote_counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
      name,
    );
    return Number(rows[0]?.value);
  }

  async counter(name: string): Promise<number> {
    const rows = await this.#q("SELECT value FROM amtsbote_counters WHERE name = ?", name);
    return Number(rows[0]?.value ?? 0);
  }

  async tryAcquire(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    const rows = await this.#q(
      `INSERT INTO amtsbote_leases (key, owner, expires) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires
       WHERE amtsbote_leases.expires < ? RETURNING owner`,
      key,
      owner,
      now + leaseMs,
      now,
    );
    return rows[0]?.owner === owner;
  }

  async purgeExpired(): Promise<number> {
    const now = Date.now();
    const leases = await this.#q("DELETE FROM amtsbote_leases WHERE expires < ? RETURNING key", now);
    const chatState = await this.#q("DELETE FROM amtsbote_chat_state WHERE expires_at <= ? RETURNING key", now);
    return leases.length + chatState.length;
  }

  async renew(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.#q(
      "UPDATE amtsbote_leases SET expires = ? WHERE key = ? AND owner = ? AND expires >= ? RETURNING key",
      Date.now() + leaseMs,
      key,
      owner,
      Date.now(),
    );
    return rows.length > 0;
  }

  async release(key: string, owner: string): Promise<void> {
    await this.#q("DELETE FROM amtsbote_leases WHERE key = ? AND owner = ?", key, owner);
  }

  async leaseOf(key: string): Promise<{ owner: string; expiresInMs: number } | undefined> {
    const now = Date.now();
    const rows = await this.#q("SELECT owner, expires FROM amtsbote_leases WHERE key = ? AND expires >= ?", key, now);
    const row = rows[0];
    return row ? { owner: String(row.owner), expiresInMs: Number(row.expires) - now } : undefined;
  }

  async releaseOwnedBy(ownerPrefix: string): Promise<number> {
    const rows = await this.#q(
      "DELETE FROM amtsbote_leases WHERE substr(owner, 1, ?) = ? RETURNING key",
      ownerPrefix.length,
      ownerPrefix,
    );
    return rows.length;
  }

  async setDue(id: string, atMs: number | undefined): Promise<void> {
    if (atMs === undefined) await this.#q("DELETE FROM amtsbote_due WHERE id = ?", id);
    else {
      await this.#q(
        "INSERT INTO amtsbote_due (id, due_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at",
        id,
        atMs,
      );
    }
  }

  async lowerDue(id: string, atMs: number): Promise<void> {
    await this.#q(
      "INSERT INTO amtsbote_due (id, due_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET due_at = min(due_at, excluded.due_at)",
      id,
      atMs,
    );
  }

  async dueIds(nowMs: number, limit: number): Promise<string[]> {
    const rows = await this.#q(
      "SELECT id FROM amtsbote_due WHERE due_at <= ? ORDER BY due_at, id LIMIT ?",
      nowMs,
      limit,
    );
    return rows.map((r) => String(r.id));
  }

  async addOpen(id: string): Promise<void> {
    await this.#q("INSERT INTO amtsbote_open (id) VALUES (?) ON CONFLICT (id) DO NOTHING", id);
  }

  async removeOpen(id: string): Promise<void> {
    await this.#q("DELETE FROM amtsbote_open WHERE id = ?", id);
  }

  async listOpen(): Promise<string[]> {
    const rows = await this.#q("SELECT id FROM amtsbote_open ORDER BY id");
    return rows.map((r) => String(r.id));
  }

  async getChatState(key: string): Promise<string | undefined> {
    const rows = await this.#q(
      "SELECT value FROM amtsbote_chat_state WHERE key = ? AND expires_at > ?",
      key,
      Date.now(),
    );
    const value = rows[0]?.value;
    return typeof value === "string" ? value : undefined;
  }

  async putChatState(key: string, json: string, ttlMs: number): Promise<void> {
    await this.#q(
      `INSERT INTO amtsbote_chat_state (key, value, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
      key,
      json,
      Date.now() + ttlMs,
    );
  }

  async deleteChatState(key: string): Promise<void> {
    await this.#q("DELETE FROM amtsbote_chat_state WHERE key = ?", key);
  }

  /** Lets the table set-up finish before the connection goes. */
  async close(): Promise<void> {
    await this.#ready?.catch(() => undefined);
  }
}
