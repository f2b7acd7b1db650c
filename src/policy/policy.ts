import { approvalsOfCurrentVersion, type Announcement } from "../announcement/announcement.ts";
import { isOfficeHours, nightOf, weekdayOf, type Calendar, type Weekday } from "../time/calendar.ts";
import type { Duration } from "../time/duration.ts";
import type { Template } from "../templates/templates.ts";
import type { WarningCategories } from "../warnings/warning.ts";
import { DEFAULT_READABILITY, type ReadabilityOptions, type SyllableCounter } from "../readability/index.ts";

export type Language = "de" | "en";

export interface Person {
  id: string;
  name: string;
  language: Language;
  /** Chat identities per platform, e.g. `{ slack: ["U0123"], matrix: ["@anna:achim.de"], console: ["anna"] }`. */
  identities: Record<string, string[]>;
}

/** Who is on duty outside office hours. */
export interface OnCallEntry {
  person: string;
  /**
   * Nights by the day they begin: a night's hours after midnight and until noon belong to the
   * day before (Monday's duty covers Tuesday 02:00). Absent with `from`/`to`.
   */
  weekdays?: readonly Weekday[];
  /** A fixed shift instead, e.g. over the holidays. */
  from?: Date;
  to?: Date;
}

export interface Category {
  id: string;
  label: string;
  quorum: number;
  /** Person ids, groups already resolved. */
  approvers: string[];
  /** Pending longer than this: expired. */
  deadline?: Duration;
  /** Who is pinged when it waits too long for approval: deputy, then head, then mayor. */
  escalation?: readonly { after: Duration; notify: readonly string[] }[];
  /** Water main, storm, fire: the on-call staff may publish it at night without waiting (break-glass). */
  emergency?: { freeText: boolean };
  /** The outlets (by name) its announcements go to by default; absent: every configured outlet. */
  outlets?: readonly string[];
  /** Plain-language hints for this category, where they differ from the policy's (emergencies may be terse). */
  readability?: Partial<ReadabilityOptions>;
}

export interface Policy {
  language: Language;
  timezone: string;
  people: ReadonlyMap<string, Person>;
  editors: ReadonlySet<string>;
  admins: ReadonlySet<string>;
  categories: ReadonlyMap<string, Category>;
  defaultCategory: string;
  calendar: Calendar;
  onCall: readonly OnCallEntry[];
  templates: ReadonlyMap<string, Template>;
  /** Groups whose members also come from a chat's directory (a Slack user group): name → where. */
  directoryGroups?: ReadonlyMap<string, DirectoryGroup>;
  /** Plain-language and accessibility hints: the policy's thresholds, and how syllables are counted. */
  readability?: { options: ReadabilityOptions; syllables?: SyllableCounter };
  /** Official warnings (NINA): the category a relayed warning is drafted in. */
  warnings?: { categories: WarningCategories };
}

export interface DirectoryGroup {
  platform: string;
  /** The group's id on that platform, e.g. `S0LEITUNG`. */
  id: string;
  /** People listed in the policy itself; they stay whatever the directory says. */
  listed: readonly string[];
  /** Where the policy names the group: its members draft, administer or approve there. */
  usedBy: { editors: boolean; admins: boolean; categories: readonly string[] };
}

export function resolvePerson(policy: Policy, platform: string, userId: string): Person | undefined {
  for (const person of policy.people.values()) {
    if (person.identities[platform]?.includes(userId)) return person;
  }
  return undefined;
}

/** The hint thresholds for a category: the policy's, with the category's own where it has them. */
export function readabilityFor(policy: Policy, categoryId: string): ReadabilityOptions {
  return {
    ...(policy.readability?.options ?? DEFAULT_READABILITY),
    ...policy.categories.get(categoryId)?.readability,
  };
}

/** The language of whoever this chat user is; the policy's own for someone it does not know. */
export const languageOf = (policy: Policy, platform: string, userId: string): Language =>
  resolvePerson(policy, platform, userId)?.language ?? policy.language;

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

/** On the roster for this instant, which lies outside office hours. */
export function isOnDuty(policy: Policy, personId: string, instant: Date): boolean {
  if (isOfficeHours(policy.calendar, instant)) return false;
  const dutyDay = weekdayOf(nightOf(instant, policy.timezone));
  return policy.onCall.some((entry) => {
    if (entry.person !== personId) return false;
    if (entry.from && entry.to) return instant >= entry.from && instant < entry.to;
    return entry.weekdays?.includes(dutyDay) ?? false;
  });
}
