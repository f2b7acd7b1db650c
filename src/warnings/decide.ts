import { severityRank, type DashboardItem, type Severity, type WarningRecord } from "./warning.ts";

/** Which warnings the town wants offered. */
export interface WarningFilter {
  minSeverity: Severity;
  /** Upper case; empty means every sender. */
  providers: readonly string[];
}

/** What one dashboard entry means for the town, given what the bot already knows of it. */
export type Decision =
  /** Seen for the first time and worth a card. */
  | { kind: "offer" }
  /** Seen for the first time, below the threshold or from a sender not chosen: remembered, not offered. */
  | { kind: "skip"; why: "below_threshold" | "provider_filtered" }
  /** Known, and changed (higher version or new hash). */
  | { kind: "changed"; cancelled: boolean; nowWanted: boolean }
  /** Known, and nothing changed. */
  | { kind: "same" };

export function wanted(item: DashboardItem, filter: WarningFilter): "yes" | "below_threshold" | "provider_filtered" {
  if (filter.providers.length > 0 && !filter.providers.includes(item.provider.toUpperCase())) {
    return "provider_filtered";
  }
  if (severityRank(item.severity) < severityRank(filter.minSeverity)) return "below_threshold";
  return "yes";
}

export function decide(known: WarningRecord | undefined, item: DashboardItem, filter: WarningFilter): Decision {
  const want = wanted(item, filter);
  if (!known) return want === "yes" ? { kind: "offer" } : { kind: "skip", why: want };
  const newer =
    item.version > known.item.version || (item.version === known.item.version && item.hash !== known.item.hash);
  if (!newer) return { kind: "same" };
  return { kind: "changed", cancelled: item.msgType.toLowerCase() === "cancel", nowWanted: want === "yes" };
}

/** The warnings that were on the dashboard before and are gone now: they ended. */
export const goneIds = (before: readonly string[], now: ReadonlySet<string>): string[] =>
  before.filter((id) => !now.has(id));

/** Answers in a row without a warning before it counts as ended: one empty answer may be a glitch. */
export const GONE_AFTER_ANSWERS = 2;

/**
 * Consecutive failed polls before the room hears the service is unreachable: one failed poll is a blip.
 */
export const DOWN_AFTER_FAILURES = 3;
