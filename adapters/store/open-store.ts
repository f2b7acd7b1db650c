import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Keyv, { type KeyvStoreAdapter } from "keyv";
import pg from "pg";
import { KeyvStore, type StoredValue } from "./keyv-store.ts";
import { guarded, guardedCall } from "./outage.ts";
import { PostgresCoordinator, preparePostgres } from "./postgres-coordinator.ts";
import { RedisCoordinator, type RedisCommands, type RedisRun } from "./redis-coordinator.ts";
import { openSqlite } from "./sqlite-connection.ts";
import { SqliteCoordinator } from "./sqlite-coordinator.ts";
import { KeyvSqliteStore } from "./sqlite-keyv.ts";

const CONNECT_TIMEOUT_MS = 5_000;
/**
 * A Redis or PostgreSQL call without an answer by then counts as an outage: a person waits for it. Ample for
 * the largest write (a 16 MB video) on a busy machine; a stopped server is noticed at once anyway.
 */
const ANSWER_WITHIN_MS = 10_000;
/**
 * How long a SQLite statement waits for a lock another process holds before the store counts as unavailable
 * (waited out without blocking, see `openSqlite`).
 */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

export type StoreKind = "sqlite" | "redis" | "postgres";

export function storeKind(url: string): StoreKind {
  if (url.startsWith("sqlite://")) return "sqlite";
  if (url.startsWith("redis://") || url.startsWith("rediss://")) return "redis";
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return "postgres";
  throw new Error(`unsupported store URL scheme: ${url.split(":")[0] ?? ""}`);
}

export interface OpenStoreOptions {
  /** Separates installations sharing one server: key prefix in Redis, schema in PostgreSQL. */
  namespace?: string;
  /** See `KeyvStoreOptions.instanceId`. */
  instanceId?: string;
  /** SQLite only: how long to wait for a lock another process holds (10 s). */
  sqliteBusyTimeoutMs?: number;
  /** Redis and PostgreSQL: how long a call may go without an answer before it counts as an outage (10 s). */
  answerWithinMs?: number;
}

function keyvFor(store: KeyvStoreAdapter, namespace: string): Keyv<StoredValue> {
  return new Keyv<StoredValue>({ store, namespace, throwOnErrors: true });
}

/**
 * Opens the store `STORE_URL` names: `sqlite://path`, `redis://…` or `postgres://…`. Every call to the
 * back-end throws `StoreUnavailableError` while it is unreachable (never an answer that reads as "absent"),
 * fails within seconds rather than waiting for the server, and works again once the server is back.
 */
export async function openStore(
  url: string,
  {
    namespace = "amtsbote",
    instanceId,
    sqliteBusyTimeoutMs = SQLITE_BUSY_TIMEOUT_MS,
    answerWithinMs = ANSWER_WITHIN_MS,
  }: OpenStoreOptions = {},
): Promise<KeyvStore> {
  const options = instanceId ? { instanceId } : {};
  if (!/^[a-z][a-z0-9_]*$/.test(namespace)) throw new Error(`invalid store namespace: ${namespace}`);
  switch (storeKind(url)) {
    case "sqlite": {
      const path = resolve(url.slice("sqlite://".length));
      mkdirSync(dirname(path), { recursive: true });
      const connection = await guardedCall("sqlite", () => openSqlite(path, sqliteBusyTimeoutMs));
      // Records and coordinator both query through here.
      const query = guarded("sqlite", connection.query);
      const adapter = new KeyvSqliteStore(query, connection.close);
      return new KeyvStore(keyvFor(adapter, namespace), new SqliteCoordinator(query), options);
    }
    case "redis": {
      const { default: KeyvRedis } = await import("@keyv/redis");
      /** Records whose every call throws `StoreUnavailableError` while Redis is unreachable. */
      class GuardedKeyvRedis extends KeyvRedis<StoredValue> {
        override get<U = StoredValue>(key: string) {
          return guardedCall("redis", () => super.get<U>(key), answerWithinMs);
        }
        override getMany<U = StoredValue>(keys: string[]) {
          return guardedCall("redis", () => super.getMany<U>(keys), answerWithinMs);
        }
        override set(key: string, value: string, ttl?: number) {
          return guardedCall("redis", () => super.set(key, value, ttl), answerWithinMs);
        }
        override delete(key: string) {
          return guardedCall("redis", () => super.delete(key), answerWithinMs);
        }
        /** Waits for commands in flight, but a hung server never answers them: then the connection is dropped. */
        override async disconnect(force?: boolean) {
          await guardedCall("redis", () => super.disconnect(force), answerWithinMs).catch(() => super.disconnect(true));
        }
      }
      // While Redis is unreachable, commands fail at once instead of queueing (a person gets a "try again"
      // answer rather than silence) and errors are thrown, not read as "absent"; the client keeps
      // reconnecting in the background, never giving up.
      const adapter = new GuardedKeyvRedis(
        {
          url,
          disableOfflineQueue: true,
          socket: {
            connectTimeout: CONNECT_TIMEOUT_MS,
            reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000),
          },
        },
        { throwOnConnectError: true, throwOnErrors: true, connectionTimeout: CONNECT_TIMEOUT_MS },
      );
      await adapter.getClient();
      const run: RedisRun = (command) =>
        guardedCall(
          "redis",
          async () => command((await adapter.getClient()) as unknown as RedisCommands),
          answerWithinMs,
        );
      return new KeyvStore(keyvFor(adapter, namespace), new RedisCoordinator(run, `${namespace}:`), options);
    }
    case "postgres": {
      const { default: KeyvPostgres } = await import("@keyv/postgres");
      await preparePostgres(url, namespace);
      // The store's own pool (@keyv/postgres would share one per URL across stores and end it with any of them).
      const pool = new pg.Pool({
        connectionString: url,
        max: 5,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        query_timeout: answerWithinMs,
      });
      // A pooled connection that breaks while idle (the server stopped) leaves the pool; the next query
      // opens a new one or fails as an outage. Unheard, this event would end the process.
      pool.on("error", () => undefined);
      const query = guarded("postgres", async (sql: string, values?: unknown[]) => {
        const result = await pool.query(sql, values);
        return result.rows as Record<string, unknown>[];
      });
      class PooledKeyvPostgres extends KeyvPostgres {
        override async connect() {
          return query;
        }
        /** Ends the connections, but does not wait longer than a call may take for a hung server to agree. */
        override async disconnect() {
          await guardedCall("postgres", () => pool.end(), answerWithinMs).catch(() => undefined);
        }
      }
      const adapter = new PooledKeyvPostgres({ uri: url, schema: namespace });
      return new KeyvStore(keyvFor(adapter, namespace), new PostgresCoordinator(query, namespace), options);
    }
  }
}
