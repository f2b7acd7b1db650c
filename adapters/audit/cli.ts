import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseAnnouncementId, type AnnouncementId } from "../../src/announcement/announcement.ts";
import { isoDate, type CalendarDate } from "../../src/time/calendar.ts";
import { isValidWallTime } from "../../src/time/zoned.ts";
import { ConfigError } from "../config/config-error.ts";
import { loadEnv } from "../config/env.ts";
import { loadPolicy } from "../config/policy-file.ts";
import { maskUrlPassword } from "../log.ts";
import { openStore, storeKind } from "../store/open-store.ts";
import {
  archiveBundle,
  auditRows,
  dayWindow,
  scanAnnouncements,
  scanWarnings,
  toCsv,
  toJsonl,
  touchedWithin,
  warningAuditRows,
  warningsToCsv,
  type DayRange,
} from "./export.ts";

/** The policy's default zone, for a machine without the policy file. */
const DEFAULT_TIME_ZONE = "Europe/Berlin";

export const USAGE = `Usage:
  npm run -s audit -- [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--format jsonl|csv]
  npm run -s audit -- --bundle A-0042
  npm run -s audit -- --bundle-all <dir> [--since YYYY-MM-DD] [--until YYYY-MM-DD]

Exports the audit trail of the store STORE_URL names (from the environment or .env); reads only.
  --since DAY        events from the start of DAY, a calendar day in the policy's time zone
                     (timezone in POLICY_FILE; Europe/Berlin where there is no policy file)
  --until DAY        events up to the end of DAY, inclusive
  --format FORMAT    jsonl (default): one JSON object per event; csv: RFC 4180 with a header line,
                     cells starting with = + - @ prefixed with ' against spreadsheet formulas
  --bundle ID        the archive bundle of one announcement as JSON: every version's text, approvals,
                     outlet receipts with ids and times, media hashes, the full audit
  --bundle-all DIR   one <id>.json bundle per announcement into DIR; with --since/--until only those
                     with an event in that time
  --warnings         instead of the events: who relayed or dismissed which official warning (NINA), and
                     when; with --since/--until and --format like the events
  -h, --help         this text
Rows go to standard output; -s keeps npm's own header lines out of it (or run node adapters/audit/cli.ts).
Exit codes: 0 done, 1 store or announcement not found or not readable, 2 bad arguments or configuration.`;

export type AuditCommand =
  | { kind: "help" }
  | { kind: "rows"; format: "jsonl" | "csv"; days: DayRange; warnings?: true }
  | { kind: "bundle"; id: AnnouncementId }
  | { kind: "bundle-all"; dir: string; days: DayRange };

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` day that exists on the calendar. */
export function parseDay(raw: string): CalendarDate | undefined {
  const match = DAY.exec(raw);
  if (!match) return undefined;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  return isValidWallTime({ ...date, hour: 0, minute: 0 }) ? date : undefined;
}

const OPTIONS = {
  since: { type: "string", multiple: true },
  until: { type: "string", multiple: true },
  format: { type: "string", multiple: true },
  bundle: { type: "string", multiple: true },
  "bundle-all": { type: "string", multiple: true },
  warnings: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const VALUED = ["since", "until", "format", "bundle", "bundle-all"] as const;

const readOptions = (argv: readonly string[]) =>
  parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Reads the command line; every problem is one line saying what is wrong. */
export function parseAuditArgs(argv: readonly string[]): Parsed<AuditCommand> {
  let values: ReturnType<typeof readOptions>;
  try {
    values = readOptions(argv);
  } catch (error) {
    // node:util's messages go on with advice about positionals; the first sentence names the problem.
    const message = messageOf(error);
    return { ok: false, error: (message.split(/\.\s/)[0] ?? message).replace(/\.$/, "") };
  }
  if (values.help) return { ok: true, value: { kind: "help" } };
  const given: Partial<Record<(typeof VALUED)[number], string>> = {};
  for (const name of VALUED) {
    const all = values[name];
    if (all && all.length > 1) return { ok: false, error: `--${name} given more than once` };
    if (all?.[0] !== undefined) given[name] = all[0];
  }
  const { since, until, format, bundle } = given;
  const bundleAll = given["bundle-all"];

  const days: DayRange = {};
  if (since !== undefined) {
    const day = parseDay(since);
    if (!day) return { ok: false, error: `--since: expected a day as YYYY-MM-DD, got "${since}"` };
    days.since = day;
  }
  if (until !== undefined) {
    const day = parseDay(until);
    if (!day) return { ok: false, error: `--until: expected a day as YYYY-MM-DD, got "${until}"` };
    days.until = day;
  }
  const dayText = (d: CalendarDate) => isoDate(d.year, d.month, d.day);
  if (days.since && days.until && dayText(days.since) > dayText(days.until)) {
    return { ok: false, error: `--since ${since} is after --until ${until}` };
  }

  if (bundle !== undefined && bundleAll !== undefined) {
    return { ok: false, error: "--bundle and --bundle-all: give one of them" };
  }
  if ((bundle !== undefined || bundleAll !== undefined) && format !== undefined) {
    return { ok: false, error: "--format applies to the event export; bundles are always JSON" };
  }
  if (values.warnings && (bundle !== undefined || bundleAll !== undefined)) {
    return { ok: false, error: "--warnings is an export of its own; it does not go with --bundle or --bundle-all" };
  }
  if (bundle !== undefined) {
    if (since !== undefined || until !== undefined) {
      return { ok: false, error: "--since and --until do not apply to --bundle (a bundle is always whole)" };
    }
    const id = parseAnnouncementId(bundle);
    if (!id) return { ok: false, error: `--bundle: expected an announcement id like A-0042, got "${bundle}"` };
    return { ok: true, value: { kind: "bundle", id } };
  }
  if (bundleAll !== undefined) {
    if (bundleAll.trim() === "") return { ok: false, error: "--bundle-all: expected a directory" };
    return { ok: true, value: { kind: "bundle-all", dir: bundleAll, days } };
  }
  const chosen = format ?? "jsonl";
  if (chosen !== "jsonl" && chosen !== "csv") {
    return { ok: false, error: `--format: expected jsonl or csv, got "${chosen}"` };
  }
  return {
    ok: true,
    value: { kind: "rows", format: chosen, days, ...(values.warnings ? { warnings: true as const } : {}) },
  };
}

const write = (stream: NodeJS.WritableStream, text: string): Promise<void> =>
  text === ""
    ? Promise.resolve()
    : new Promise((resolveWrite, reject) => stream.write(text, (error) => (error ? reject(error) : resolveWrite())));

const fail = (message: string, code: number): number => {
  process.stderr.write(`audit: ${message}\n`);
  return code;
};

/** Runs one export; returns the exit code. */
export async function runAudit(argv: readonly string[], processEnv: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseAuditArgs(argv);
  if (!parsed.ok) return fail(`${parsed.error} (see --help)`, 2);
  const command = parsed.value;
  if (command.kind === "help") {
    await write(process.stdout, `${USAGE}\n`);
    return 0;
  }

  let url: string;
  let namespace: string;
  let timeZone = DEFAULT_TIME_ZONE;
  try {
    const { env } = loadEnv(processEnv);
    url = env.STORE_URL;
    namespace = env.STORE_NAMESPACE;
    if (command.kind !== "bundle" && existsSync(env.POLICY_FILE)) timeZone = loadPolicy(env.POLICY_FILE).timezone;
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message.replace(/\n\s*/g, " "), 2);
    throw error;
  }
  // Opening a SQLite URL creates the file: a mistyped path would export an empty audit and leave a stray file.
  if (storeKind(url) === "sqlite" && !existsSync(resolve(url.slice("sqlite://".length)))) {
    return fail(`no store at ${url} (STORE_URL)`, 1);
  }
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(url, { namespace });
    await store.ping();
  } catch (error) {
    return fail(`cannot open the store at ${maskUrlPassword(url)}: ${messageOf(error)}`, 1);
  }

  try {
    if (command.kind === "bundle") {
      const a = await store.get(command.id);
      if (!a) return fail(`${command.id}: no such announcement`, 1);
      await write(process.stdout, `${JSON.stringify(archiveBundle(a), null, 2)}\n`);
      return 0;
    }
    if (command.kind === "rows" && command.warnings) {
      const rows = warningAuditRows(await scanWarnings(store), dayWindow(command.days, timeZone));
      await write(process.stdout, command.format === "csv" ? warningsToCsv(rows) : toJsonl(rows));
      return 0;
    }
    const { announcements, missing } = await scanAnnouncements(store);
    if (missing.length > 0) {
      process.stderr.write(
        `audit: note: ids drawn but never stored (a draft refused or lost after its id was drawn): ${missing.join(", ")}\n`,
      );
    }
    if (command.kind === "bundle-all") {
      const chosen = announcements.filter((a) => touchedWithin(a, dayWindow(command.days, timeZone)));
      mkdirSync(command.dir, { recursive: true });
      for (const a of chosen) {
        writeFileSync(join(command.dir, `${a.id}.json`), `${JSON.stringify(archiveBundle(a), null, 2)}\n`);
      }
      await write(process.stdout, `wrote ${chosen.length} bundle(s) to ${command.dir}\n`);
      return 0;
    }
    const rows = auditRows(announcements, dayWindow(command.days, timeZone));
    await write(process.stdout, command.format === "csv" ? toCsv(rows) : toJsonl(rows));
    return 0;
  } catch (error) {
    return fail(messageOf(error), 1);
  } finally {
    await store.close();
  }
}

if (import.meta.main) {
  // A reader that stops early (`| head`) is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await runAudit(process.argv.slice(2), process.env);
}
