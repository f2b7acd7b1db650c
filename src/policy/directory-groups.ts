import type { DirectoryGroup, Person, Policy } from "./policy.ts";

interface DirectoryState {
  /** Editors, admins and approvers as the policy file lists them. */
  listed: { editors: string[]; admins: string[]; approvers: Map<string, string[]> };
  /** Members each group has from its directory. */
  fed: Map<string, string[]>;
}

const STATE = new WeakMap<Policy, DirectoryState>();

function stateOf(policy: Policy): DirectoryState {
  let state = STATE.get(policy);
  if (!state) {
    state = {
      listed: {
        editors: [...policy.editors],
        admins: [...policy.admins],
        approvers: new Map([...policy.categories].map(([id, c]) => [id, [...c.approvers]])),
      },
      fed: new Map(),
    };
    STATE.set(policy, state);
  }
  return state;
}

/**
 * Brings a directory-fed group (e.g. a Slack user group) up to date. Members unknown to the policy
 * become people (`<platform>-<id>`). Each place that names a directory group (editors, admins,
 * a category's approvers) then holds what the file lists plus the groups' current members,
 * so someone who leaves the group loses what only the group gave them.
 * The policy is changed in place, so every reader sees the same members.
 */
export function applyDirectoryMembers(
  policy: Policy,
  group: string,
  members: readonly { userId: string; name: string }[],
): { added: string[]; removed: string[] } {
  const link = policy.directoryGroups?.get(group);
  if (!link) return { added: [], removed: [] };
  const state = stateOf(policy);
  const people = policy.people as Map<string, Person>;
  const ids = members.map(({ userId, name }) => {
    for (const person of people.values()) {
      if (person.identities[link.platform]?.includes(userId)) return person.id;
    }
    const id = `${link.platform}-${userId.toLowerCase()}`;
    people.set(id, { id, name, language: policy.language, identities: { [link.platform]: [userId] } });
    return id;
  });
  const before = new Set(state.fed.get(group) ?? []);
  const now = new Set(ids);
  state.fed.set(group, [...now]);

  const fedFor = (uses: (usedBy: DirectoryGroup["usedBy"]) => boolean): string[] =>
    [...(policy.directoryGroups ?? [])]
      .filter(([, g]) => uses(g.usedBy))
      .flatMap(([name]) => state.fed.get(name) ?? []);
  replaceSet(policy.editors as Set<string>, [...state.listed.editors, ...fedFor((u) => u.editors)]);
  replaceSet(policy.admins as Set<string>, [...state.listed.admins, ...fedFor((u) => u.admins)]);
  for (const [id, category] of policy.categories) {
    const listed = state.listed.approvers.get(id) ?? [];
    const approvers = [...new Set([...listed, ...fedFor((u) => u.categories.includes(id))])];
    category.approvers.splice(0, category.approvers.length, ...approvers);
  }
  return {
    added: [...now].filter((id) => !before.has(id)),
    removed: [...before].filter((id) => !now.has(id)),
  };
}

function replaceSet(set: Set<string>, members: readonly string[]): void {
  set.clear();
  for (const m of members) set.add(m);
}
