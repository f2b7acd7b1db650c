import type { AnnouncementState } from "./announcement.ts";

/**
 * Every state change an announcement can make, and from where.
 * An event absent from a state's row is refused in that state.
 */
export const TRANSITIONS = {
  submit: { draft: "pending" },
  edit: { draft: "draft", pending: "pending", approved: "pending", scheduled: "pending" },
  approve: { pending: "pending" },
  revoke_approval: { pending: "pending" },
  quorum_reached: { pending: "approved" },
  schedule: { approved: "scheduled" },
  start_publishing: { approved: "publishing", scheduled: "publishing" },
  delivery_started: { publishing: "publishing" },
  delivery_unknown: { publishing: "publishing" },
  delivery_retry: { publishing: "publishing" },
  handoff_requested: { publishing: "publishing" },
  handoff_fallback: { publishing: "publishing" },
  delivery_sent: { publishing: "publishing" },
  delivery_failed: { publishing: "publishing" },
  delivery_needs_manual_check: { publishing: "publishing" },
  published: { publishing: "published" },
  failed: { publishing: "failed" },
  reject: { pending: "rejected" },
  withdraw: { draft: "withdrawn", pending: "withdrawn", approved: "withdrawn", scheduled: "withdrawn" },
  expire: { pending: "expired" },
  correct: { published: "corrected", corrected: "corrected" },
  retract: { published: "retracted", corrected: "retracted" },
} as const satisfies Record<string, Partial<Record<AnnouncementState, AnnouncementState>>>;

export type LifecycleEvent = keyof typeof TRANSITIONS;

export function nextState(from: AnnouncementState, event: LifecycleEvent): AnnouncementState | undefined {
  const row: Partial<Record<AnnouncementState, AnnouncementState>> = TRANSITIONS[event];
  return row[from];
}
