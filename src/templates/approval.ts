import type { Core } from "../announcement/core.ts";
import { fail, ok, type Result } from "../errors.ts";
import { isApproverFor } from "../policy/policy.ts";
import { type Store } from "../ports/store.ts";
import { templateHash, type Template } from "../templates/templates.ts";

/** Who approved which text of a template, kept in the store. */
export interface TemplateApproval {
  hash: string;
  by: string;
  at: string;
}

/** Whether this exact text of a template is the one approved. */
export async function templateApproved(store: Store, name: string, hash: string): Promise<boolean> {
  const approval = (await store.getSetting(`template:${name}`)) as TemplateApproval | undefined;
  return approval?.hash === hash;
}

/** Which template texts a department head has approved for use at night. */
export function templateApprovals(core: Core) {
  const { store, policy, clock, log } = core;

  return {
    /** Every template of the policy, and whether its current text is approved for use at night. */
    async templates(): Promise<{ template: Template; hash: string; approval?: TemplateApproval; approved: boolean }[]> {
      return Promise.all(
        [...policy.templates.values()].map(async (template) => {
          const hash = templateHash(template);
          const approval = (await store.getSetting(`template:${template.name}`)) as TemplateApproval | undefined;
          return { template, hash, ...(approval ? { approval } : {}), approved: approval?.hash === hash };
        }),
      );
    },

    /** A department head approves a template's current text, so night staff may publish it at once. */
    async approveTemplate(actor: string, name: string): Promise<Result<TemplateApproval>> {
      const template = policy.templates.get(name);
      if (!template)
        return fail("UNKNOWN_TEMPLATE", { template: name, known: [...policy.templates.keys()].join(", ") });
      if (!isApproverFor(policy, actor, template.category) && !policy.admins.has(actor)) {
        return fail("NOT_AN_APPROVER", { id: name, category: template.category });
      }
      const approval: TemplateApproval = { hash: templateHash(template), by: actor, at: clock.now().toISOString() };
      await store.putSetting(`template:${name}`, approval);
      log.info({ template: name, hash: approval.hash, by: actor }, "template approved");
      return ok(approval);
    },
  };
}
