import type { DeliveryAttempt } from "../../src/announcement/announcement.ts";
import type { Clock } from "../../src/ports/clock.ts";
import type { Notice, NoticeSink } from "../../src/ports/notices.ts";
import type {
  OutboundPost,
  Outlet,
  OutletCapabilities,
  OutletHealth,
  PublishOutcome,
  ReadBackOutcome,
  RemoteRef,
} from "../../src/ports/outlet.ts";
import { parsePolicy } from "../../adapters/config/policy-file.ts";
import type { Policy } from "../../src/policy/policy.ts";

export class FixedClock implements Clock {
  #now: number;
  constructor(iso = "2026-11-30T09:00:00.000Z") {
    this.#now = Date.parse(iso);
  }
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

export class RecordingNotices implements NoticeSink {
  readonly notices: Notice[] = [];
  async emit(notice: Notice): Promise<void> {
    this.notices.push(notice);
  }
  kinds(): string[] {
    return this.notices.map((n) => n.kind);
  }
}

/** An outlet whose answers a test scripts; records every call. */
export class FakeOutlet implements Outlet {
  readonly id: string;
  readonly capabilities: OutletCapabilities = {
    text: true,
    image: true,
    video: true,
    poll: true,
    edit: true,
    delete: true,
    maxTextLength: 4096,
    maxCaptionLength: 1024,
  };
  readBackGraceMs = 0;
  handoff = false;
  readonly published: { post: OutboundPost; attempt: DeliveryAttempt }[] = [];
  readonly readBacks: DeliveryAttempt[] = [];
  /** Answers for the next publish calls, in order; then "sent". */
  publishAnswers: (PublishOutcome | Error)[] = [];
  readBackAnswer: ReadBackOutcome = { state: "not_found" };
  /** Posts that really reached citizens (publish answers "unknown" may still have). */
  readonly live: string[] = [];
  unknownButLive = true;

  constructor(id = "fake") {
    this.id = id;
  }

  async publish(post: OutboundPost, attempt: DeliveryAttempt): Promise<PublishOutcome> {
    this.published.push({ post, attempt });
    const answer = this.publishAnswers.shift() ?? { state: "sent", remoteId: `remote-${this.published.length}` };
    if (answer instanceof Error) throw answer;
    if (answer.state === "sent" || (answer.state === "unknown" && this.unknownButLive))
      this.live.push(post.fingerprint);
    return answer;
  }

  readonly edits: { ref: RemoteRef; post: OutboundPost }[] = [];
  readonly removals: RemoteRef[] = [];
  /** The post each removal was given, as published. */
  readonly removedPosts: (OutboundPost | undefined)[] = [];

  async edit(ref: RemoteRef, post: OutboundPost): Promise<PublishOutcome> {
    this.edits.push({ ref, post });
    return { state: "sent", remoteId: ref.remoteId };
  }

  async remove(ref: RemoteRef, post?: OutboundPost): Promise<PublishOutcome> {
    this.removals.push(ref);
    this.removedPosts.push(post);
    return { state: "sent", remoteId: ref.remoteId };
  }

  async readBack(_post: OutboundPost, attempt: DeliveryAttempt): Promise<ReadBackOutcome> {
    this.readBacks.push(attempt);
    return this.readBackAnswer;
  }

  async health(): Promise<OutletHealth> {
    return { state: "ok" };
  }
}

export const TEST_POLICY_YAML = `
language: de
timezone: Europe/Berlin
people:
  anna: { name: Anna, console: anna }
  ben: { name: Ben, console: ben, language: en }
  carla: { name: Carla, console: carla }
  dieter: { name: Dieter, console: dieter }
  erik: { name: Erik, console: erik }
  zora: { name: Zora, console: zora }
groups:
  leitung: [carla, dieter]
editors: [anna, ben, carla]
admins: [erik]
defaultCategory: allgemein
categories:
  allgemein:
    label: Allgemeines
    approvers: ["@leitung"]
    quorum: 1
    deadline: 2d
    escalation:
      - { after: 30m, notify: [dieter] }
      - { after: 2h, notify: [erik, carla] }
  baustelle: { label: Baustelle, approvers: [carla, dieter, erik], quorum: 2, deadline: 1h }
  krise: { label: Krisenlage, approvers: ["@leitung"], emergency: true }
  sturm: { label: Unwetter, approvers: ["@leitung"], emergency: true, breakGlass: text }
onCall:
  - person: ben
    weekdays: [mon, tue, wed, thu, fri, sat, sun]
templates:
  wasserrohrbruch:
    category: krise
    text: |
      *Wasserrohrbruch in der {street}*
      Die {street} ist bis voraussichtlich {until} gesperrt.
      Rückfragen: {phone}
    variables:
      street: { max: 40, hint: Straßenname }
      until: { type: time, max: 30 }
      phone: { type: phone, default: "04202 9160-0" }
`;

export const testPolicy = (): Policy => parsePolicy(TEST_POLICY_YAML, "test-policy.yaml");

/** Ten approvers, quorum 3: parallel approvals must decide exactly once. */
export const CROWD_POLICY: Policy = parsePolicy(
  `
people:
  author: { name: Author }
${Array.from({ length: 10 }, (_, i) => `  p${i}: { name: P${i} }`).join("\n")}
editors: [author]
defaultCategory: general
categories:
  general: { label: General, approvers: [${Array.from({ length: 10 }, (_, i) => `p${i}`).join(", ")}], quorum: 3 }
`,
  "crowd.yaml",
);
