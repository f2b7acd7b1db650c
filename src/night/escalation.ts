import type { Announcement } from "../announcement/announcement.ts";
import type { Core } from "../announcement/core.ts";
import { fail } from "../errors.ts";
import { addDuration, type Duration } from "../time/duration.ts";

/** Pings the next people when an announcement waits too long for approval. */
export function escalation(core: Core) {
  const { policy, clock, tell, mutate, step, openAnnouncements } = core;

  return {
    /** Pings the next people in a category's chain once an announcement has waited long enough; each step once. */
    async escalateDue(open?: readonly Announcement[]): Promise<number> {
      const now = clock.now();
      let fired = 0;
      for (const a of open ?? (await openAnnouncements())) {
        const id = a.id;
        const chain = policy.categories.get(a.category)?.escalation;
        if (a.state !== "pending" || !chain) continue;
        const created = new Date(a.createdAt);
        const waited = now.getTime() - created.getTime();
        const reached = (step: { after: Duration }) =>
          addDuration(created, step.after, policy.timezone).getTime() <= now.getTime();
        const due = chain.findIndex((s, i) => reached(s) && !(a.escalated ?? []).includes(i));
        if (due < 0) continue;
        let people: readonly string[] = [];
        const result = await mutate(id, (fresh, at) => {
          if (fresh.state !== "pending" || (fresh.escalated ?? []).includes(due)) {
            return fail("INVALID_STATE", { id, state: fresh.state });
          }
          // Pinging is per step; a step reached late still pings, earlier missed steps too, in order.
          const fire = chain.flatMap((s, i) => (reached(s) && !(fresh.escalated ?? []).includes(i) ? [i] : []));
          fresh.escalated = [...(fresh.escalated ?? []), ...fire];
          people = [...new Set(fire.flatMap((i) => chain[i]?.notify ?? []))].filter((p) => p !== fresh.author);
          return step(fresh, "escalate", "system", at, `pinged ${people.join(", ")}`);
        });
        if (result.ok) {
          fired += 1;
          await tell({ kind: "escalated", announcement: result.value, people, waitedMs: waited });
        }
      }
      return fired;
    },
  };
}
