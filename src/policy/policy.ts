import { approvalsOfCurrentVersion, type Announcement } from "../announcement/announcement.ts";

export type Language = "de" | "en";

export interface Person {
  id: string;
  name: string;
  language: Language;
  /** Chat identities per platform, e.g. `{ slack: ["U0123"], matrix: ["@anna:achim.de"], console: ["anna"] }`. */
  identities: Record<string, string[]>;
}

export interface Category {
  id: string;
  label: string;
  quorum: number;
  /** Person ids, groups already resolved. */
  approvers: string[];
  /** Pending longer than this: expired. */
  deadlineMs?: number;
}

export interface Policy {
  language: Language;
  timezone: string;
  people: ReadonlyMap<string, Person>;
  editors: ReadonlySet<string>;
  admins: ReadonlySet<string>;
  categories: ReadonlyMap<string, Category>;
  defaultCategory: string;
}

export function resolvePerson(policy: Policy, platform: string, userId: string): Person | undefined {
  for (const person of policy.people.values()) {
    if (person.identities[platform]?.includes(userId)) return person;
  }
  return undefined;
}

export const canDraft = (policy: Policy, personId: string): boolean =>
  policy.editors.has(personId) || policy.admins.has(personId);

export const isApproverFor = (policy: Policy, personId: string, categoryId: string): boolean =>
  policy.categories.get(categoryId)?.approvers.includes(personId) ?? false;

export const isStaff = (policy: Policy, personId: string): boolean =>
  canDraft(policy, personId) || [...policy.categories.values()].some((c) => c.approvers.includes(personId));

/** The author, the category's approvers and admins may edit or withdraw. */
export const canChange = (policy: Policy, personId: string, a: Announcement): boolean =>
  a.author === personId || isApproverFor(policy, personId, a.category) || policy.admins.has(personId);

export function quorumOf(policy: Policy, categoryId: string): number {
  return policy.categories.get(categoryId)?.quorum ?? 1;
}

/** Distinct approvers of the current version, and how many are still needed. */
export function approvalProgress(policy: Policy, a: Announcement): { have: string[]; needed: number } {
  const pendingChange = a.change && !a.change.approved ? a.change : undefined;
  const approvals = pendingChange ? pendingChange.approvals : approvalsOfCurrentVersion(a);
  const have = [...new Set(approvals.map((x) => x.by))];
  return { have, needed: Math.max(0, quorumOf(policy, a.category) - have.length) };
}

export const displayName = (policy: Policy, personId: string): string => policy.people.get(personId)?.name ?? personId;
