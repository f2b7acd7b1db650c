import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";

/** Runs one SQL statement with `?` parameters and answers its rows (none for a statement without results). */
export type SqliteQuery = (sql: string, ...params: unknown[]) => Promise<Record<string, unknown>[]>;

export interface SqliteConnection {
  query: SqliteQuery;
  /** Closes the file; every later query throws `SQLITE_MISUSE`. */
  close(): void;
}

/**
 * SQLite's primary result codes (sqlite3.h), so that errors carry `code: "SQLITE_BUSY"` etc. as the old driver's
 * did and `outage.ts` can tell a locked, full or failing file from a fault in the statement.
 */
const RESULT_CODES: Record<number, string> = {
  1: "SQLITE_ERROR",
  2: "SQLITE_INTERNAL",
  3: "SQLITE_PERM",
  4: "SQLITE_ABORT",
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  7: "SQLITE_NOMEM",
  8: "SQLITE_READONLY",
  9: "SQLITE_INTERRUPT",
  10: "SQLITE_IOERR",
  11: "SQLITE_CORRUPT",
  12: "SQLITE_NOTFOUND",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
  15: "SQLITE_PROTOCOL",
  16: "SQLITE_EMPTY",
  17: "SQLITE_SCHEMA",
  18: "SQLITE_TOOBIG",
  19: "SQLITE_CONSTRAINT",
  20: "SQLITE_MISMATCH",
  21: "SQLITE_MISUSE",
  22: "SQLITE_NOLFS",
  23: "SQLITE_AUTH",
  24: "SQLITE_FORMAT",
  25: "SQLITE_RANGE",
  26: "SQLITE_NOTADB",
};

/** An error of SQLite itself, named by its result code: `SQLITE_BUSY: database is locked`. */
export class SqliteError extends Error {
  override readonly name = "SqliteError";
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}

/** node:sqlite's error (`ERR_SQLITE_ERROR` with the extended result code in `errcode`) as a `SqliteError`. */
function sqliteErrorOf(error: unknown): unknown {
  const errcode = (error as { errcode?: unknown } | undefined)?.errcode;
  if (!(error instanceof Error) || typeof errcode !== "number") return error;
  return new SqliteError(RESULT_CODES[errcode & 0xff] ?? "SQLITE_ERROR", error.message, { cause: error });
}

/** Values bind as with the old driver: `undefined` as NULL, booleans as 1 and 0. */
function bindable(value: unknown): SQLInputValue {
  if (value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  return value as SQLInputValue;
}

/**
 * Runs `load` (the first import of node:sqlite) without the ExperimentalWarning Node 22 prints for it (Node 24
 * prints none): it would be noise on the user's terminal. Other warnings pass.
 */
export async function withoutSqliteNotice<T>(load: () => Promise<T>): Promise<T> {
  const emitWarning = process.emitWarning;
  process.emitWarning = function passOthers(this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: unknown } | undefined)?.type;
    if (type === "ExperimentalWarning" && String(warning).startsWith("SQLite ")) return;
    (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return await load();
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** A lock held elsewhere is waited for in steps of at most this long, the event loop free in between. */
const BUSY_PAUSE_MAX_MS = 50;

/**
 * Opens the SQLite file at `path` (created if missing) with Node's built-in driver.
 *
 * node:sqlite runs each statement synchronously on the event loop. That is fine here: every statement the store
 * runs touches a few rows by key (one record, lease, counter or chat state entry). On the 2-core test machine a
 * draft's 7 statements hold the loop about 1 ms in all, most of it the commits waiting for the disk (SQLite's
 * default `synchronous = FULL`, kept: an approval or delivery attempt on record survives a power cut), a single one
 * up to about 13 ms when the disk is busy. The one large write, a picture or video of up to 16 MB, once per
 * attachment, holds it about 150 ms there, twice its base64 encoding. What could take long, waiting for a lock
 * another process holds, never blocks: SQLite's own busy wait is off (`PRAGMA busy_timeout = 0`), so a statement
 * that finds the file locked does nothing and answers SQLITE_BUSY at once; it is tried again after a pause, the
 * loop free meanwhile, for up to `busyTimeoutMs`, and then the SQLITE_BUSY is passed on.
 * Each distinct SQL text is prepared once and its statement kept; the store's SQL texts are constants.
 */
export async function openSqlite(path: string, busyTimeoutMs: number): Promise<SqliteConnection> {
  const { DatabaseSync: Database } = await withoutSqliteNotice(() => import("node:sqlite"));
  let db: DatabaseSync;
  try {
    db = new Database(path);
    db.exec("PRAGMA busy_timeout = 0");
  } catch (error) {
    throw sqliteErrorOf(error);
  }
  const statements = new Map<string, StatementSync>();
  let closed = false;

  const run = (sql: string, params: unknown[]): Record<string, unknown>[] => {
    if (closed) throw new SqliteError("SQLITE_MISUSE", `the database connection to ${path} is closed`);
    try {
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        statements.set(sql, statement);
      }
      return statement.all(...params.map(bindable));
    } catch (error) {
      throw sqliteErrorOf(error);
    }
  };

  const query: SqliteQuery = async (sql, ...params) => {
    const giveUpAt = Date.now() + busyTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return run(sql, params);
      } catch (error) {
        const remaining = giveUpAt - Date.now();
        if ((error as { code?: unknown }).code !== "SQLITE_BUSY" || remaining <= 0) throw error;
        const pause = Math.min(attempt * 2 + Math.random() * 5, BUSY_PAUSE_MAX_MS, remaining);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  };

  return {
    query,
    close() {
      if (closed) return;
      closed = true;
      statements.clear();
      db.close();
    },
  };
}
