import type { Announcement } from "./announcement.ts";
import { applyEvent } from "./audit.ts";

/**
 * Once no outlet is still in progress: `published` when every outlet has it, `failed` when any gave up.
 * Returns the new state, or undefined while deliveries are still open.
 */
export function settleDeliveries(a: Announcement, actor: string, now: Date): "published" | "failed" | undefined {
  if (a.state !== "publishing") return undefined;
  if (a.deliveries.every((d) => d.state === "sent")) {
    applyEvent(a, "published", actor, now);
    return "published";
  }
  if (a.deliveries.every((d) => d.state === "sent" || d.state === "failed")) {
    applyEvent(a, "failed", actor, now);
    return "failed";
  }
  return undefined;
}
