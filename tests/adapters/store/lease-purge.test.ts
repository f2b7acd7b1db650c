import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { Coordinator } from "../../../adapters/store/coordinator.ts";
import { PostgresCoordinator, preparePostgres } from "../../../adapters/store/postgres-coordinator.ts";
import { SqliteCoordinator } from "../../../adapters/store/sqlite-coordinator.ts";
import { serviceUrl } from "../../fakes/services.ts";

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

async function sweeps(coordinator: Coordinator, count: () => Promise<number>) {
  expect(await coordinator.tryAcquire("claim:gone", "x", 1)).toBe(true);
  expect(await coordinator.tryAcquire("claim:kept", "y", 60_000)).toBe(true);
  await expect.poll(() => coordinator.tryAcquire("claim:gone", "probe", 1), { interval: 20 }).toBe(true);
  await expect.poll(() => coordinator.purgeExpired(), { interval: 20 }).toBe(1);
  expect(await count()).toBe(1);
  expect(await coordinator.tryAcquire("claim:kept", "z", 60_000)).toBe(false);
}

describe("expired leases (chat-event claims) are swept, live ones kept", () => {
  it("SQLite", async () => {
    const adapter = new KeyvSqlite({
      uri: `sqlite://${join(mkdtempSync(join(tmpdir(), "amtsbote-purge-")), "p.sqlite")}`,
    });
    closers.push(() => adapter.disconnect());
    const query = (sql: string, ...params: unknown[]) => adapter.query(sql, ...params);
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
