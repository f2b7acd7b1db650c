import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Keyv from "keyv";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { Coordinator } from "../../../adapters/store/coordinator.ts";
import { KeyvStore, type StoredValue } from "../../../adapters/store/keyv-store.ts";
import { PostgresCoordinator, preparePostgres } from "../../../adapters/store/postgres-coordinator.ts";
import { openSqlite } from "../../../adapters/store/sqlite-connection.ts";
import { SqliteCoordinator } from "../../../adapters/store/sqlite-coordinator.ts";
import { serviceUrl } from "../../fakes/services.ts";

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

async function sqliteFile() {
  const connection = await openSqlite(join(mkdtempSync(join(tmpdir(), "amtsbote-purge-")), "p.sqlite"), 10_000);
  closers.push(async () => connection.close());
  return connection;
}

async function sweeps(coordinator: Coordinator, count: () => Promise<number>) {
  expect(await coordinator.tryAcquire("claim:gone", "x", 1)).toBe(true);
  expect(await coordinator.tryAcquire("claim:kept", "y", 60_000)).toBe(true);
  await expect.poll(() => coordinator.tryAcquire("claim:gone", "probe", 1), { interval: 20 }).toBe(true);
  await expect.poll(() => coordinator.purgeExpired(), { interval: 20 }).toBe(1);
  expect(await count()).toBe(1);
  expect(await coordinator.tryAcquire("claim:kept", "z", 60_000)).toBe(false);
}

interface ChatStateRows {
  total: number;
  expired: number;
}

/** Expired chat state reads as absent at once; the sweep then deletes its row and keeps the live one. */
async function sweepsChatState(coordinator: Coordinator, rows: () => Promise<ChatStateRows>) {
  await coordinator.putChatState("gone", '"x"', 1);
  await coordinator.putChatState("kept", '"y"', 60_000);
  await expect.poll(() => coordinator.getChatState("gone"), { interval: 20, timeout: 3_000 }).toBeUndefined();
  expect(await rows()).toEqual({ total: 2, expired: 1 });
  expect(await coordinator.purgeExpired()).toBe(1);
  expect(await rows()).toEqual({ total: 1, expired: 0 });
  expect(await coordinator.getChatState("kept")).toBe('"y"');
  expect(await coordinator.purgeExpired()).toBe(0);
}

/**
 * The store sweeps on its own when chat state is written or a claim made (here every time, instead of every
 * ten minutes). The expired rows are written past the store, so that no sweep runs before they have expired.
 */
async function storeSweepsChatState(coordinator: Coordinator, rows: () => Promise<ChatStateRows>) {
  const store = new KeyvStore(new Keyv<StoredValue>(), coordinator, { purgeEveryMs: 0 });
  const expireSome = async (n: number, total: number) => {
    await Promise.all(Array.from({ length: n }, (_, i) => coordinator.putChatState(`gone:${i}`, "{}", 1)));
    await expect.poll(rows, { interval: 20, timeout: 3_000 }).toEqual({ total, expired: n });
  };
  await expireSome(20, 20);
  await store.putChatState("next", "live", 60_000);
  expect(await rows()).toEqual({ total: 1, expired: 0 });
  await expireSome(5, 6);
  expect(await store.claimOnce("Ev01", 60_000)).toBe(true);
  expect(await rows()).toEqual({ total: 1, expired: 0 });
  expect(await store.getChatState("next")).toBe("live");
}

describe("expired leases (chat-event claims) are swept, live ones kept", () => {
  it("SQLite", async () => {
    const { query } = await sqliteFile();
    const coordinator = new SqliteCoordinator(query);
    await sweeps(coordinator, async () => Number((await query("SELECT count(*) AS n FROM amtsbote_leases"))[0]?.n));
  });

  const url = serviceUrl("TEST_POSTGRES_URL");
  it.skipIf(!url)("PostgreSQL", async () => {
    const schema = `purge_${process.pid}_${Date.now().toString(36)}`;
    await preparePostgres(url ?? "", schema);
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    closers.push(async () => {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
      await pool.end();
    });
    const query = async (sql: string, values?: unknown[]) =>
      (await pool.query(sql, values)).rows as Record<string, unknown>[];
    const coordinator = new PostgresCoordinator(query, schema);
    await sweeps(coordinator, async () =>
      Number((await query(`SELECT count(*) AS n FROM ${schema}.amtsbote_leases`))[0]?.n),
    );
  });
});

async function sqliteCoordinator() {
  const { query } = await sqliteFile();
  const rows = async (): Promise<ChatStateRows> => {
    const [row] = await query(
      "SELECT count(*) AS total, count(*) FILTER (WHERE expires_at <= ?) AS expired FROM amtsbote_chat_state",
      Date.now(),
    );
    return { total: Number(row?.total), expired: Number(row?.expired) };
  };
  return { coordinator: new SqliteCoordinator(query), rows };
}

async function postgresCoordinator(url: string) {
  const schema = `purge_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await preparePostgres(url, schema);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  closers.push(async () => {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });
  const query = async (sql: string, values?: unknown[]) =>
    (await pool.query(sql, values)).rows as Record<string, unknown>[];
  const rows = async (): Promise<ChatStateRows> => {
    const [row] = await query(
      `SELECT count(*) AS total, count(*) FILTER (WHERE expires_at <= now()) AS expired FROM ${schema}.amtsbote_chat_state`,
    );
    return { total: Number(row?.total), expired: Number(row?.expired) };
  };
  return { coordinator: new PostgresCoordinator(query, schema), rows };
}

describe("expired chat state is swept, live entries kept", () => {
  it("SQLite", async () => {
    const { coordinator, rows } = await sqliteCoordinator();
    await sweepsChatState(coordinator, rows);
  });

  it("SQLite, by the store's periodic purge", async () => {
    const { coordinator, rows } = await sqliteCoordinator();
    await storeSweepsChatState(coordinator, rows);
  });

  const url = serviceUrl("TEST_POSTGRES_URL");
  it.skipIf(!url)("PostgreSQL", async () => {
    const { coordinator, rows } = await postgresCoordinator(url ?? "");
    await sweepsChatState(coordinator, rows);
  });

  it.skipIf(!url)("PostgreSQL, by the store's periodic purge", async () => {
    const { coordinator, rows } = await postgresCoordinator(url ?? "");
    await storeSweepsChatState(coordinator, rows);
  });
});
