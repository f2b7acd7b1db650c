import type { AnnouncementState } from "./announcement.ts";

/** Delivery steps: of the first publication, or of a correction or retraction of a live post. */
const DELIVERING = { publishing: "publishing", published: "published", corrected: "corrected" } as const;

/** A break-glass post can be reviewed whatever became of it. */
const REVIEWABLE = {
  approved: "approved",
  scheduled: "scheduled",
  publishing: "publishing",
  published: "published",
  corrected: "corrected",
  failed: "failed",
  retracted: "retracted",
} as const;

/** Steps of a correction or retraction while the post stays live. */
const LIVE = { published: "published", corrected: "corrected" } as const;

/**
 * Every state change an announcement can make, and from where.
 * An event absent from a state's row is refused in that state.
 */
export const TRANSITIONS = {
  submit: { draft: "pending" },
  edit: { draft: "draft", pending: "pending", approved: "pending", scheduled: "pending" },
  approve: { pending: "pending" },
  revoke_approval: { pending: "pending" },
  escalate: { pending: "pending" },
  quorum_reached: { pending: "approved" },
  break_glass: { pending: "approved" },
  schedule: { approved: "scheduled" },
  start_publishing: { approved: "publishing", scheduled: "publishing" },
  delivery_started: DELIVERING,
  delivery_unknown: DELIVERING,
  delivery_retry: DELIVERING,
  handoff_requested: DELIVERING,
  handoff_fallback: DELIVERING,
  delivery_sent: DELIVERING,
  delivery_failed: DELIVERING,
  delivery_needs_manual_check: DELIVERING,
  published: { publishing: "published" },
  failed: { publishing: "failed" },
  reject: { pending: "rejected" },
  withdraw: { draft: "withdrawn", pending: "withdrawn", approved: "withdrawn", scheduled: "withdrawn" },
  expire: { pending: "expired" },
  request_correction: LIVE,
  request_retraction: LIVE,
  approve_change: LIVE,
  revoke_change_approval: LIVE,
  change_approved: LIVE,
  change_rejected: LIVE,
  change_withdrawn: LIVE,
  change_failed: LIVE,
  follow_up_linked: REVIEWABLE,
  incident_closed: REVIEWABLE,
  expiry_asked: REVIEWABLE,
  review_ok: REVIEWABLE,
  review_flagged: REVIEWABLE,
  review_reminded: REVIEWABLE,
  corrected: { published: "corrected", corrected: "corrected" },
  retracted: { published: "retracted", corrected: "retracted" },
} as const satisfies Record<string, Partial<Record<AnnouncementState, AnnouncementState>>>;

export type LifecycleEvent = keyof typeof TRANSITIONS;

export function nextState(from: AnnouncementState, event: LifecycleEvent): AnnouncementState | undefined {
  const row: Partial<Record<AnnouncementState, AnnouncementState>> = TRANSITIONS[event];
  return row[from];
}
