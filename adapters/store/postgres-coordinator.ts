import type { Coordinator } from "./coordinator.ts";

const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS amtsbote_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS amtsbote_leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires TIMESTAMPTZ NOT NULL)",
  "CREATE TABLE IF NOT EXISTS amtsbote_open (id TEXT PRIMARY KEY)",
];

type Query = (sql: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

/** PostgreSQL: lease expiry uses the server's clock, so processes on several machines agree. */
export class PostgresCoordinator implements Coordinator {
  readonly #ready: Promise<void>;

  readonly #query: Query;

  constructor(query: Query) {
    this.#query = query;
    this.#ready = (async () => {
      for (const statement of SCHEMA) {
        try {
          await query(statement);
        } catch (error) {
          // Two processes creating a table at once: the loser's CREATE fails, and the table is there.
          if (!String(error).includes("duplicate key")) throw error;
        }
      }
    })();
  }

  async #q(sql: string, values?: unknown[]) {
    await this.#ready;
    return this.#query(sql, values);
  }

  async increment(name: string): Promise<number> {
    const rows = await this.#q(
      "INSERT INTO amtsbote_counters (name, value) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET value = amtsbote_counters.value + 1 RETURNING value",
      [name],
    );
    return Number(rows[0]?.value);
  }

  async counter(name: string): Promise<number> {
    const rows = await this.#q("SELECT value FROM amtsbote_counters WHERE name = $1", [name]);
    return Number(rows[0]?.value ?? 0);
  }

  async tryAcquire(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.#q(
      `INSERT INTO amtsbote_leases (key, owner, expires) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, expires = EXCLUDED.expires
       WHERE amtsbote_leases.expires < now() RETURNING owner`,
      [key, owner, leaseMs],
    );
    return rows[0]?.owner === owner;
  }

  async release(key: string, owner: string): Promise<void> {
    await this.#q("DELETE FROM amtsbote_leases WHERE key = $1 AND owner = $2", [key, owner]);
  }

  async addOpen(id: string): Promise<void> {
    await this.#q("INSERT INTO amtsbote_open (id) VALUES ($1) ON CONFLICT (id) DO NOTHING", [id]);
  }

  async removeOpen(id: string): Promise<void> {
    await this.#q("DELETE FROM amtsbote_open WHERE id = $1", [id]);
  }

  async listOpen(): Promise<string[]> {
    const rows = await this.#q("SELECT id FROM amtsbote_open ORDER BY id");
    return rows.map((r) => String(r.id));
  }

  async close(): Promise<void> {}
}
