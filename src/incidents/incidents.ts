import { currentVersion, type Announcement, type AnnouncementId } from "../announcement/announcement.ts";
import type { Core } from "../announcement/core.ts";
import { fail } from "../errors.ts";
import { plainFirstLine, shortened } from "../render/whatsapp.ts";

/** How a follow-up shows its link on outlets that cannot reply or quote: the alert's first line. */
export function followUpText(root: Announcement, kind: "update" | "cancel", text: string): string {
  const quoted = shortened(plainFirstLine(currentVersion(root).content.text), 80);
  const head = kind === "cancel" ? `✅ *Entwarnung* zu: ${quoted}` : `🔄 *Update* zu: ${quoted}`;
  return text.trim() ? `${head}\n\n${text.trim()}` : head;
}

const isLive = (a: Announcement): boolean => a.state === "published" || a.state === "corrected";

/** An alert whose all-clear has not gone out yet. */
export const isOpenIncident = (a: Announcement): boolean => a.incident?.kind === "alert" && !a.incident.closed;

/** Incident chains: closing them with the all-clear, and asking at a notice's end. */
export function incidents(core: Core) {
  const { store, clock, tell, mutate, step, openAnnouncements } = core;

  /** Marks the alert closed by its all-clear. */
  const close = (rootId: AnnouncementId, allClear: AnnouncementId) =>
    mutate(rootId, (r, at) => {
      if (!r.incident || r.incident.closed) return fail("INVALID_STATE", { id: rootId, state: r.state });
      r.incident = { ...r.incident, closed: true };
      return step(r, "incident_closed", "system", at, `all-clear ${allClear}`);
    });

  return {
    /** Right after an all-clear is out, in the same delivery pass: its incident is closed. */
    async closeIncidentOf(allClear: Announcement): Promise<void> {
      if (allClear.incident?.kind !== "cancel" || !isLive(allClear)) return;
      await close(allClear.incident.root, allClear.id);
    },

    /**
     * Closes incidents whose all-clear is out (a repair, should the process have stopped between the two writes),
     * and asks authors at a notice's end whether to post one.
     */
    async incidentTick(open?: readonly Announcement[]): Promise<void> {
      const now = clock.now();
      for (const a of open ?? (await openAnnouncements())) {
        const id = a.id;
        if (a.incident && isOpenIncident(a)) {
          const followUps = await Promise.all((a.incident.followUps ?? []).map((f) => store.get(f)));
          const cleared = followUps.find((f) => f?.incident?.kind === "cancel" && isLive(f));
          if (cleared) {
            await close(id, cleared.id);
            continue;
          }
        }
        if (isLive(a) && a.expiresAt && !a.expiryAsked && Date.parse(a.expiresAt) <= now.getTime()) {
          const asked = await mutate(id, (r, at) => {
            if (r.expiryAsked) return fail("INVALID_STATE", { id, state: r.state });
            r.expiryAsked = true;
            return step(r, "expiry_asked", "system", at);
          });
          if (asked.ok) await tell({ kind: "expiry_reached", announcement: asked.value });
        }
      }
    },
  };
}
