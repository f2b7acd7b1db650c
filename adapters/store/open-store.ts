import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Keyv, { type KeyvStoreAdapter } from "keyv";
import { KeyvStore, type StoredValue } from "./keyv-store.ts";
import { PostgresCoordinator, preparePostgres } from "./postgres-coordinator.ts";
import { RedisCoordinator, type RedisCommands } from "./redis-coordinator.ts";
import { SqliteCoordinator } from "./sqlite-coordinator.ts";

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * SQLite answers SQLITE_BUSY at once, without waiting for the busy timeout, where waiting could deadlock
 * (two connections both upgrading from read to write, as on a fresh file before WAL is on). The statement
 * did nothing then, so it is safe to run again after a short pause.
 */
function retryWhenBusy<A extends unknown[], R>(query: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async function queryRetryingWhenBusy(...args: A): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await query(...args);
      } catch (error) {
        if ((error as { code?: string }).code !== "SQLITE_BUSY" || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, attempt * 5 + Math.random() * 10));
      }
    }
  };
}

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
}

function keyvFor(store: KeyvStoreAdapter, namespace: string): Keyv<StoredValue> {
  return new Keyv<StoredValue>({ store, namespace, throwOnErrors: true });
}

/** Opens the store `STORE_URL` names: `sqlite://path`, `redis://…` or `postgres://…`. */
export async function openStore(
  url: string,
  { namespace = "amtsbote", instanceId }: OpenStoreOptions = {},
): Promise<KeyvStore> {
  const options = instanceId ? { instanceId } : {};
  if (!/^[a-z][a-z0-9_]*$/.test(namespace)) throw new Error(`invalid store namespace: ${namespace}`);
  switch (storeKind(url)) {
    case "sqlite": {
      const { default: KeyvSqlite } = await import("@keyv/sqlite");
      const path = resolve(url.slice("sqlite://".length));
      mkdirSync(dirname(path), { recursive: true });
      const adapter = new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: 10_000 });
      adapter.query = retryWhenBusy(adapter.query);
      const coordinator = new SqliteCoordinator((sql, ...params) => adapter.query(sql, ...params));
      return new KeyvStore(keyvFor(adapter, namespace), coordinator, options);
    }
    case "redis": {
      const { default: KeyvRedis } = await import("@keyv/redis");
      // While Redis is unreachable, commands fail at once instead of queueing: people get a "try again"
      // answer rather than silence, and the client keeps reconnecting in the background.
      const adapter = new KeyvRedis(
        { url, disableOfflineQueue: true, socket: { connectTimeout: CONNECT_TIMEOUT_MS } },
        { throwOnConnectError: true, connectionTimeout: CONNECT_TIMEOUT_MS },
      );
      await adapter.getClient();
      const coordinator = new RedisCoordinator(
        async () => (await adapter.getClient()) as unknown as RedisCommands,
        `${namespace}:`,
      );
      return new KeyvStore(keyvFor(adapter, namespace), coordinator, options);
    }
    case "postgres": {
      const { default: KeyvPostgres } = await import("@keyv/postgres");
      await preparePostgres(url, namespace);
      const adapter = new KeyvPostgres({
        uri: url,
        schema: namespace,
        max: 5,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      });
      const coordinator = new PostgresCoordinator((sql, values) => adapter.query(sql, values), namespace);
      return new KeyvStore(keyvFor(adapter, namespace), coordinator, options);
    }
  }
}
