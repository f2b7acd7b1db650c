import { currentVersion, type Announcement, type AuditEvent, type Receipt } from "./announcement.ts";
import type { Logger } from "../ports/logger.ts";
import { nextState, type LifecycleEvent } from "./lifecycle.ts";

export const SYSTEM_ACTOR = "system";

export interface AuditDetails {
  reason?: string;
  outlet?: string;
  receipt?: Receipt;
}

/**
 * Applies one lifecycle event: moves the state along the transition table and appends its audit event.
 * Returns false, changing nothing, when the table does not allow the event in the current state.
 */
export function applyEvent(
  a: Announcement,
  event: LifecycleEvent,
  actor: string,
  at: Date,
  details: AuditDetails = {},
): boolean {
  const to = nextState(a.state, event);
  if (!to) return false;
  const version = currentVersion(a);
  const entry: AuditEvent = {
    seq: a.events.length + 1,
    at: at.toISOString(),
    actor,
    event,
    from: a.state,
    to,
    version: version.number,
    versionHash: version.hash,
    ...details,
  };
  a.events.push(entry);
  a.state = to;
  a.updatedAt = entry.at;
  return true;
}

/** One info line per audit event from `since` on: who did what to which announcement, never its text. */
export function logEvents(log: Logger, a: Announcement, since: number): void {
  for (const e of a.events.slice(since)) {
    const { actor, event: action, from, to, version, outlet } = e;
    log.info({ id: a.id, actor, action, from, to, version, ...(outlet ? { outlet } : {}) }, "announcement changed");
  }
}
