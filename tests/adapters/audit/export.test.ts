import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AnnouncementId } from "../../../src/announcement/announcement.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import type { Result } from "../../../src/errors.ts";
import {
  archiveBundle,
  AUDIT_COLUMNS,
  auditRows,
  dayWindow,
  listAnnouncements,
  scanAnnouncements,
  toCsv,
  toJsonl,
  type ArchiveBundle,
  type AuditRow,
} from "../../../adapters/audit/export.ts";
import { parseAuditArgs, type AuditCommand } from "../../../adapters/audit/cli.ts";
import { openStore } from "../../../adapters/store/open-store.ts";
import { childEnv } from "../../fakes/child-env.ts";
import { TEST_POLICY_YAML } from "../../fakes/fixtures.ts";
import { aWorld, origin, text, type World } from "../../fakes/world.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

const TRICKY_REASON = 'Umleitung falsch, bitte "Bergstraße"\nprüfen';
const FORMULA_REASON = "=cmd|' /C calc'!A0";
const PICTURE = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
const PICTURE_SHA = createHash("sha256").update(PICTURE).digest("hex");

function must<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

interface Scenario {
  published: AnnouncementId;
  rejected: AnnouncementId;
  withdrawn: AnnouncementId;
}

/**
 * Through the real service, on the world's clock (2026-11-30T09:00Z = 10:00 in Berlin):
 * A-0001 with a picture, approved and published; A-0002 edited once, then rejected at 00:30 Berlin time on
 * 1 December; A-0003 withdrawn on 2 December with a reason that looks like a spreadsheet formula.
 */
async function scenario(w: World): Promise<Scenario> {
  await w.store.putMedia(PICTURE_SHA, PICTURE);
  const media = [
    { name: "umleitung.jpg", mimeType: "image/jpeg", bytes: PICTURE.length, sha256: PICTURE_SHA, altText: "Karte" },
  ];
  const published = must(
    await w.service.draft("anna", { content: { text: "Hauptstraße ab Montag gesperrt.", media }, origin }),
  ).id;
  must(await w.service.approve("carla", published, { via: "command" }));
  await w.outbox.runOnce();

  w.clock.advance(11 * 3_600_000); // 2026-11-30T20:00Z
  const rejected = must(await w.service.draft("anna", { content: text("Bergstraße: Umleitung."), origin })).id;
  w.clock.advance(60_000);
  must(await w.service.edit("anna", rejected, text("Bergstraße: Umleitung über Uesen.")));
  w.clock.advance(3.5 * 3_600_000 - 60_000); // 2026-11-30T23:30Z = 2026-12-01 00:30 in Berlin
  must(await w.service.reject("dieter", rejected, TRICKY_REASON, { version: 2 }));

  w.clock.advance(32.5 * 3_600_000); // 2026-12-02T08:00Z
  const withdrawn = must(await w.service.draft("ben", { content: text("Sprechstunde entfällt."), origin })).id;
  must(await w.service.withdraw("ben", withdrawn, FORMULA_REASON));
  return { published, rejected, withdrawn };
}

/** RFC 4180, strictly: quotes only around whole fields, CRLF after every record, nothing bare. */
function parseCsv(csv: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  while (i < csv.length) {
    const c = csv[i];
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i += 1;
        if (csv[i] !== "," && csv[i] !== "\r") throw new Error(`text after a closing quote at ${i}`);
      } else {
        field += c;
        i += 1;
      }
    } else if (c === '"' && field === "") {
      quoted = true;
      i += 1;
    } else if (c === ",") {
      record.push(field);
      field = "";
      i += 1;
    } else if (c === "\r" && csv[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i += 2;
    } else if (c === "\r" || c === "\n" || c === '"') {
      throw new Error(`bare ${JSON.stringify(c)} at ${i}`);
    } else {
      field += c;
      i += 1;
    }
  }
  if (quoted || field !== "" || record.length > 0) throw new Error("last record not closed by CRLF");
  return records;
}

/** What the CSV should hold for a row: strings as they are, but formula-looking ones behind a `'`. */
const csvValue = (value: AuditRow[keyof AuditRow]): string => {
  if (value === null) return "";
  const s = String(value);
  return typeof value === "string" && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
};

const rowsCommand = (argv: string[]): Extract<AuditCommand, { kind: "rows" }> => {
  const parsed = parseAuditArgs(argv);
  if (!parsed.ok || parsed.value.kind !== "rows") throw new Error(JSON.stringify(parsed));
  return parsed.value;
};

async function world(): Promise<World & Scenario> {
  const w = aWorld();
  return { ...w, ...(await scenario(w)) };
}

describe("audit export", () => {
  it("lists every announcement ever stored, not only the open ones, and names ids without a record", async () => {
    const w = await world();
    expect(await w.store.openIds()).toEqual([]);
    expect((await listAnnouncements(w.store)).map((a) => a.id)).toEqual([w.published, w.rejected, w.withdrawn]);

    const store = new MemoryStore();
    await store.nextSequence("announcement");
    const w2 = aWorld(store);
    must(await w2.service.draft("anna", { content: text("Zweite"), origin }));
    const scan = await scanAnnouncements(store);
    expect(scan.announcements.map((a) => a.id)).toEqual(["A-0002"]);
    expect(scan.missing).toEqual(["A-0001"]);
  });

  it("JSON Lines: one parsable object per event, every column, the events of each announcement in order", async () => {
    const w = await world();
    const all = await listAnnouncements(w.store);
    const jsonl = toJsonl(auditRows(all));
    expect(jsonl.endsWith("\n")).toBe(true);
    const lines = jsonl.slice(0, -1).split("\n");
    expect(lines).toHaveLength(all.reduce((n, a) => n + a.events.length, 0));
    const parsed = lines.map((line) => JSON.parse(line) as AuditRow);
    for (const row of parsed) expect(Object.keys(row)).toEqual([...AUDIT_COLUMNS]);
    for (const a of all) {
      const mine = parsed.filter((r) => r.announcement === a.id);
      expect(mine.map((r) => [r.seq, r.event, r.at])).toEqual(a.events.map((e) => [e.seq, e.event, e.at]));
    }
    expect(parsed.filter((r) => r.announcement === w.published).map((r) => r.event)).toEqual([
      "create",
      "submit",
      "approve",
      "quorum_reached",
      "start_publishing",
      "delivery_started",
      "delivery_sent",
      "published",
    ]);
    const sent = parsed.find((r) => r.event === "delivery_sent");
    expect(sent).toMatchObject({
      announcement: w.published,
      actor: "system",
      outlet: "fake",
      receiptRemoteId: "remote-1",
      receiptAt: "2026-11-30T09:00:00.000Z",
      receiptConfirmedBy: null,
      exercise: false,
    });
    expect(parsed.find((r) => r.event === "reject")).toMatchObject({
      announcement: w.rejected,
      actor: "dieter",
      from: "pending",
      to: "rejected",
      version: 2,
      reason: TRICKY_REASON,
    });
    // JSON Lines are lossless: no formula neutralisation there.
    expect(parsed.find((r) => r.event === "withdraw")?.reason).toBe(FORMULA_REASON);
    expect(toJsonl([])).toBe("");
  });

  it("CSV: RFC 4180 that parses back to the same fields, with quoting and formula neutralisation", async () => {
    const w = await world();
    const rows = auditRows(await listAnnouncements(w.store));
    const csv = toCsv(rows);
    expect(csv.startsWith(`${AUDIT_COLUMNS.join(",")}\r\n`)).toBe(true);
    const [header, ...records] = parseCsv(csv);
    expect(header).toEqual([...AUDIT_COLUMNS]);
    expect(records).toEqual(rows.map((r) => AUDIT_COLUMNS.map((c) => csvValue(r[c]))));

    expect(csv).toContain(`,"Umleitung falsch, bitte ""Bergstraße""\nprüfen",`);
    expect(csv).toContain(`,'=cmd|' /C calc'!A0,`);
    const withdraw = records.find((r) => r[AUDIT_COLUMNS.indexOf("event")] === "withdraw");
    expect(withdraw?.[AUDIT_COLUMNS.indexOf("reason")]).toBe(`'${FORMULA_REASON}`);
    for (const record of records) {
      for (const field of record) expect(field).not.toMatch(/^[=+\-@\t\r]/);
    }
    expect(toCsv([])).toBe(`${AUDIT_COLUMNS.join(",")}\r\n`);
  });

  it("--since and --until are whole calendar days in Berlin, --until inclusive", async () => {
    const w = await world();
    const all = await listAnnouncements(w.store);
    const rows = (argv: string[]) =>
      auditRows(all, dayWindow(rowsCommand(argv).days, "Europe/Berlin")).map((r) => `${r.announcement} ${r.event}`);

    // The rejection at 23:30 UTC on 30 November is 00:30 on 1 December in Berlin.
    expect(rows(["--since", "2026-12-01"])).toEqual([
      `${w.rejected} reject`,
      `${w.withdrawn} create`,
      `${w.withdrawn} submit`,
      `${w.withdrawn} withdraw`,
    ]);
    expect(rows(["--until", "2026-11-30"])).toEqual([
      ...all[0]!.events.map((e) => `${w.published} ${e.event}`),
      `${w.rejected} create`,
      `${w.rejected} submit`,
      `${w.rejected} edit`,
    ]);
    expect(rows(["--since", "2026-12-01", "--until", "2026-12-01"])).toEqual([`${w.rejected} reject`]);
    expect(rows(["--since=2026-12-03"])).toEqual([]);
    expect(rows([])).toHaveLength(all.reduce((n, a) => n + a.events.length, 0));

    const window = (since: string, until: string) => {
      const w = dayWindow(rowsCommand(["--since", since, "--until", until]).days, "Europe/Berlin");
      return [w.since?.toISOString(), w.until?.toISOString()];
    };
    expect(window("2026-01-01", "2026-01-01")).toEqual(["2025-12-31T23:00:00.000Z", "2026-01-01T23:00:00.000Z"]);
    expect(window("2026-07-01", "2026-07-01")).toEqual(["2026-06-30T22:00:00.000Z", "2026-07-01T22:00:00.000Z"]);
    // The day the clocks go forward has 23 hours, the day they go back 25.
    expect(window("2026-03-29", "2026-03-29")).toEqual(["2026-03-28T23:00:00.000Z", "2026-03-29T22:00:00.000Z"]);
    expect(window("2026-10-25", "2026-10-25")).toEqual(["2026-10-24T22:00:00.000Z", "2026-10-25T23:00:00.000Z"]);
    expect(dayWindow({ since: { year: 2026, month: 3, day: 29 } }, "UTC").since?.toISOString()).toBe(
      "2026-03-29T00:00:00.000Z",
    );
  });

  it("exports the 25 hours of the Sunday the clocks go back as that one day, and no more", async () => {
    const w = aWorld();
    const setClock = (t: number) => w.clock.advance(t - w.clock.now().getTime());
    setClock(Date.parse("2026-10-24T21:59:00Z")); // Saturday 23:59 CEST
    const saturday = must(await w.service.draft("anna", { content: text("Samstag, kurz vor Mitternacht."), origin }));
    const sunday: string[] = [];
    // Sunday 00:00 CEST (22:00 UTC) to 23:59 CET (22:59 UTC the next day), every 30 minutes: 50 drafts in 25 hours.
    for (let t = Date.parse("2026-10-24T22:00:00Z"); t < Date.parse("2026-10-25T23:00:00Z"); t += 30 * 60_000) {
      setClock(t);
      sunday.push(must(await w.service.draft("anna", { content: text("Sonntag."), origin })).id);
    }
    setClock(Date.parse("2026-10-25T23:00:00Z")); // Monday 00:00 CET
    const monday = must(await w.service.draft("anna", { content: text("Montag, Mitternacht."), origin }));

    const all = await listAnnouncements(w.store);
    const created = (argv: string[]) =>
      auditRows(all, dayWindow(rowsCommand(argv).days, "Europe/Berlin"))
        .filter((r) => r.event === "create")
        .map((r) => r.announcement);
    expect(sunday).toHaveLength(50);
    expect(created(["--since", "2026-10-25", "--until", "2026-10-25"])).toEqual(sunday);
    expect(created(["--until", "2026-10-24"])).toEqual([saturday.id]);
    expect(created(["--since", "2026-10-26"])).toEqual([monday.id]);
  });

  it("refuses bad arguments with one line each", () => {
    const error = (argv: string[]) => {
      const parsed = parseAuditArgs(argv);
      if (parsed.ok) throw new Error(`accepted ${argv.join(" ")}`);
      expect(parsed.error).not.toContain("\n");
      return parsed.error;
    };
    expect(error(["--format", "xml"])).toBe('--format: expected jsonl or csv, got "xml"');
    expect(error(["--since", "2026-02-30"])).toContain("--since");
    expect(error(["--since", "01.01.2026"])).toContain("YYYY-MM-DD");
    expect(error(["--until", "2026-1-1"])).toContain("--until");
    expect(error(["--since", "2026-02-01", "--until", "2026-01-31"])).toContain("after");
    expect(error(["--since", "2026-01-01", "--since", "2026-02-01"])).toContain("more than once");
    expect(error(["--bundle", "A-0001", "--bundle-all", "out"])).toContain("one of them");
    expect(error(["--bundle", "A-0001", "--format", "csv"])).toContain("--format");
    expect(error(["--bundle", "A-0001", "--since", "2026-01-01"])).toContain("--bundle");
    expect(error(["--bundle", "nonsense"])).toContain("A-0042");
    expect(error(["--colour"])).toContain("--colour");
    expect(error(["stray"])).toContain("stray");
    expect(error(["--since"])).toContain("--since");

    expect(parseAuditArgs(["--bundle", "a42"])).toEqual({ ok: true, value: { kind: "bundle", id: "A-0042" } });
    expect(parseAuditArgs(["--help"])).toEqual({ ok: true, value: { kind: "help" } });
    expect(rowsCommand(["--format", "csv"]).format).toBe("csv");
    expect(rowsCommand([]).format).toBe("jsonl");
  });

  it("the bundle holds every version's text, the approvals, the outlet receipt and the media hashes", async () => {
    const w = await world();
    const published = archiveBundle((await w.store.get(w.published))!);
    expect(JSON.parse(JSON.stringify(published))).toEqual(published);
    expect(published).toMatchObject({
      format: "amtsbote.archive-bundle",
      id: w.published,
      state: "published",
      author: "anna",
      category: "allgemein",
      origin,
      decision: null,
      change: null,
    });
    expect(published.versions).toEqual([
      expect.objectContaining({
        number: 1,
        createdBy: "anna",
        text: "Hauptstraße ab Montag gesperrt.",
        textSha256: createHash("sha256").update("Hauptstraße ab Montag gesperrt.").digest("hex"),
        hashVerified: true,
        poll: null,
        media: [{ name: "umleitung.jpg", mimeType: "image/jpeg", bytes: 4, sha256: PICTURE_SHA, altText: "Karte" }],
      }),
    ]);
    const hash = published.versions[0]!.hash;
    expect(published.approvals).toEqual([
      { by: "carla", versionHash: hash, at: "2026-11-30T09:00:00.000Z", via: "command" },
    ]);
    expect(published.deliveries).toEqual([
      expect.objectContaining({
        outlet: "fake",
        action: "publish",
        state: "sent",
        attempts: 1,
        receipt: { outlet: "fake", remoteId: "remote-1", url: null, at: "2026-11-30T09:00:00.000Z", confirmedBy: null },
      }),
    ]);
    expect(published.receipts).toEqual([
      expect.objectContaining({ outlet: "fake", remoteId: "remote-1", version: 1, versionHash: hash }),
    ]);
    expect(published.events.map((e) => e.event).at(-1)).toBe("published");

    const rejected: ArchiveBundle = archiveBundle((await w.store.get(w.rejected))!);
    expect(rejected.versions.map((v) => [v.number, v.text, v.hashVerified])).toEqual([
      [1, "Bergstraße: Umleitung.", true],
      [2, "Bergstraße: Umleitung über Uesen.", true],
    ]);
    expect(rejected.decision).toEqual({ by: "dieter", at: "2026-11-30T23:30:00.000Z", reason: TRICKY_REASON });
    expect(rejected.approvals).toEqual([]);
    expect(rejected.receipts).toEqual([]);

    // The bundle is a copy: changing it leaves the record alone.
    rejected.events.length = 0;
    expect((await w.store.get(w.rejected))?.events).toHaveLength(4);
  });

  it("as a process: reads STORE_URL, writes JSON Lines, CSV and bundles, refuses bad arguments with exit code 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amtsbote-audit-"));
    const url = `sqlite://${join(dir, "x.sqlite")}`;
    const store = await openStore(url);
    const ids = await scenario(aWorld(store));
    const stored = await listAnnouncements(store);
    await store.close();

    const newYork = join(dir, "new-york.yaml");
    writeFileSync(newYork, TEST_POLICY_YAML.replace("timezone: Europe/Berlin", "timezone: America/New_York"));
    const run = (args: string[], storeUrl = url, env: Record<string, string> = {}) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ["adapters/audit/cli.ts", ...args], {
          cwd: ROOT,
          env: childEnv({ STORE_URL: storeUrl, ...env }),
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        child.once("error", reject);
        child.once("close", (code) => resolve({ code, stdout, stderr }));
      });

    const bundles = join(dir, "bundles");
    const missingStore = join(dir, "nowhere", "none.sqlite");
    const [jsonl, csv, csvNewYork, bundle, all, xml, noStore, unknown] = await Promise.all([
      run([]),
      run(["--format", "csv", "--since", "2026-12-01"]),
      run(["--format", "csv", "--since", "2026-12-01"], url, { POLICY_FILE: newYork }),
      run(["--bundle", "a-1"]),
      run(["--bundle-all", bundles]),
      run(["--format", "xml"]),
      run([], `sqlite://${missingStore}`),
      run(["--bundle", "A-0099"]),
    ]);

    expect(jsonl).toMatchObject({ code: 0, stderr: "" });
    expect(jsonl.stdout).toBe(toJsonl(auditRows(stored)));
    const events = jsonl.stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as AuditRow).event);
    expect(events).toEqual(stored.flatMap((a) => a.events.map((e) => e.event)));

    expect(csv).toMatchObject({ code: 0, stderr: "" });
    const [header, ...records] = parseCsv(csv.stdout);
    expect(header).toEqual([...AUDIT_COLUMNS]);
    expect(records.map((r) => r[AUDIT_COLUMNS.indexOf("event")])).toEqual(["reject", "create", "submit", "withdraw"]);
    // The days are the policy's: 23:30 UTC on 30 November is still 30 November in New York.
    expect(csvNewYork).toMatchObject({ code: 0, stderr: "" });
    expect(parseCsv(csvNewYork.stdout).map((r) => r[AUDIT_COLUMNS.indexOf("event")])).toEqual([
      "event",
      "create",
      "submit",
      "withdraw",
    ]);

    expect(bundle).toMatchObject({ code: 0, stderr: "" });
    const fromCli = JSON.parse(bundle.stdout) as ArchiveBundle;
    expect(fromCli).toEqual(archiveBundle(stored[0]!));
    expect(fromCli.receipts[0]?.remoteId).toBe("remote-1");

    expect(all).toMatchObject({ code: 0, stderr: "" });
    expect(readdirSync(bundles).sort()).toEqual([
      `${ids.published}.json`,
      `${ids.rejected}.json`,
      `${ids.withdrawn}.json`,
    ]);
    const written = JSON.parse(readFileSync(join(bundles, `${ids.rejected}.json`), "utf8")) as ArchiveBundle;
    expect(written.versions.map((v) => v.text)).toEqual([
      "Bergstraße: Umleitung.",
      "Bergstraße: Umleitung über Uesen.",
    ]);

    expect(xml.code).toBe(2);
    expect(xml.stdout).toBe("");
    expect(xml.stderr).toMatch(/^audit: --format: expected jsonl or csv, got "xml" \(see --help\)\n$/);

    expect(noStore.code).toBe(1);
    expect(noStore.stdout).toBe("");
    expect(noStore.stderr).toContain("no store at");
    expect(existsSync(missingStore)).toBe(false);

    expect(unknown).toMatchObject({ code: 1, stdout: "", stderr: "audit: A-0099: no such announcement\n" });
  });
});
