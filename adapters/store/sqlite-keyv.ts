import { EventEmitter } from "node:events";
import type { KeyvStoreAdapter } from "keyv";
import type { SqliteQuery } from "./sqlite-connection.ts";

/**
 * The records table exactly as @keyv/sqlite 4 (amtsbote up to 0.1.0) made it, so existing files keep working and
 * files written now can still be read by them: table `keyv`, the key with keyv's namespace prefix
 * (`amtsbote:A-0001`), the value keyv's JSON text (`{"value":…,"expires":…}`).
 */
const CREATE_TABLE = "CREATE TABLE IF NOT EXISTS keyv(key VARCHAR(255) PRIMARY KEY, value TEXT )";

/** A keyv store on one SQLite file; every call is one statement through `query`. */
export class KeyvSqliteStore extends EventEmitter implements KeyvStoreAdapter {
  readonly opts = { table: "keyv" };
  /** Set by keyv; `clear` removes only this namespace's records. */
  namespace?: string;

  readonly #query: SqliteQuery;
  readonly #close: () => void;
  /** The table's set-up; forgotten when it fails (a locked file), so the next call tries again. */
  #ready: Promise<void> | undefined;

  constructor(query: SqliteQuery, close: () => void) {
    super();
    this.#query = query;
    this.#close = close;
  }

  async #q(sql: string, ...params: unknown[]): Promise<Record<string, unknown>[]> {
    this.#ready ??= this.#query(CREATE_TABLE).then(
      () => undefined,
      (error: unknown) => {
        this.#ready = undefined;
        throw error;
      },
    );
    await this.#ready;
    return this.#query(sql, ...params);
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    const [row] = await this.#q("SELECT value FROM keyv WHERE key = ?", key);
    return (row?.value ?? undefined) as Value | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<(Value | undefined)[]> {
    const rows = await this.#q(
      "SELECT key, value FROM keyv WHERE key IN (SELECT value FROM json_each(?))",
      JSON.stringify(keys),
    );
    const values = new Map(rows.map((row) => [row.key, row.value]));
    return keys.map((key) => (values.get(key) ?? undefined) as Value | undefined);
  }

  async set(key: string, value: string): Promise<boolean> {
    await this.#q(
      "INSERT INTO keyv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const rows = await this.#q("DELETE FROM keyv WHERE key = ? RETURNING key", key);
    return rows.length > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    const rows = await this.#q(
      "DELETE FROM keyv WHERE key IN (SELECT value FROM json_each(?)) RETURNING key",
      JSON.stringify(keys),
    );
    return rows.length > 0;
  }

  async has(key: string): Promise<boolean> {
    const [row] = await this.#q("SELECT EXISTS (SELECT 1 FROM keyv WHERE key = ?) AS found", key);
    return row?.found === 1;
  }

  /** Removes this namespace's records (all records without one); other namespaces in the file stay. */
  async clear(): Promise<void> {
    if (this.namespace === undefined) {
      await this.#q("DELETE FROM keyv");
      return;
    }
    const prefix = `${this.namespace}:`;
    await this.#q("DELETE FROM keyv WHERE substr(key, 1, ?) = ?", prefix.length, prefix);
  }

  async disconnect(): Promise<void> {
    await this.#ready?.catch(() => undefined);
    this.#close();
  }
}
