import { createHash } from "node:crypto";
import {
  formatAnnouncementId,
  type Announcement,
  type AnnouncementId,
  type AnnouncementState,
  type Approval,
  type AuditEvent,
  type DeliveryAction,
  type DeliveryState,
  type Decision,
  type Incident,
  type Origin,
  type Receipt,
  type Poll,
  type Review,
} from "../../src/announcement/announcement.ts";
import { contentHash } from "../../src/announcement/content.ts";
import type { OutletErrorCode } from "../../src/ports/outlet.ts";
import type { Store } from "../../src/ports/store.ts";
import { formatWarningHandle, warningRecordKey, type WarningRecord } from "../../src/warnings/warning.ts";
import { addDays, startOfDay, type CalendarDate } from "../../src/time/calendar.ts";

/**
 * The audit export a town's archive needs: every audit event as one flat row (JSON Lines or CSV), and one
 * self-contained bundle per announcement (text of every version, approvals, outlet receipts, media hashes).
 * Reads the store only; writes nothing to it.
 */

const READ_BATCH = 16;

export interface AnnouncementScan {
  /** Every stored announcement, by id. */
  announcements: Announcement[];
  /** Ids handed out by the sequence that have no record (e.g. a draft refused after its id was drawn). */
  missing: AnnouncementId[];
}

/**
 * Every announcement ever stored. `openIds()` knows only the open ones; ids are drawn from the sequence
 * `announcement` as `A-0001, A-0002, …`, so this reads each id up to the sequence's current value.
 */
export async function scanAnnouncements(store: Store): Promise<AnnouncementScan> {
  const last = await store.currentSequence("announcement");
  const announcements: Announcement[] = [];
  const missing: AnnouncementId[] = [];
  for (let first = 1; first <= last; first += READ_BATCH) {
    const ids = Array.from({ length: Math.min(READ_BATCH, last - first + 1) }, (_, i) =>
      formatAnnouncementId(first + i),
    );
    const records = await Promise.all(ids.map((id) => store.get(id)));
    records.forEach((a, i) => {
      if (a) announcements.push(a);
      else missing.push(ids[i] as AnnouncementId);
    });
  }
  return { announcements, missing };
}

export async function listAnnouncements(store: Store): Promise<Announcement[]> {
  return (await scanAnnouncements(store)).announcements;
}

/** One audit event, flattened. Absent values are null, so every row has every column. */
export interface AuditRow {
  announcement: AnnouncementId;
  category: string;
  /** Made in exercise mode: went to the test channel only. */
  exercise: boolean;
  seq: number;
  at: string;
  actor: string;
  event: string;
  from: AnnouncementState | null;
  to: AnnouncementState;
  version: number;
  versionHash: string;
  reason: string | null;
  outlet: string | null;
  receiptRemoteId: string | null;
  receiptUrl: string | null;
  receiptAt: string | null;
  /** A person who confirmed a manual hand-off post. */
  receiptConfirmedBy: string | null;
}

/** The columns, in the order of the CSV header and of the keys in each JSON line. */
export const AUDIT_COLUMNS = [
  "announcement",
  "category",
  "exercise",
  "seq",
  "at",
  "actor",
  "event",
  "from",
  "to",
  "version",
  "versionHash",
  "reason",
  "outlet",
  "receiptRemoteId",
  "receiptUrl",
  "receiptAt",
  "receiptConfirmedBy",
] as const satisfies readonly (keyof AuditRow)[];

export interface TimeWindow {
  /** Events at or after this instant. */
  since?: Date;
  /** Events before this instant (exclusive). */
  until?: Date;
}

/** Whole local calendar days, both inclusive. */
export interface DayRange {
  since?: CalendarDate;
  until?: CalendarDate;
}

/**
 * The instants of a range of local days: from the first day's midnight to the midnight after the last,
 * so a day is 23 or 25 hours long where the clocks change.
 */
export const dayWindow = ({ since, until }: DayRange, timeZone: string): TimeWindow => ({
  ...(since ? { since: startOfDay(since, timeZone) } : {}),
  ...(until ? { until: startOfDay(addDays(until, 1), timeZone) } : {}),
});

const inWindow = (at: string, { since, until }: TimeWindow): boolean => {
  const t = Date.parse(at);
  return (since === undefined || t >= since.getTime()) && (until === undefined || t < until.getTime());
};

/** Keys in `AUDIT_COLUMNS` order: JSON Lines keep it. */
function rowOf(a: Announcement, e: AuditEvent): AuditRow {
  return {
    announcement: a.id,
    category: a.category,
    exercise: a.exercise === true,
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    actor: e.actor,
    event: e.event,
    from: e.from,
    to: e.to,
    version: e.version,
    versionHash: e.versionHash,
    reason: e.reason ?? null,
    outlet: e.outlet ?? e.receipt?.outlet ?? null,
    receiptRemoteId: e.receipt?.remoteId ?? null,
    receiptUrl: e.receipt?.url ?? null,
    receiptAt: e.receipt?.at ?? null,
    receiptConfirmedBy: e.receipt?.confirmedBy ?? null,
  };
}

/** One row per audit event within the window: announcement by announcement, each in its event order. */
export function auditRows(announcements: readonly Announcement[], window: TimeWindow = {}): AuditRow[] {
  return announcements.flatMap((a) => a.events.filter((e) => inWindow(e.at, window)).map((e) => rowOf(a, e)));
}

/** Whether anything happened to the announcement within the window. */
export const touchedWithin = (a: Announcement, window: TimeWindow): boolean =>
  a.events.some((e) => inWindow(e.at, window));

/** JSON Lines: one JSON object per line, `\n` after each; lossless (no CSV neutralisation). */
export function toJsonl(rows: readonly (AuditRow | WarningAuditRow)[]): string {
  return rows.map((r) => `${JSON.stringify(r)}\n`).join("");
}

/**
 * Spreadsheet formula injection (CWE-1236): Excel and LibreOffice run a cell that begins with `=`, `+`, `-` or
 * `@` (and, after some importers strip it, a leading tab or carriage return) as a formula, e.g. a rejection reason
 * `=HYPERLINK(…)` or `=cmd|…`. Such a field is prefixed with `'`, which spreadsheets show as text. The CSV is
 * meant to be opened by people; the JSON Lines export carries the values unchanged.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * CSV after RFC 4180: a header line, CRLF after every record, fields containing `,`, `"`, CR or LF enclosed in
 * double quotes with inner quotes doubled; null is the empty field. UTF-8 without byte-order mark.
 */
export function toCsv(rows: readonly AuditRow[]): string {
  const lines = [AUDIT_COLUMNS.join(","), ...rows.map((r) => AUDIT_COLUMNS.map((c) => csvField(r[c])).join(","))];
  return lines.map((line) => `${line}\r\n`).join("");
}

export interface BundleMedia {
  name: string;
  mimeType: string;
  bytes: number;
  sha256: string;
  altText: string | null;
}

export interface BundleVersion {
  number: number;
  createdAt: string;
  createdBy: string;
  /** amtsbote's version hash: the first 16 hex digits of SHA-256 over the canonical JSON of text, poll and media. */
  hash: string;
  /** Whether `hash` is what the stored content hashes to now. */
  hashVerified: boolean;
  text: string;
  /** Full SHA-256 (hex) of the text's UTF-8 bytes, to check a copy of the text on its own. */
  textSha256: string;
  poll: Poll | null;
  media: BundleMedia[];
}

export interface BundleReceipt {
  outlet: string;
  remoteId: string | null;
  /** Where people could see the post. */
  url: string | null;
  at: string;
  confirmedBy: string | null;
}

export interface BundleDelivery {
  outlet: string;
  action: DeliveryAction;
  handoff: boolean;
  state: DeliveryState;
  attempts: number;
  lastAttempt: { id: string; startedAt: string } | null;
  receipt: BundleReceipt | null;
  lastError: string | null;
  lastErrorCode: OutletErrorCode | null;
}

/** One outlet's confirmation that a post (or its edit or removal) is out, as the audit recorded it. */
export interface BundleReceiptEvent extends BundleReceipt {
  seq: number;
  version: number;
  versionHash: string;
}

export interface ArchiveBundle {
  format: "amtsbote.archive-bundle";
  formatVersion: 1;
  id: AnnouncementId;
  category: string;
  urgent: boolean;
  exercise: boolean;
  handoff: boolean;
  author: string;
  origin: Origin;
  state: AnnouncementState;
  createdAt: string;
  updatedAt: string;
  publishAt: string | null;
  deadline: string | null;
  expiresAt: string | null;
  versions: BundleVersion[];
  /** Approvals as stored now: approvals taken back before publication are only in `events`. */
  approvals: Approval[];
  decision: Decision | null;
  change: {
    kind: "correct" | "retract";
    version: number;
    hash: string;
    text: string | null;
    reason: string | null;
    requestedBy: string;
    requestedAt: string;
    approvals: Approval[];
    approved: boolean;
  } | null;
  /** The outbox entries as they stand (a correction or retraction replaces those of the first publication). */
  deliveries: BundleDelivery[];
  /** Every outlet receipt from the audit, in order: the first publication's survive later corrections here. */
  receipts: BundleReceiptEvent[];
  incident: Incident | null;
  review: Review | null;
  template: { name: string; hash: string } | null;
  escalated: number[];
  events: AuditEvent[];
}

const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

const receiptOf = (r: Receipt): BundleReceipt => ({
  outlet: r.outlet,
  remoteId: r.remoteId ?? null,
  url: r.url ?? null,
  at: r.at,
  confirmedBy: r.confirmedBy ?? null,
});

/** Everything the record holds about one announcement, as plain JSON with explicit nulls. */
export function archiveBundle(a: Announcement): ArchiveBundle {
  const copy = structuredClone(a);
  return {
    format: "amtsbote.archive-bundle",
    formatVersion: 1,
    id: copy.id,
    category: copy.category,
    urgent: copy.urgent,
    exercise: copy.exercise === true,
    handoff: copy.handoff === true,
    author: copy.author,
    origin: copy.origin,
    state: copy.state,
    createdAt: copy.createdAt,
    updatedAt: copy.updatedAt,
    publishAt: copy.publishAt ?? null,
    deadline: copy.deadline ?? null,
    expiresAt: copy.expiresAt ?? null,
    versions: copy.versions.map((v) => ({
      number: v.number,
      createdAt: v.createdAt,
      createdBy: v.createdBy,
      hash: v.hash,
      hashVerified: contentHash(v.content) === v.hash,
      text: v.content.text,
      textSha256: sha256Hex(v.content.text),
      poll: v.content.poll ?? null,
      media: v.content.media.map((m) => ({
        name: m.name,
        mimeType: m.mimeType,
        bytes: m.bytes,
        sha256: m.sha256,
        altText: m.altText ?? null,
      })),
    })),
    approvals: copy.approvals,
    decision: copy.decision ?? null,
    change: copy.change
      ? {
          kind: copy.change.kind,
          version: copy.change.version,
          hash: copy.change.hash,
          text: copy.change.content?.text ?? null,
          reason: copy.change.reason ?? null,
          requestedBy: copy.change.requestedBy,
          requestedAt: copy.change.requestedAt,
          approvals: copy.change.approvals,
          approved: copy.change.approved === true,
        }
      : null,
    deliveries: copy.deliveries.map((d) => ({
      outlet: d.outlet,
      action: d.action ?? "publish",
      handoff: d.handoff === true,
      state: d.state,
      attempts: d.attempts,
      lastAttempt: d.attempt ? { id: d.attempt.id, startedAt: d.attempt.startedAt } : null,
      receipt: d.receipt ? receiptOf(d.receipt) : null,
      lastError: d.lastError ?? null,
      lastErrorCode: d.lastErrorCode ?? null,
    })),
    receipts: copy.events.flatMap((e) =>
      e.receipt ? [{ seq: e.seq, version: e.version, versionHash: e.versionHash, ...receiptOf(e.receipt) }] : [],
    ),
    incident: copy.incident ?? null,
    review: copy.review ?? null,
    template: copy.template ?? null,
    escalated: copy.escalated ?? [],
    events: copy.events,
  };
}

/** Every official warning the watcher noted, W-0001 on, read like the announcements. */
export async function scanWarnings(store: Store): Promise<WarningRecord[]> {
  const last = await store.currentSequence("warning");
  const records: WarningRecord[] = [];
  for (let n = 1; n <= last; n += 1) {
    const record = (await store.getSetting(warningRecordKey(formatWarningHandle(n)))) as WarningRecord | undefined;
    if (record) records.push(record);
  }
  return records;
}

/** One decision on an official warning: who relayed or dismissed it (or its update, its all-clear), and when. */
export interface WarningAuditRow {
  warning: string;
  officialId: string;
  provider: string;
  severity: string | null;
  headline: string;
  exercise: boolean;
  at: string;
  actor: string;
  action: string;
  /** The warning's version decided on. */
  version: number;
  /** The announcement the relay drafted. */
  announcement: AnnouncementId | null;
}

export const WARNING_AUDIT_COLUMNS = [
  "warning",
  "officialId",
  "provider",
  "severity",
  "headline",
  "exercise",
  "at",
  "actor",
  "action",
  "version",
  "announcement",
] as const satisfies readonly (keyof WarningAuditRow)[];

export function warningAuditRows(records: readonly WarningRecord[], window: TimeWindow = {}): WarningAuditRow[] {
  return records.flatMap((r) =>
    r.decisions
      .filter((d) => inWindow(d.at, window))
      .map((d) => ({
        warning: r.handle,
        officialId: r.item.id,
        provider: r.item.provider,
        severity: r.item.severity ?? null,
        headline: r.details?.headline || r.item.headline,
        exercise: r.exercise === true,
        at: d.at,
        actor: d.by,
        action: d.action,
        version: d.version,
        announcement: d.announcement ?? null,
      })),
  );
}

/** The warning decisions as CSV, under the same rules as `toCsv`. */
export function warningsToCsv(rows: readonly WarningAuditRow[]): string {
  const lines = [
    WARNING_AUDIT_COLUMNS.join(","),
    ...rows.map((r) => WARNING_AUDIT_COLUMNS.map((c) => csvField(r[c])).join(",")),
  ];
  return lines.map((line) => `${line}\r\n`).join("");
}
