import type { AnnouncementService } from "../announcement/service.ts";
import type { Announcement, Origin } from "../announcement/announcement.ts";
import { fail, ok, type Result } from "../errors.ts";
import { checkBreakGlass } from "../night/reviews.ts";
import { canDraft, type Policy } from "../policy/policy.ts";
import type { Clock } from "../ports/clock.ts";
import type { Logger } from "../ports/logger.ts";
import type { AnnouncementRecords, Locks, Settings } from "../ports/store.ts";
import type { CardNews, WarningBoard } from "../ports/warning-board.ts";
import type { WarningSource } from "../ports/warning-source.ts";
import { decide, DOWN_AFTER_FAILURES, GONE_AFTER_ANSWERS, goneIds, type WarningFilter } from "./decide.ts";
import { allClearText, categoryFor, relayText } from "./relay-text.ts";
import {
  formatWarningHandle,
  type DashboardItem,
  type WarningDecision,
  type WarningDetails,
  type WarningHandle,
  type WarningRecord,
  warningRecordKey,
} from "./warning.ts";

export interface WarningWatcherDeps {
  store: Settings & Locks & Pick<AnnouncementRecords, "nextSequence">;
  source: WarningSource;
  board: WarningBoard;
  service: Pick<AnnouncementService, "draft" | "get" | "mode">;
  policy: Policy;
  clock: Clock;
  log: Logger;
  filter: WarningFilter;
  /** The district's key, for the log. */
  ars: string;
}

const recordKey = warningRecordKey;
const idKey = (id: string) => `warning-id:${id}`;
const CURRENT = "warnings:current";
const MISSING = "warnings:missing";
const SERVICE = "warnings:service";
const POLL_LOCK = "warnings:poll";
/** Long enough for a dashboard and a few details at their timeouts; a dead holder's lease runs out after it. */
const POLL_LEASE_MS = 5 * 60_000;

export type PollOutcome = "ok" | "failed" | "busy";

export type WarningWatcher = ReturnType<typeof createWarningWatcher>;

/**
 * Watches the district's official warnings: offers each new one on a card, follows its updates and its end,
 * and relays it through the normal announcement path when a person decides so. What it has seen is kept in the
 * store, so a restart or a second instance offers nothing twice.
 */
export function createWarningWatcher(deps: WarningWatcherDeps) {
  const { store, source, board, service, policy, clock, log, filter } = deps;
  let failures = 0;

  const read = async (handle: WarningHandle): Promise<WarningRecord | undefined> =>
    (await store.getSetting(recordKey(handle))) as WarningRecord | undefined;
  const write = (record: WarningRecord) => store.putSetting(recordKey(record.handle), record);
  const handleOf = async (id: string): Promise<WarningHandle | undefined> =>
    (await store.getSetting(idKey(id))) as WarningHandle | undefined;

  /** Details are a courtesy on the card: without them it shows the dashboard's headline; relay fetches again. */
  async function detailsOf(id: string): Promise<WarningDetails | undefined> {
    try {
      return await source.details(id);
    } catch (error) {
      log.warn({ warning: id, err: error }, "could not read the official warning's details");
      return undefined;
    }
  }

  /** Shows the card and notes where it is; a failure leaves the record unshown, for the next poll to try again. */
  async function showCard(record: WarningRecord): Promise<void> {
    const card = await board.show(record);
    await write({ ...record, ...(card ? { card } : {}), shown: true });
  }

  async function refresh(record: WarningRecord, news: CardNews): Promise<void> {
    try {
      await board.refresh(record.card, record, news);
    } catch (error) {
      log.warn({ warning: record.handle, err: error }, "could not update the warning card");
    }
  }

  async function firstSeen(item: DashboardItem, now: Date): Promise<void> {
    const decision = decide(undefined, item, filter);
    const handle = formatWarningHandle(await store.nextSequence("warning"));
    const exercise = (await service.mode("exercise")) !== undefined;
    const offered = decision.kind === "offer";
    const details = offered ? await detailsOf(item.id) : undefined;
    const record: WarningRecord = {
      handle,
      item,
      ...(details ? { details } : {}),
      state: decision.kind === "skip" ? decision.why : "offered",
      firstSeen: now.toISOString(),
      followUps: [],
      decisions: [],
      ...(exercise ? { exercise: true } : {}),
    };
    // The id is noted before the card: a crash in between leaves a record the next poll shows, never a second one.
    await write(record);
    await store.putSetting(idKey(item.id), handle);
    log.info({ warning: item.id, handle, state: record.state, severity: item.severity }, "official warning seen");
    if (offered) await showCard(record);
  }

  async function changed(record: WarningRecord, item: DashboardItem, now: Date): Promise<void> {
    const decision = decide(record, item, filter);
    if (decision.kind !== "changed") return;
    const details = (await detailsOf(item.id)) ?? record.details;
    const next: WarningRecord = { ...record, item, ...(details ? { details } : {}) };
    log.info({ warning: item.id, handle: record.handle, version: item.version }, "official warning changed");
    if (decision.cancelled) return ended(next, now, "cancelled");
    if (record.ended) return write(next);
    switch (record.state) {
      case "relayed": {
        next.offer = { kind: "update", version: item.version, hash: item.hash, offeredAt: now.toISOString() };
        await write(next);
        return refresh(next, "update_offered");
      }
      case "offered":
        await write(next);
        return refresh(next, "updated");
      case "below_threshold":
      case "provider_filtered":
        if (!decision.nowWanted) return write(next);
        next.state = "offered";
        await write(next);
        return showCard(next);
      default:
        return write(next);
    }
  }

  async function ended(record: WarningRecord, now: Date, how: "cancelled" | "gone"): Promise<void> {
    if (record.ended) return;
    const next: WarningRecord = { ...record, ended: { at: now.toISOString(), how } };
    log.info({ warning: record.item.id, handle: record.handle, how }, "official warning ended");
    if (record.state === "relayed") {
      next.offer = {
        kind: "cancel",
        version: record.item.version,
        hash: record.item.hash,
        offeredAt: next.ended?.at ?? "",
      };
      await write(next);
      return refresh(next, "allclear_offered");
    }
    if (record.state === "offered") {
      next.state = "ended";
      await write(next);
      return refresh(next, "ended");
    }
    await write(next);
  }

  /** One poll: the dashboard, then each warning's news. Serialised across instances by a lease. */
  async function pollLocked(): Promise<PollOutcome> {
    const missing = await missingSince();
    let answer: Awaited<ReturnType<WarningSource["dashboard"]>>;
    try {
      // While a warning is missing but not yet confirmed gone, ask in full: a 304 would confirm nothing.
      answer = await source.dashboard(Object.keys(missing).length === 0);
    } catch (error) {
      failures += 1;
      log.warn({ ars: deps.ars, failures, err: error }, "warning service did not answer");
      if (failures >= DOWN_AFTER_FAILURES) await noteService("down");
      return "failed";
    }
    failures = 0;
    await noteService("back");
    if (!answer.changed) return "ok";
    const now = clock.now();
    const current = new Map(answer.items.map((item) => [item.id, item]));
    for (const item of current.values()) {
      const handle = await handleOf(item.id);
      if (!handle) {
        await firstSeen(item, now);
        continue;
      }
      // Under the record's lock: a person relaying it at this moment is not overwritten.
      await store.withLock(recordKey(handle), async () => {
        const record = await read(handle);
        if (!record) return;
        if (!record.card && !record.shown && record.state === "offered") await showCard(record);
        else await changed(record, item, now);
      });
    }
    const before = ((await store.getSetting(CURRENT)) as string[] | undefined) ?? [];
    const unconfirmed: Record<string, number> = {};
    for (const id of goneIds(before, new Set(current.keys()))) {
      // One answer without it may be a glitch of the service; only a second one ends it.
      const answers = (missing[id] ?? 0) + 1;
      if (answers < GONE_AFTER_ANSWERS) {
        unconfirmed[id] = answers;
        continue;
      }
      const handle = await handleOf(id);
      if (!handle) continue;
      await store.withLock(recordKey(handle), async () => {
        const record = await read(handle);
        if (record) await ended(record, now, "gone");
      });
    }
    await store.putSetting(MISSING, unconfirmed);
    await store.putSetting(CURRENT, [...current.keys(), ...Object.keys(unconfirmed)]);
    return "ok";
  }

  /** Warnings the last answers did not list, by how many answers in a row: not yet taken as ended. */
  async function missingSince(): Promise<Record<string, number>> {
    return ((await store.getSetting(MISSING)) as Record<string, number> | undefined) ?? {};
  }

  /** Tells the room once when the service went down, and once when it is back; shared by every instance. */
  async function noteService(state: "down" | "back"): Promise<void> {
    const noted = (await store.getSetting(SERVICE)) as { down: boolean } | undefined;
    if ((noted?.down ?? false) === (state === "down")) return;
    await store.putSetting(SERVICE, { down: state === "down", at: clock.now().toISOString() });
    log.warn({ ars: deps.ars, state }, "warning service state changed");
    await board.serviceChanged(state);
  }

  /** Reads the record a person named, under its lock, and writes what `change` made of it. */
  async function decideOn<T>(
    actor: string,
    handle: WarningHandle,
    change: (record: WarningRecord, now: Date) => Promise<Result<{ record: WarningRecord; value: T; news: CardNews }>>,
  ): Promise<Result<{ record: WarningRecord; value: T }>> {
    if (!canDraft(policy, actor)) return fail("NOT_ALLOWED_TO_RELAY");
    return store.withLock(recordKey(handle), async () => {
      const record = await read(handle);
      if (!record) return fail("WARNING_NOT_FOUND", { handle });
      const result = await change(record, clock.now());
      if (!result.ok) return result;
      await write(result.value.record);
      await refresh(result.value.record, result.value.news);
      return ok({ record: result.value.record, value: result.value.value });
    });
  }

  const decision = (
    action: WarningDecision["action"],
    by: string,
    now: Date,
    record: WarningRecord,
    announcement?: Announcement,
  ): WarningDecision => ({
    action,
    by,
    at: now.toISOString(),
    version: record.item.version,
    ...(announcement ? { announcement: announcement.id } : {}),
  });

  /** At night, by the person on duty, in an emergency category: the break-glass path the policy allows. */
  function nightPath(actor: string, category: string, followUp: boolean, now: Date): boolean {
    const c = policy.categories.get(category);
    return c !== undefined && checkBreakGlass(policy, actor, c, followUp, now).ok;
  }

  return {
    poll: async (): Promise<PollOutcome> => {
      const run = await store.tryLock(POLL_LOCK, pollLocked, POLL_LEASE_MS);
      return run.acquired ? run.value : "busy";
    },

    get: read,

    /** The warnings now on the district's dashboard, oldest first. */
    async current(): Promise<WarningRecord[]> {
      const ids = ((await store.getSetting(CURRENT)) as string[] | undefined) ?? [];
      const records = await Promise.all(
        ids.map(async (id) => {
          const handle = await handleOf(id);
          return handle ? read(handle) : undefined;
        }),
      );
      return records.filter((r): r is WarningRecord => r !== undefined);
    },

    /** Whether the service is noted as unreachable. */
    async serviceDown(): Promise<boolean> {
      return ((await store.getSetting(SERVICE)) as { down: boolean } | undefined)?.down ?? false;
    },

    /**
     * "Weitergeben": drafts the warning (or its offered update or all-clear) as an announcement, which then
     * takes the normal path: approval, or break-glass where the policy allows it now.
     */
    relay(actor: string, handle: WarningHandle, origin: Origin) {
      return decideOn<Announcement>(actor, handle, async (record, now) => {
        const root = record.relayed?.announcement;
        const offer = record.offer;
        if (record.state === "relayed" && root) {
          if (!offer) return fail("WARNING_ALREADY_RELAYED", { handle, id: root });
          const rootCategory = (await service.get(root))?.category ?? policy.defaultCategory;
          const text =
            offer.kind === "cancel"
              ? allClearText(record.item, record.details, record.ended?.how === "cancelled")
              : relayText(record.item, record.details, policy.timezone);
          const drafted = await service.draft(actor, {
            content: { text, media: [] },
            followUp: { root, kind: offer.kind },
            breakGlass: nightPath(actor, rootCategory, true, now),
            origin,
          });
          if (!drafted.ok) return drafted;
          const next: WarningRecord = {
            ...record,
            followUps: [...record.followUps, drafted.value.id],
            decisions: [
              ...record.decisions,
              decision(offer.kind === "cancel" ? "relay_allclear" : "relay_update", actor, now, record, drafted.value),
            ],
          };
          delete next.offer;
          return ok({ record: next, value: drafted.value, news: "decided" as const });
        }
        if (record.ended) return fail("WARNING_ENDED", { handle });
        const details = record.details ?? (await detailsOf(record.item.id));
        if (!details) return fail("WARNING_SERVICE_UNAVAILABLE", { handle });
        const category = categoryFor(policy, record.item);
        const drafted = await service.draft(actor, {
          content: { text: relayText(record.item, details, policy.timezone), media: [] },
          category,
          urgent: true,
          breakGlass: nightPath(actor, category, false, now),
          origin,
        });
        if (!drafted.ok) return drafted;
        const next: WarningRecord = {
          ...record,
          details,
          state: "relayed",
          relayed: { announcement: drafted.value.id, by: actor, at: now.toISOString() },
          decisions: [...record.decisions, decision("relay", actor, now, record, drafted.value)],
        };
        return ok({ record: next, value: drafted.value, news: "decided" as const });
      });
    },

    /** "Ignorieren": the warning (or only its offered follow-up) is not relayed; who and when are kept. */
    dismiss(actor: string, handle: WarningHandle) {
      return decideOn<undefined>(actor, handle, async (record, now) => {
        if (record.state === "relayed") {
          if (!record.offer) return fail("WARNING_ALREADY_RELAYED", { handle, id: record.relayed?.announcement ?? "" });
          const next: WarningRecord = {
            ...record,
            decisions: [
              ...record.decisions,
              decision(record.offer.kind === "cancel" ? "dismiss_allclear" : "dismiss_update", actor, now, record),
            ],
          };
          delete next.offer;
          return ok({ record: next, value: undefined, news: "decided" as const });
        }
        if (record.state === "dismissed") return fail("WARNING_ALREADY_DISMISSED", { handle });
        if (record.ended) return fail("WARNING_ENDED", { handle });
        const next: WarningRecord = {
          ...record,
          state: "dismissed",
          dismissed: { by: actor, at: now.toISOString() },
          decisions: [...record.decisions, decision("dismiss", actor, now, record)],
        };
        return ok({ record: next, value: undefined, news: "decided" as const });
      });
    },
  };
}
