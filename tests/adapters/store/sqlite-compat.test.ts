import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import Keyv from "keyv";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openStore } from "../../../adapters/store/open-store.ts";
import { openSqlite, withoutSqliteNotice } from "../../../adapters/store/sqlite-connection.ts";
import { KeyvSqliteStore } from "../../../adapters/store/sqlite-keyv.ts";
import type { Store } from "../../../src/ports/store.ts";
import { anAnnouncement } from "../../contracts/store-harness.ts";

/**
 * A ./data/amtsbote.sqlite written by amtsbote 0.1.0 (@keyv/sqlite 4.0.8 on the sqlite3 add-on, commit dff0cb3):
 * counter `announcement` at 3, records A-0001 (text with umlauts, a dash and 🚧) and A-0002 (approved, open, text
 * with quotes and a line break), setting `mode`, media `00ff` (bytes 0 255 1 254 10 13), chat state
 * `post:slack:A-0001` (expires in 2126). Opened from a copy: the store writes to its file.
 */
const FROM_0_1_0 = join(import.meta.dirname, "data", "store-0.1.0.sqlite");

/** The records table as @keyv/sqlite 4.0.8 created it (its source, verbatim), and keyv 5's record format. */
const KEYV_SQLITE_TABLE = "CREATE TABLE IF NOT EXISTS keyv(key VARCHAR(255) PRIMARY KEY, value TEXT )";
const keyvRecord = (value: unknown) => JSON.stringify({ value });

const tempFile = (name: string) => join(mkdtempSync(join(tmpdir(), "amtsbote-compat-")), name);

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const each of opened.splice(0)) await each.close();
});

async function open(file: string): Promise<Store> {
  const store = await openStore(`sqlite://${file}`);
  opened.push(store);
  return store;
}

/** Plain SQL on the file, past the store (another connection, as a second process would have). */
function plain(file: string) {
  const db = new DatabaseSync(file);
  opened.push(db);
  return db;
}

function schemaOf(file: string) {
  return plain(file)
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    .all()
    .map((row) => ({ ...row }));
}

/** What later versions add to a 0.1.0 file (by `CREATE … IF NOT EXISTS` at open): the due index. */
const ADDED_SINCE_0_1_0 = [
  {
    type: "table",
    name: "amtsbote_due",
    tbl_name: "amtsbote_due",
    sql: "CREATE TABLE amtsbote_due (id TEXT PRIMARY KEY, due_at INTEGER NOT NULL)",
  },
  {
    type: "index",
    name: "amtsbote_due_at",
    tbl_name: "amtsbote_due",
    sql: "CREATE INDEX amtsbote_due_at ON amtsbote_due (due_at, id)",
  },
  { type: "index", name: "sqlite_autoindex_amtsbote_due_1", tbl_name: "amtsbote_due", sql: null },
];

const withAdditions = (schema: ReturnType<typeof schemaOf>) =>
  [...schema, ...ADDED_SINCE_0_1_0].sort((x, y) => String(x.name).localeCompare(String(y.name)));

describe("a SQLite file from an earlier version keeps working", () => {
  it("the file amtsbote 0.1.0 wrote: every record, setting, picture, counter and open id reads as written", async () => {
    const file = tempFile("amtsbote.sqlite");
    copyFileSync(FROM_0_1_0, file);
    const raw = Object.fromEntries(
      plain(file)
        .prepare("SELECT key, value FROM keyv")
        .all()
        .map((row) => [row.key, (JSON.parse(String(row.value)) as { value: unknown }).value]),
    );
    const store = await open(file);

    const a1 = await store.get("A-0001");
    expect(a1?.versions[0]?.content.text).toBe("Hauptstraße ab Montag gesperrt – Umleitung über die Bergstraße 🚧");
    expect(a1).toEqual(raw["amtsbote:A-0001"]);
    expect(await store.getMany(["A-0002", "A-0009", "A-0001"])).toEqual([
      raw["amtsbote:A-0002"],
      undefined,
      raw["amtsbote:A-0001"],
    ]);
    expect((await store.get("A-0002"))?.versions[0]?.content.text).toBe(
      'Wasserrohrbruch: Ölweg "gesperrt"\nbis 18 Uhr',
    );
    expect(await store.getSetting("mode")).toEqual({ crisis: true, since: "2026-11-30T10:00:00.000Z" });
    expect(await store.getMedia("00ff")).toEqual(new Uint8Array([0, 255, 1, 254, 10, 13]));
    expect(await store.getChatState("post:slack:A-0001")).toEqual({ ts: "1764496800.000100", channel: "C0PRESS" });
    expect(await store.openIds()).toEqual(["A-0002"]);
    expect(await store.currentSequence("announcement")).toBe(3);
    expect(await store.nextSequence("announcement")).toBe(4);
  });

  it("the file amtsbote 0.1.0 wrote: new writes go into the same table in the same key and value format", async () => {
    const file = tempFile("amtsbote.sqlite");
    copyFileSync(FROM_0_1_0, file);
    const before = schemaOf(file);
    const store = await open(file);
    const a4 = anAnnouncement("A-0004", "Neu");
    await store.put(a4);
    await store.put({ ...anAnnouncement("A-0001", "Geändert") });
    await store.putSetting("mode", { crisis: false });
    await store.putMedia("0a", new Uint8Array([7]));

    const rows = plain(file).prepare("SELECT key, value FROM keyv ORDER BY key").all();
    expect(rows.map((row) => ({ ...row }))).toEqual([
      { key: "amtsbote:A-0001", value: keyvRecord(anAnnouncement("A-0001", "Geändert")) },
      { key: "amtsbote:A-0002", value: expect.stringContaining('{"value":{"id":"A-0002"') },
      { key: "amtsbote:A-0004", value: keyvRecord(a4) },
      { key: "amtsbote:media:00ff", value: keyvRecord("AP8B/goN") },
      { key: "amtsbote:media:0a", value: keyvRecord("Bw==") },
      { key: "amtsbote:setting:mode", value: keyvRecord('{"crisis":false}') },
    ]);
    expect(schemaOf(file)).toEqual(withAdditions(before));
  });

  it("a file laid out by @keyv/sqlite, made with plain SQL: its records are read, its counters go on", async () => {
    const file = tempFile("amtsbote.sqlite");
    const a7 = anAnnouncement("A-0007", "Laternenumzug am Freitag");
    const db = new DatabaseSync(file);
    db.exec(KEYV_SQLITE_TABLE);
    db.exec("CREATE TABLE amtsbote_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    const insert = db.prepare("INSERT INTO keyv (key, value) VALUES (?, ?)");
    insert.run("amtsbote:A-0007", keyvRecord(a7));
    insert.run("amtsbote:setting:templates", keyvRecord(JSON.stringify({ sperrung: "Die {strasse} ist gesperrt." })));
    insert.run("amtsbote:media:ffee", keyvRecord(Buffer.from([255, 238]).toString("base64")));
    insert.run("other:A-0007", keyvRecord(anAnnouncement("A-0007", "another installation's")));
    db.exec("INSERT INTO amtsbote_counters (name, value) VALUES ('announcement', 7)");
    db.close();

    const store = await open(file);
    expect(await store.get("A-0007")).toEqual(a7);
    expect(await store.getSetting("templates")).toEqual({ sperrung: "Die {strasse} ist gesperrt." });
    expect(await store.getMedia("ffee")).toEqual(new Uint8Array([255, 238]));
    expect(await store.nextSequence("announcement")).toBe(8);
  });

  it("a new file has the tables, indexes and journal mode amtsbote 0.1.0 made, plus the due index", async () => {
    const file = tempFile("fresh.sqlite");
    const store = await open(file);
    await store.put(anAnnouncement("A-0001"));
    await store.ping();
    await store.close();
    const earlier = tempFile("earlier.sqlite");
    copyFileSync(FROM_0_1_0, earlier);
    expect(schemaOf(file)).toEqual(withAdditions(schemaOf(earlier)));
    expect({ ...plain(file).prepare("PRAGMA journal_mode").get() }).toEqual({ journal_mode: "wal" });
  });
});

describe("the keyv store on node:sqlite", () => {
  async function adapter() {
    const connection = await openSqlite(tempFile("keyv.sqlite"), 1_000);
    const store = new KeyvSqliteStore(connection.query, connection.close);
    opened.push({ close: () => store.disconnect() });
    return { connection, store };
  }

  it("gets, gets many, sets, overwrites, has and deletes, as keyv expects of a store", async () => {
    const { store } = await adapter();
    expect(await store.get("k")).toBeUndefined();
    expect(await store.has("k")).toBe(false);
    expect(await store.set("k", "1")).toBe(true);
    expect(await store.set("k", "2")).toBe(true);
    await store.set("j", "3");
    expect(await store.get("k")).toBe("2");
    expect(await store.has("k")).toBe(true);
    expect(await store.getMany(["j", "x", "k", "j"])).toEqual(["3", undefined, "2", "3"]);
    expect(await store.delete("k")).toBe(true);
    expect(await store.delete("k")).toBe(false);
    expect(await store.deleteMany(["j", "x"])).toBe(true);
    expect(await store.deleteMany(["j", "x"])).toBe(false);
    expect(await store.getMany(["j", "k"])).toEqual([undefined, undefined]);
  });

  it("keeps keys and values exactly, whatever characters they hold", async () => {
    const { store } = await adapter();
    const odd = ["", "%", "_", "a'b", 'a"b', "ä😀", "x\u0000y", "line\nbreak", "[1,2]", '["k"]'];
    for (const [i, key] of odd.entries()) await store.set(key, `${i}:${key}`);
    expect(await store.getMany(odd)).toEqual(odd.map((key, i) => `${i}:${key}`));
  });

  it("clear removes its own namespace's records only, even where another namespace matches it as a LIKE pattern", async () => {
    const { store } = await adapter();
    const mine = new Keyv<string>({ store, namespace: "a_b", throwOnErrors: true });
    await mine.set("1", "mine");
    await store.set("aXb:1", "other, matching a_b% as a pattern");
    await store.set("a_bc:1", "other, a longer name");
    await mine.clear();
    expect(await mine.get("1")).toBeUndefined();
    expect(await store.getMany(["aXb:1", "a_bc:1"])).toEqual([
      "other, matching a_b% as a pattern",
      "other, a longer name",
    ]);
  });

  it("prepares each SQL text once, however often it runs", async () => {
    const prepare = vi.spyOn(DatabaseSync.prototype, "prepare");
    try {
      const { store } = await adapter();
      for (let i = 0; i < 20; i++) await store.set(`k${i}`, "v");
      for (let i = 0; i < 20; i++) await store.get(`k${i}`);
      const texts = prepare.mock.calls.map(([sql]) => sql);
      expect(texts).toHaveLength(new Set(texts).size);
      expect(texts.filter((sql) => sql.startsWith("INSERT INTO keyv"))).toHaveLength(1);
      expect(texts.filter((sql) => sql.startsWith("SELECT value FROM keyv"))).toHaveLength(1);
    } finally {
      prepare.mockRestore();
    }
  });

  it("after disconnect every call throws SQLITE_MISUSE, never an answer that reads as absent", async () => {
    const { connection, store } = await adapter();
    await store.set("k", "v");
    await store.disconnect();
    for (const call of [() => store.get("k"), () => store.set("k", "w"), () => store.has("k"), () => store.clear()]) {
      await expect(call()).rejects.toMatchObject({ code: "SQLITE_MISUSE" });
    }
    await expect(connection.query("SELECT 1")).rejects.toMatchObject({ code: "SQLITE_MISUSE" });
  });

  it("SQLite's errors carry their result code: a bad statement is SQLITE_ERROR, a broken constraint SQLITE_CONSTRAINT", async () => {
    const { connection } = await adapter();
    await expect(connection.query("SELEKT 1")).rejects.toMatchObject({ code: "SQLITE_ERROR" });
    await connection.query("CREATE TABLE t (k TEXT PRIMARY KEY)");
    await connection.query("INSERT INTO t (k) VALUES (?)", "x");
    await expect(connection.query("INSERT INTO t (k) VALUES (?)", "x")).rejects.toMatchObject({
      code: "SQLITE_CONSTRAINT",
      message: expect.stringMatching(/^SQLITE_CONSTRAINT: .*UNIQUE/),
    });
  });
});

describe("loading node:sqlite", () => {
  it("holds back only Node 22's ExperimentalWarning about SQLite; other warnings pass, and afterwards all do", async () => {
    const original = process.emitWarning;
    const emitted = vi.fn();
    process.emitWarning = emitted;
    try {
      await withoutSqliteNotice(async () => {
        process.emitWarning("SQLite is an experimental feature and might change at any time", "ExperimentalWarning");
        process.emitWarning("SQLite is an experimental feature", { type: "ExperimentalWarning" });
        process.emitWarning("VM modules are an experimental feature", "ExperimentalWarning");
        process.emitWarning("SQLite is slow", "Warning");
      });
      await expect(withoutSqliteNotice(() => Promise.reject(new Error("load failed")))).rejects.toThrow("load failed");
      expect(process.emitWarning).toBe(emitted);
      process.emitWarning("SQLite is an experimental feature", "ExperimentalWarning");
    } finally {
      process.emitWarning = original;
    }
    expect(emitted.mock.calls).toEqual([
      ["VM modules are an experimental feature", "ExperimentalWarning"],
      ["SQLite is slow", "Warning"],
      ["SQLite is an experimental feature", "ExperimentalWarning"],
    ]);
  });
});
