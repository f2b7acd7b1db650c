import pg from "pg";
import type { Coordinator } from "./coordinator.ts";

/**
 * Creates the schema and tables once, under an advisory lock: concurrent `CREATE … IF NOT EXISTS`
 * from processes starting together can otherwise fail. Includes the table @keyv/postgres would create.
 */
export async function preparePostgres(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(`BEGIN;
      SELECT pg_advisory_xact_lock(hashtext('amtsbote:schema'));
      CREATE SCHEMA IF NOT EXISTS ${schema};
      CREATE TABLE IF NOT EXISTS ${schema}.keyv (key VARCHAR(255) PRIMARY KEY, value TEXT);
      CREATE TABLE IF NOT EXISTS ${schema}.amtsbote_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
      CREATE TABLE IF NOT EXISTS ${schema}.amtsbote_leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires TIMESTAMPTZ NOT NULL);
      CREATE TABLE IF NOT EXISTS ${schema}.amtsbote_open (id TEXT PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS ${schema}.amtsbote_due (id TEXT PRIMARY KEY, due_at BIGINT NOT NULL);
      CREATE INDEX IF NOT EXISTS amtsbote_due_at ON ${schema}.amtsbote_due (due_at, id);
      CREATE TABLE IF NOT EXISTS ${schema}.amtsbote_chat_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL);
      CREATE INDEX IF NOT EXISTS amtsbote_chat_state_expires_at ON ${schema}.amtsbote_chat_state (expires_at);
      COMMIT;`);
  } finally {
    await client.end();
  }
}

type Query = (sql: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

/** PostgreSQL: lease and chat state expiry use the server's clock, so processes on several machines agree. */
export class PostgresCoordinator implements Coordinator {
  readonly #query: Query;
  readonly #counters: string;
  readonly #leases: string;
  readonly #open: string;
  readonly #due: string;
  readonly #chatState: string;

  /** `schema` must be a plain identifier, and `preparePostgres` must have run for it. */
  constructor(query: Query, schema: string) {
    this.#query = query;
    this.#counters = `${schema}.amtsbote_counters`;
    this.#leases = `${schema}.amtsbote_leases`;
    this.#open = `${schema}.amtsbote_open`;
    this.#due = `${schema}.amtsbote_due`;
    this.#chatState = `${schema}.amtsbote_chat_state`;
  }

  async increment(name: string): Promise<number> {
    const rows = await this.#query(
      `INSERT INTO ${this.#counters} AS c (name, value) VALUES ($1, 1)
       ON CONFLICT (name) DO UPDATE SET value = c.value + 1 RETURNING value`,
      [name],
    );
    return Number(rows[0]?.value);
  }

  async counter(name: string): Promise<number> {
    const rows = await this.#query(`SELECT value FROM ${this.#counters} WHERE name = $1`, [name]);
    return Number(rows[0]?.value ?? 0);
  }

  async tryAcquire(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.#query(
      `INSERT INTO ${this.#leases} AS l (key, owner, expires) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, expires = EXCLUDED.expires
       WHERE l.expires < now() RETURNING owner`,
      [key, owner, leaseMs],
    );
    return rows[0]?.owner === owner;
  }

  async purgeExpired(): Promise<number> {
    const leases = await this.#query(`DELETE FROM ${this.#leases} WHERE expires < now() RETURNING key`);
    const chatState = await this.#query(`DELETE FROM ${this.#chatState} WHERE expires_at <= now() RETURNING key`);
    return leases.length + chatState.length;
  }

  async renew(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.#query(
      `UPDATE ${this.#leases} SET expires = now() + $3 * interval '1 millisecond'
       WHERE key = $1 AND owner = $2 AND expires >= now() RETURNING key`,
      [key, owner, leaseMs],
    );
    return rows.length > 0;
  }

  async release(key: string, owner: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#leases} WHERE key = $1 AND owner = $2`, [key, owner]);
  }

  async leaseOf(key: string): Promise<{ owner: string; expiresInMs: number } | undefined> {
    const rows = await this.#query(
      `SELECT owner, (extract(epoch FROM expires - now()) * 1000)::bigint AS left_ms
       FROM ${this.#leases} WHERE key = $1 AND expires >= now()`,
      [key],
    );
    const row = rows[0];
    return row ? { owner: String(row.owner), expiresInMs: Number(row.left_ms) } : undefined;
  }

  async releaseOwnedBy(ownerPrefix: string): Promise<number> {
    const rows = await this.#query(`DELETE FROM ${this.#leases} WHERE left(owner, length($1)) = $1 RETURNING key`, [
      ownerPrefix,
    ]);
    return rows.length;
  }

  async setDue(id: string, atMs: number | undefined): Promise<void> {
    if (atMs === undefined) await this.#query(`DELETE FROM ${this.#due} WHERE id = $1`, [id]);
    else {
      await this.#query(
        `INSERT INTO ${this.#due} (id, due_at) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET due_at = EXCLUDED.due_at`,
        [id, atMs],
      );
    }
  }

  async lowerDue(id: string, atMs: number): Promise<void> {
    await this.#query(
      `INSERT INTO ${this.#due} AS d (id, due_at) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET due_at = LEAST(d.due_at, EXCLUDED.due_at)`,
      [id, atMs],
    );
  }

  async dueIds(nowMs: number, limit: number): Promise<string[]> {
    const rows = await this.#query(`SELECT id FROM ${this.#due} WHERE due_at <= $1 ORDER BY due_at, id LIMIT $2`, [
      nowMs,
      limit,
    ]);
    return rows.map((r) => String(r.id));
  }

  async addOpen(id: string): Promise<void> {
    await this.#query(`INSERT INTO ${this.#open} (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [id]);
  }

  async removeOpen(id: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#open} WHERE id = $1`, [id]);
  }

  async listOpen(): Promise<string[]> {
    const rows = await this.#query(`SELECT id FROM ${this.#open} ORDER BY id`);
    return rows.map((r) => String(r.id));
  }

  async getChatState(key: string): Promise<string | undefined> {
    const rows = await this.#query(`SELECT value FROM ${this.#chatState} WHERE key = $1 AND expires_at > now()`, [key]);
    const value = rows[0]?.value;
    return typeof value === "string" ? value : undefined;
  }

  async putChatState(key: string, json: string, ttlMs: number): Promise<void> {
    await this.#query(
      `INSERT INTO ${this.#chatState} (key, value, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
      [key, json, ttlMs],
    );
  }

  async deleteChatState(key: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#chatState} WHERE key = $1`, [key]);
  }

  async close(): Promise<void> {}
}
