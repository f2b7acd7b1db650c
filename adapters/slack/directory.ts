import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import type { Logger } from "../../src/ports/logger.ts";
import { applyDirectoryMembers } from "../../src/policy/directory-groups.ts";
import type { Policy } from "../../src/policy/policy.ts";
import type { SlackNames } from "../markup/slack.ts";
import { slackError } from "./poster.ts";

const UserSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  real_name: z.string().optional(),
  deleted: z.boolean().optional(),
  is_bot: z.boolean().optional(),
  is_restricted: z.boolean().optional(),
  is_ultra_restricted: z.boolean().optional(),
  profile: z.object({ display_name: z.string().optional(), real_name: z.string().optional() }).optional(),
});
type SlackUser = z.infer<typeof UserSchema>;

const NAME_TTL_MS = 60 * 60_000;

const nameOf = (u: SlackUser): string =>
  u.profile?.display_name || u.profile?.real_name || u.real_name || u.name || u.id;

/**
 * What the bot knows about people in the workspace: display names for mentions, and the members
 * of the Slack user groups the policy links to its groups (slack.md §10).
 */
export class SlackDirectory implements SlackNames {
  readonly #client: WebClient;
  readonly #policy: Policy;
  readonly #log: Logger;
  readonly #names = new Map<string, { name: string; until: number }>();
  #groupsAvailable = true;

  constructor(client: WebClient, policy: Policy, log: Logger) {
    this.#client = client;
    this.#policy = policy;
    this.#log = log;
  }

  user(id: string): string | undefined {
    return this.#names.get(id)?.name;
  }

  channel(): string | undefined {
    return undefined;
  }

  async #info(id: string): Promise<SlackUser | undefined> {
    try {
      const answer = await this.#client.users.info({ user: id });
      const parsed = UserSchema.safeParse(answer.user);
      if (!parsed.success) return undefined;
      this.#names.set(id, { name: nameOf(parsed.data), until: Date.now() + NAME_TTL_MS });
      return parsed.data;
    } catch (error) {
      this.#log.warn({ user: id, error: slackError(error) ?? String(error) }, "users.info failed");
      return undefined;
    }
  }

  /** Looks up the names of the users a text mentions, so they read as names, not ids. */
  async learnMentions(text: string): Promise<void> {
    const ids = new Set([...text.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)].map((m) => m[1] ?? ""));
    await Promise.all(
      [...ids].filter((id) => id && (this.#names.get(id)?.until ?? 0) < Date.now()).map((id) => this.#info(id)),
    );
  }

  /**
   * Reads the members of every linked user group into the policy. Deactivated accounts, bots and
   * guests are left out. On a free plan Slack has no user groups: that is said once, and the
   * people listed in the policy remain the only ones.
   */
  async syncGroups(): Promise<void> {
    const links = [...(this.#policy.directoryGroups ?? [])].filter(([, g]) => g.platform === "slack");
    if (!links.length || !this.#groupsAvailable) return;
    for (const [group, link] of links) {
      let users: string[];
      try {
        const answer = await this.#client.usergroups.users.list({ usergroup: link.id });
        users = z.array(z.string()).parse(answer.users ?? []);
      } catch (error) {
        const code = slackError(error);
        if (code === "plan_upgrade_required" || code === "paid_teams_only") {
          this.#groupsAvailable = false;
          this.#log.warn(
            { group, usergroup: link.id },
            "Slack user groups need a paid Slack plan: this workspace has none, so only the people listed in the policy count (by their Slack user ids)",
          );
          return;
        }
        this.#log.error(
          { group, usergroup: link.id, error: code ?? String(error) },
          "could not read a Slack user group; keeping its last members",
        );
        continue;
      }
      const members: { userId: string; name: string }[] = [];
      for (const id of users) {
        const u = await this.#info(id);
        if (!u || u.deleted || u.is_bot || u.is_restricted || u.is_ultra_restricted) continue;
        members.push({ userId: id, name: nameOf(u) });
      }
      const { added, removed } = applyDirectoryMembers(this.#policy, group, members);
      this.#log.info({ group, usergroup: link.id, members: members.length, added, removed }, "Slack user group read");
    }
  }

  get groupsAvailable(): boolean {
    return this.#groupsAvailable;
  }
}
