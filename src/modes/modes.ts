import { type Announcement } from "../announcement/announcement.ts";
import type { Core } from "../announcement/core.ts";
import { fail, ok, type Result } from "../errors.ts";

/** Crisis or exercise mode, kept in the store so every instance and every restart agrees. */
export interface ModeSetting {
  on: boolean;
  by: string;
  at: string;
}

/** Opens every post made in exercise mode, so nobody takes it for real. */
export const EXERCISE_MARK = "🧪 *ÜBUNG* – keine echte Meldung";

/** Crisis mode and exercise mode, switched by approvers and kept in the store. */
export function modes(core: Core) {
  const { deps, store, policy, clock, log, tell, modeOn } = core;

  return {
    /** Switches crisis mode (routine scheduled posts wait) or exercise mode (all to the test channel). Approvers and admins. */
    async setMode(actor: string, mode: "crisis" | "exercise", on: boolean): Promise<Result<ModeSetting>> {
      const approver = [...policy.categories.values()].some((c) => c.approvers.includes(actor));
      if (!approver && !policy.admins.has(actor)) return fail("NOT_AN_APPROVER", { id: mode, category: "–" });
      if (mode === "exercise" && on && deps.canExercise === false) return fail("EXERCISE_NEEDS_TEST_CHANNEL");
      const setting: ModeSetting = { on, by: actor, at: clock.now().toISOString() };
      await store.putSetting(`mode:${mode}`, setting);
      log.warn({ mode, on, by: actor }, "mode changed");
      await tell({ kind: "mode_changed", mode, on, by: actor });
      if (!on) await deps.onDue?.();
      return ok(setting);
    },

    mode: (mode: "crisis" | "exercise"): Promise<ModeSetting | undefined> => modeOn(mode),

    /** Whether a due scheduled post must wait: routine posts during crisis mode. */
    async holds(a: Announcement): Promise<boolean> {
      if (policy.categories.get(a.category)?.emergency) return false;
      return (await modeOn("crisis")) !== undefined;
    },
  };
}
