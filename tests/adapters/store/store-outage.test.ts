import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { ErrorReply } from "@redis/client";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../../adapters/store/open-store.ts";
import { guardedCall } from "../../../adapters/store/outage.ts";
import { StoreUnavailableError } from "../../../src/ports/store-unavailable.ts";
import type { Store } from "../../../src/ports/store.ts";
import { anAnnouncement } from "../../contracts/store-harness.ts";
import { serviceUrl } from "../../fakes/services.ts";
import { TcpRelay } from "../../fakes/tcp-relay.ts";

const stored = anAnnouncement("A-0001", "Vor dem Ausfall");

/** What is in the store before the outage. */
async function seed(store: Store): Promise<void> {
  await store.nextSequence("announcement");
  await store.markOpen(stored.id);
  await store.put(stored);
  await store.putSetting("mode", { crisis: false });
  await store.putMedia("ab12", new Uint8Array([1, 2, 3]));
  await store.putChatState("post:slack:A-0001", { ts: "1.2" }, 60_000);
}

/** One call of every kind the store offers: reads, writes, locks, claims. */
const reads = (store: Store) => ({
  get: () => store.get(stored.id),
  getMany: () => store.getMany([stored.id]),
  openIds: () => store.openIds(),
  currentSequence: () => store.currentSequence("announcement"),
  getSetting: () => store.getSetting("mode"),
  getMedia: () => store.getMedia("ab12"),
  getChatState: () => store.getChatState("post:slack:A-0001"),
  ping: () => store.ping(),
});
const writes = (store: Store) => ({
  put: () => store.put(anAnnouncement("A-0001", "Während des Ausfalls")),
  nextSequence: () => store.nextSequence("announcement"),
  markOpen: () => store.markOpen("A-0002"),
  markClosed: () => store.markClosed(stored.id),
  withLock: () => store.withLock("announcement:A-0001", async () => "held"),
  tryLock: () => store.tryLock("delivery:A-0001", async () => "held"),
  claimOnce: () => store.claimOnce("slack-event:Ev1", 60_000),
  putSetting: () => store.putSetting("mode", { crisis: true }),
  putMedia: () => store.putMedia("cd34", new Uint8Array([4])),
  putChatState: () => store.putChatState("post:slack:A-0001", { ts: "9.9" }, 60_000),
  deleteChatState: () => store.deleteChatState("post:slack:A-0001"),
});

async function everyCallThrowsUnavailable(calls: Record<string, () => Promise<unknown>>): Promise<void> {
  for (const [name, call] of Object.entries(calls)) {
    await expect(call(), name).rejects.toBeInstanceOf(StoreUnavailableError);
  }
}

/** The store answers again as before the outage: nothing read as absent, nothing written meanwhile. */
async function answersAsBefore(store: Store): Promise<void> {
  await expect.poll(() => store.get(stored.id).catch((error: unknown) => error), { timeout: 15_000 }).toEqual(stored);
  expect(await store.getMany([stored.id])).toEqual([stored]);
  expect(await store.openIds()).toEqual([stored.id]);
  expect(await store.currentSequence("announcement")).toBe(1);
  expect(await store.getSetting("mode")).toEqual({ crisis: false });
  expect(await store.getMedia("ab12")).toEqual(new Uint8Array([1, 2, 3]));
  expect(await store.getChatState("post:slack:A-0001")).toEqual({ ts: "1.2" });
  expect(await store.withLock("announcement:A-0001", async () => "held")).toBe("held");
}

/**
 * Another process holding the SQLite file's write lock until its input ends. (In this process a second
 * SQLite library would not see the store's locks: POSIX file locks belong to the process.)
 */
async function holdWriteLock(file: string) {
  const script = `
    const { DatabaseSync } = require("node:sqlite");
    const db = new DatabaseSync(${JSON.stringify(file)});
    db.exec("BEGIN EXCLUSIVE; INSERT INTO amtsbote_open (id) VALUES ('A-0099')");
    process.stdout.write("locked\\n");
    process.stdin.resume().on("end", () => { db.exec("ROLLBACK"); db.close(); });`;
  const child = spawn(process.execPath, ["--no-warnings", "-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  const [first] = (await once(child.stdout, "data")) as [Buffer];
  expect(first.toString()).toBe("locked\n");
  return async () => {
    child.stdin.end();
    if (child.exitCode === null) await once(child, "exit");
  };
}

const servers = [
  ["Redis", serviceUrl("TEST_REDIS_URL")],
  ["PostgreSQL", serviceUrl("TEST_POSTGRES_URL")],
] as const;

describe("a store outage throws StoreUnavailableError from every call, and the store works again after it", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step().catch(() => undefined);
  });

  const throughRelay = async (url: string) => {
    const relay = new TcpRelay(url);
    const store = await openStore(await relay.start(), {
      namespace: `outage_${process.pid}_${Date.now().toString(36)}`,
      answerWithinMs: 1_000,
    });
    cleanup.push(
      () => store.close(),
      () => relay.stop(),
    );
    await seed(store);
    return { relay, store };
  };

  for (const [name, url] of servers) {
    it.skipIf(!url)(`${name}: the server gone (connections dropped and refused), then back`, async () => {
      const { relay, store } = await throughRelay(url as string);
      relay.cut();
      await everyCallThrowsUnavailable({ ...reads(store), ...writes(store) });
      relay.restore();
      await answersAsBefore(store);
    });

    it.skipIf(!url)(`${name}: a server that stops answering fails the call instead of keeping it waiting`, async () => {
      const { relay, store } = await throughRelay(url as string);
      relay.hold();
      await Promise.all(
        Object.entries(reads(store)).map(([call, read]) =>
          expect(read(), call).rejects.toBeInstanceOf(StoreUnavailableError),
        ),
      );
      relay.restore();
      // The late answers to what timed out are not taken for the answers of later calls.
      await answersAsBefore(store);
    });

    it.skipIf(!url)(`${name}: closing does not wait for a server that stopped answering`, async () => {
      const { relay, store } = await throughRelay(url as string);
      relay.hold();
      await expect(store.get(stored.id)).rejects.toBeInstanceOf(StoreUnavailableError);
      await store.close();
    });
  }

  it("SQLite: writes throw while another process holds the write lock; reads answer; writes work once it is free", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "amtsbote-locked-")), "store.sqlite");
    const store = await openStore(`sqlite://${file}`, { sqliteBusyTimeoutMs: 200 });
    cleanup.push(() => store.close());
    await seed(store);
    const release = await holdWriteLock(file);
    cleanup.push(release);

    await everyCallThrowsUnavailable(writes(store));
    expect(await store.get(stored.id)).toEqual(stored);

    await release();
    await answersAsBefore(store);
  });

  it("SQLite: a write waiting for another process's lock leaves the event loop free and lands once the lock is free", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "amtsbote-waiting-")), "store.sqlite");
    const store = await openStore(`sqlite://${file}`, { sqliteBusyTimeoutMs: 20_000 });
    cleanup.push(() => store.close());
    await seed(store);
    const release = await holdWriteLock(file);
    cleanup.push(release);

    let settled = false;
    const write = store.markOpen("A-0002").finally(() => (settled = true));
    // A driver waiting inside SQLite would hold the event loop until its busy timeout ran out and then fail.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    await release();
    await write;
    expect(await store.openIds()).toEqual([stored.id, "A-0002"]);
  });

  it("SQLite: every call throws once the database connection is gone", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "amtsbote-gone-")), "store.sqlite");
    const store = await openStore(`sqlite://${file}`);
    await seed(store);
    await store.close();
    await everyCallThrowsUnavailable({ ...reads(store), ...writes(store) });
  });
});

describe("what counts as an outage, per back-end", () => {
  const outcome = (backend: "redis" | "postgres" | "sqlite", error: unknown) =>
    guardedCall(backend, () => Promise.reject(error)).then(
      () => "resolved",
      (thrown: unknown) => (thrown instanceof StoreUnavailableError ? "unavailable" : "passed on"),
    );
  const sqliteError = (code: string) => Object.assign(new Error(`${code}: …`), { code });
  const pgError = (code: string) => Object.assign(new pg.DatabaseError("…", 0, "error"), { code });

  it.each([
    ["redis", "client offline", new Error("The client is offline"), "unavailable"],
    [
      "redis",
      "LOADING after a restart",
      new ErrorReply("LOADING Redis is loading the dataset in memory"),
      "unavailable",
    ],
    ["redis", "MISCONF (disk)", new ErrorReply("MISCONF Redis is configured to save RDB snapshots"), "unavailable"],
    [
      "redis",
      "WRONGTYPE",
      new ErrorReply("WRONGTYPE Operation against a key holding the wrong kind of value"),
      "passed on",
    ],
    [
      "postgres",
      "ECONNREFUSED",
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      "unavailable",
    ],
    ["postgres", "connection terminated", new Error("Connection terminated unexpectedly"), "unavailable"],
    ["postgres", "57P01 admin shutdown", pgError("57P01"), "unavailable"],
    ["postgres", "57P03 starting up", pgError("57P03"), "unavailable"],
    ["postgres", "53100 disk full", pgError("53100"), "unavailable"],
    ["postgres", "08006 connection failure", pgError("08006"), "unavailable"],
    ["postgres", "42P01 no such table", pgError("42P01"), "passed on"],
    ["postgres", "23505 unique violation", pgError("23505"), "passed on"],
    ["sqlite", "SQLITE_BUSY", sqliteError("SQLITE_BUSY"), "unavailable"],
    ["sqlite", "SQLITE_IOERR", sqliteError("SQLITE_IOERR"), "unavailable"],
    ["sqlite", "SQLITE_FULL", sqliteError("SQLITE_FULL"), "unavailable"],
    ["sqlite", "SQLITE_CANTOPEN", sqliteError("SQLITE_CANTOPEN"), "unavailable"],
    ["sqlite", "SQLITE_ERROR (bad SQL)", sqliteError("SQLITE_ERROR"), "passed on"],
    ["sqlite", "SQLITE_CONSTRAINT", sqliteError("SQLITE_CONSTRAINT"), "passed on"],
    ["sqlite", "a TypeError", new TypeError("not a store failure"), "passed on"],
  ] as const)("%s, %s: %s", async (backend, _what, error, expected) => {
    expect(await outcome(backend, error)).toBe(expected);
  });
});
