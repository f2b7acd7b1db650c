import { FINAL_STATES, type Announcement, type Delivery } from "./announcement.ts";
import { applyEvent } from "./audit.ts";

/** Whether deliveries of this announcement are being carried out: its publication, or an approved change. */
export const isDelivering = (a: Announcement): boolean =>
  a.state === "publishing" || (a.change?.approved === true && (a.state === "published" || a.state === "corrected"));

/** A delivery still under way: waiting its turn, being sent, or waiting for a person to confirm. */
export const isUnsettled = (d: Delivery): boolean =>
  d.state === "queued" || d.state === "sending" || d.state === "awaiting_confirmation";

/** Nothing left to do: a final state, no correction or retraction under way, no review open, no incident open. */
export const isSettled = (a: Announcement): boolean =>
  FINAL_STATES.has(a.state) &&
  a.change === undefined &&
  a.review?.state !== "open" &&
  !(a.incident?.kind === "alert" && !a.incident.closed) &&
  !(a.expiresAt !== undefined && !a.expiryAsked && (a.state === "published" || a.state === "corrected"));

export type Settlement = "published" | "failed" | "corrected" | "retracted" | "change_failed";

/**
 * Once no outlet is still in progress, closes the step the deliveries were for:
 * the publication (published / failed) or the approved change (corrected / retracted / change failed).
 */
export function settleDeliveries(a: Announcement, actor: string, now: Date): Settlement | undefined {
  if (!isDelivering(a)) return undefined;
  const allSent = a.deliveries.every((d) => d.state === "sent");
  const allDone = a.deliveries.every((d) => d.state === "sent" || d.state === "failed");
  if (!allDone) return undefined;
  if (a.state === "publishing") {
    applyEvent(a, allSent ? "published" : "failed", actor, now);
    return allSent ? "published" : "failed";
  }
  const change = a.change;
  if (!change) return undefined;
  if (!allSent) {
    applyEvent(a, "change_failed", actor, now, { reason: `${change.kind} did not reach every outlet` });
    delete a.change;
    return "change_failed";
  }
  if (change.kind === "correct" && change.content) {
    a.versions.push({
      number: change.version,
      hash: change.hash,
      content: change.content,
      createdAt: change.requestedAt,
      createdBy: change.requestedBy,
    });
  }
  delete a.change;
  const done = change.kind === "correct" ? "corrected" : "retracted";
  applyEvent(a, done, actor, now);
  return done;
}
