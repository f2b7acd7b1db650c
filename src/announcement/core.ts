import { fail, ok, type Result } from "../errors.ts";
import type { ModeSetting } from "../modes/modes.ts";
import { type Policy } from "../policy/policy.ts";
import type { Clock } from "../ports/clock.ts";
import type { Logger } from "../ports/logger.ts";
import type { ModeNotice, Notice, NoticeSink } from "../ports/notices.ts";
import { announcementLockKey, type Store } from "../ports/store.ts";
import {
  currentVersion,
  type Announcement,
  type AnnouncementId,
  type ChangeRequest,
  type Content,
} from "./announcement.ts";
import { applyEvent, logEvents } from "./audit.ts";
import { normaliseText, validateContent } from "./content.ts";
import { isSettled } from "./delivery.ts";
import { saveRecord } from "./due.ts";
import { checkOutletsCarry, outletsOf, type ConfiguredOutlet } from "./outlets.ts";
import { type LifecycleEvent } from "./lifecycle.ts";

export interface AnnouncementServiceDeps {
  store: Store;
  policy: Policy;
  clock: Clock;
  /** Every configured outlet; each announcement goes to those chosen for it. */
  outlets: readonly ConfiguredOutlet[];
  notices: NoticeSink;
  log: Logger;
  /**
   * Called when a delivery became due, so the outbox need not wait for its next poll: with the announcement's
   * id when one was just approved (awaited before the chat is told, so citizens come first).
   */
  onDue?: (id?: AnnouncementId) => void | Promise<void>;
  /** False when a gateway is configured without a test channel: exercise mode cannot be switched on. */
  canExercise?: boolean;
}

export interface VersionRef {
  /** The version the person saw; absent means the current one. */
  version?: number;
}

export type Core = ReturnType<typeof createCore>;

/** What every part of the announcement service shares: ports, the locked read-change-write, audit steps. */
export function createCore(deps: AnnouncementServiceDeps) {
  const { store, policy, clock, notices, log } = deps;

  async function tell(notice: Notice | ModeNotice): Promise<void> {
    try {
      await notices.emit(notice);
    } catch (error) {
      const id = "announcement" in notice ? notice.announcement.id : undefined;
      log.error({ err: error, notice: notice.kind, id }, "could not deliver notice");
    }
  }

  async function modeOn(mode: "crisis" | "exercise"): Promise<ModeSetting | undefined> {
    const setting = (await store.getSetting(`mode:${mode}`)) as ModeSetting | undefined;
    return setting?.on ? setting : undefined;
  }

  /** Read, change and write one announcement under its lock; nothing is written when `change` fails. */
  async function mutate(
    id: AnnouncementId,
    change: (a: Announcement, now: Date) => Result<void>,
  ): Promise<Result<Announcement>> {
    return store.withLock(announcementLockKey(id), async () => {
      // Every read gives a fresh copy: `change` may work on it, and a failed change is simply dropped.
      const a = await store.get(id);
      if (!a) return fail("NOT_FOUND", { id });
      const wasSettled = isSettled(a);
      const known = a.events.length;
      const changed = change(a, clock.now());
      if (!changed.ok) return changed;
      if (wasSettled && !isSettled(a)) await store.markOpen(id);
      await saveRecord(store, a, clock.now(), policy);
      if (isSettled(a)) await store.markClosed(id);
      logEvents(log, a, known);
      return ok(a);
    });
  }

  function step(a: Announcement, event: LifecycleEvent, actor: string, now: Date, reason?: string): Result<void> {
    const applied = applyEvent(a, event, actor, now, reason === undefined ? {} : { reason });
    return applied ? ok(undefined) : fail("INVALID_STATE", { id: a.id, state: a.state });
  }

  /** A correction or retraction still waiting for its approvals. */
  function pendingChange(a: Announcement): ChangeRequest | undefined {
    return a.change && !a.change.approved ? a.change : undefined;
  }

  function checkVersion(a: Announcement, ref: VersionRef): Result<void> {
    const current = pendingChange(a)?.version ?? currentVersion(a).number;
    if (ref.version !== undefined && ref.version !== current) {
      return fail("STALE_VERSION", { id: a.id, given: ref.version, current });
    }
    return ok(undefined);
  }

  /** Within the adopted limits, and something every outlet it goes to can carry. */
  function prepareContent(content: Content, to: Pick<Announcement, "outlets">): Result<Content> {
    const checked = validateContent({ ...content, text: normaliseText(content.text) });
    if (!checked.ok) return checked;
    const carried = checkOutletsCarry(checked.value, outletsOf(to, deps.outlets));
    return carried.ok ? checked : carried;
  }

  /** Every announcement with something left to do, read once, in id order. */
  async function openAnnouncements(): Promise<Announcement[]> {
    const all = await store.getMany(await store.openIds());
    return all
      .filter((a): a is Announcement => a !== undefined && !isSettled(a))
      .sort((x, y) => x.id.localeCompare(y.id));
  }

  return {
    deps,
    store,
    policy,
    clock,
    log,
    tell,
    modeOn,
    mutate,
    step,
    pendingChange,
    checkVersion,
    prepareContent,
    openAnnouncements,
  };
}
