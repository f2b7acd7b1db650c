import {
  approvalsOfCurrentVersion,
  awaitsDecision,
  type Announcement,
  type AnnouncementId,
} from "../src/announcement/announcement.ts";
import type { Policy } from "../src/policy/policy.ts";
import type { ApprovalPost, ApprovalSurface, PostReaction } from "../src/ports/approval-surface.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { BotNotice, HandoffNotice, Notice, NoticeSink } from "../src/ports/notices.ts";
import type { AnnouncementRecords, ChatStateStore } from "../src/ports/store.ts";
import { isStoreUnavailable, StoreUnavailableError } from "../src/ports/store-unavailable.ts";
import { KeyedMutex } from "../src/util/keyed-mutex.ts";
import { looksLikeApproval, reactionMeaning } from "./actions.ts";
import { ApprovalState, type SeenReaction } from "./approval-state.ts";
import type { ApprovalAction, CommandInput, CommandOutcome } from "./input.ts";
import { L, type Localized } from "./messages.ts";
import { NoticeQueue } from "./notice-queue.ts";
import { renderModeNotice, renderNotice, type RenderedNotice } from "./notices.ts";
import { headline } from "./render.ts";

/** Notices that open an approval post when the announcement has none yet. */
const OPENS_APPROVAL_POST: ReadonlySet<Notice["kind"]> = new Set([
  "approval_requested",
  "change_requested",
  "break_glass",
]);

/** How many open announcements reconciliation reads from the store at once. */
const BATCH = 100;

/**
 * What a notice says besides the approval post itself: author messages as they are; for the approvers,
 * a line in the post's thread, except where the post was just opened and shows the request already.
 */
export function approvalThreadMessages(
  policy: Policy,
  notice: Notice,
  postJustOpened: boolean,
): (RenderedNotice & { position: number })[] {
  const a = notice.announcement;
  const request = notice.kind === "approval_requested" || notice.kind === "change_requested";
  return renderNotice(policy, notice).flatMap(({ audience, message }, i): (RenderedNotice & { position: number })[] => {
    if (audience === "author") return [{ audience, message, position: i + 1 }];
    if (postJustOpened) return [];
    const line = request ? L(`📝 ${headline(policy, a).de}`, `📝 ${headline(policy, a).en}`) : message;
    return [{ audience, message: line, position: i + 1 }];
  });
}

/** A reaction given or taken back on a post, as a chat delivered it. */
export interface ReactionEvent {
  /** The chat's id of this delivery, so a repeat is handled once: Slack `event_id`, Matrix event id. */
  eventId: string;
  room: string;
  postId: string;
  user: string;
  key: string;
  removed: boolean;
  /** The reaction's own id (Matrix), by which a later redaction names it. */
  reactionId?: string;
}

export interface ApprovalDeskOptions {
  surface: ApprovalSurface;
  policy: Policy;
  store: ChatStateStore & Pick<AnnouncementRecords, "openIds" | "getMany" | "get">;
  handle: (input: CommandInput) => Promise<CommandOutcome>;
  log: Logger;
  /** Told when a chat event or notice starts waiting for the store, so that `resume` is called once it is back. */
  storeAway?: (error: StoreUnavailableError) => void;
}

const prefixed = (prefix: string, m: Localized): Localized => L(prefix + m.de, prefix + m.en);

/**
 * The approval surface of one chat, written once for every chat: it opens and updates the approval
 * posts and logs each step under them, tells authors privately, turns reactions, redactions and replies
 * into the core's commands (each counted once, and only after its effect is stored), runs the reason
 * dialogue, and reconciles reactions after downtime. The chat only renders and carries.
 */
export class ApprovalDesk implements NoticeSink {
  readonly state: ApprovalState;
  readonly #o: ApprovalDeskOptions;
  readonly #surface: ApprovalSurface;
  readonly #queue: NoticeQueue;
  readonly #events = new KeyedMutex();
  readonly #seenOrder = new KeyedMutex();
  /** Approval posts being posted and noted right now. */
  readonly #opening = new Set<Promise<ApprovalPost>>();
  /** Chat events that met the store unreachable, in the order they came; handled by `resume`. */
  readonly #waiting: (() => Promise<void>)[] = [];
  readonly #resuming = new KeyedMutex();

  constructor(options: ApprovalDeskOptions) {
    this.#o = options;
    this.#surface = options.surface;
    this.state = new ApprovalState(options.store, options.surface.platform);
    const platform = options.surface.platform;
    this.#queue = new NoticeQueue(platform.charAt(0).toUpperCase() + platform.slice(1), options.log, options.storeAway);
  }

  /** Notices are shown in the background, in order per announcement; a hand-off is awaited, so its outlet knows. */
  async emit(notice: BotNotice): Promise<void> {
    if (notice.kind === "handoff") return this.#queue.runNow(notice, () => this.#handoff(notice));
    this.#queue.add(notice, () => this.#show(notice));
  }

  settled(): Promise<void> {
    return this.#queue.settled();
  }

  async #show(notice: Exclude<BotNotice, HandoffNotice>): Promise<void> {
    if (notice.kind === "mode_changed") return this.#surface.toApprovers(renderModeNotice(this.#o.policy, notice));
    if (notice.kind === "outlet_changed") return this.#surface.toApprovers(notice.message);
    const a = notice.announcement;
    let post = await this.state.post(a.id);
    const opens = !post && OPENS_APPROVAL_POST.has(notice.kind);
    if (post) {
      await this.#surface.update(post, a);
      await this.state.putPost(a.id, post);
    } else if (opens) post = await this.#open(a);
    for (const { audience, message, position } of approvalThreadMessages(this.#o.policy, notice, opens)) {
      const step = `${a.id}-${a.events.length}-${notice.kind}-${position}`;
      if (audience === "author") await this.#surface.tellPrivately(a.author, message, step);
      else await this.#surface.log(post, message, step);
    }
  }

  /** Posts and notes a new approval post; a reaction arriving in between waits for the note. */
  async #open(a: Announcement): Promise<ApprovalPost> {
    const opening = (async () => {
      const post = await this.#surface.open(a);
      await this.state.putPost(a.id, post);
      return post;
    })();
    this.#opening.add(opening);
    try {
      return await opening;
    } finally {
      this.#opening.delete(opening);
    }
  }

  /** The announcement a post shows, also when the post is just being noted. */
  async #announcementOf(postId: string): Promise<AnnouncementId | undefined> {
    const id = await this.state.announcementOf(postId);
    if (id || this.#opening.size === 0) return id;
    await Promise.allSettled([...this.#opening]);
    return this.state.announcementOf(postId);
  }

  async #handoff(notice: HandoffNotice): Promise<void> {
    if (notice.step !== "publish") return this.#surface.toApprovers(notice.message);
    const post = await this.state.post(notice.post.announcementId);
    await this.#surface.handoff(post, notice.post, notice.message);
  }

  /** A button or form on a post; the outcome is for the chat to show the person who acted. */
  act(user: string, room: string, action: ApprovalAction): Promise<CommandOutcome> {
    const platform = this.#surface.platform;
    return this.#o.handle({ kind: "action", actor: { platform, userId: user }, origin: { platform, room }, action });
  }

  /**
   * A reaction on one of the approval posts. Chat noise (another room, an emoji that means nothing here, the
   * bot's own) is dropped before anything is read; a meaningful reaction elsewhere costs one read.
   * While the store is unreachable it waits, and counts once the store is back (`resume`).
   */
  reaction(event: ReactionEvent): Promise<void> {
    if (!this.#concerns(event)) return Promise.resolve();
    return this.#whenStoreAnswers(() => this.#reaction(event));
  }

  #concerns(event: ReactionEvent): boolean {
    return (
      event.room === this.#surface.approvalRoom &&
      event.user !== this.#surface.botUserId() &&
      (reactionMeaning(event.key) !== undefined || looksLikeApproval(event.key))
    );
  }

  async #reaction(event: ReactionEvent): Promise<void> {
    const id = await this.#announcementOf(event.postId);
    const post = id && (await this.state.post(id));
    if (!id || !post || post.room !== event.room) return;
    this.#o.log.debug({ eventId: event.eventId, id, removed: event.removed }, "reaction on an approval post");
    await this.#once(event.eventId, () => this.#apply(id, post, event, false));
  }

  /** A redaction (Matrix) takes back the reaction it names; like a reaction, it waits for an unreachable store. */
  redaction(eventId: string, reactionId: string): Promise<void> {
    return this.#whenStoreAnswers(async () => {
      const record = await this.state.reaction(reactionId);
      const post = record && (await this.state.post(record.id));
      if (!record || !post) return;
      await this.#once(eventId, async () => {
        await this.#apply(record.id, post, { user: record.user, key: record.key, removed: true, reactionId }, false);
        await this.state.deleteReaction(reactionId);
      });
    });
  }

  /**
   * A reply in a post's thread: the reason a dialogue asked this person for. False when none was asked;
   * true when it was taken, or waits for an unreachable store to tell.
   */
  async threadReply(event: { eventId: string; postId: string; user: string; text: string }): Promise<boolean> {
    let asked = true;
    await this.#whenStoreAnswers(async () => {
      const form = await this.state.dialogue(event.postId, event.user);
      const post = form && (await this.state.post(form.id));
      const reason = event.text.trim();
      asked = Boolean(form && post && reason);
      if (!form || !post || !reason) return;
      await this.#once(event.eventId, async () => {
        const action: ApprovalAction =
          form.action === "reject"
            ? { command: "reject", id: form.id, version: form.version, reason }
            : { command: "withdraw", id: form.id, reason };
        const outcome = waitingForStore(await this.act(event.user, post.room, action));
        if (outcome.kind !== "needs_reason") await this.state.closeDialogue(event.postId, event.user);
        await this.#answer(post, event.user, outcome);
      });
    });
    return asked;
  }

  /**
   * Runs `work` for a chat event now, or, when the store is unreachable (or earlier events still wait for
   * it), keeps it to run once the store is back: a reaction given during an outage is not lost.
   */
  async #whenStoreAnswers(work: () => Promise<void>): Promise<void> {
    if (this.#waiting.length === 0) {
      try {
        return await work();
      } catch (error) {
        if (!isStoreUnavailable(error)) throw error;
        this.#o.log.warn({ store: error.message }, "store unreachable: chat events on approval posts wait for it");
        this.#o.storeAway?.(error);
      }
    }
    this.#waiting.push(work);
  }

  /**
   * The store is back: shows the notices and handles the chat events that waited for it, each in order;
   * stops where it is away again.
   */
  async resume(): Promise<void> {
    await this.#queue.resume();
    await this.#resuming.run("waiting", async () => {
      let handled = 0;
      for (let work = this.#waiting[0]; work; work = this.#waiting[0]) {
        try {
          await work();
        } catch (error) {
          if (isStoreUnavailable(error)) return this.#o.storeAway?.(error);
          this.#o.log.error({ err: error }, "a chat event that waited for the store failed");
        }
        this.#waiting.shift();
        handled += 1;
      }
      if (handled > 0) this.#o.log.info({ handled }, "chat events that waited for the store are handled");
    });
  }

  /** Runs `work` for a chat event unless it was handled; it counts as handled only once `work` is done. */
  async #once(eventId: string, work: () => Promise<void>): Promise<void> {
    await this.#events.run(eventId, async () => {
      if (await this.state.handled(eventId)) {
        this.#o.log.debug({ eventId }, "chat event handled before; skipped");
        return;
      }
      await work();
      await this.state.markHandled(eventId);
    });
  }

  async #apply(
    id: AnnouncementId,
    post: ApprovalPost,
    r: PostReaction & { removed: boolean },
    quiet: boolean,
  ): Promise<void> {
    const platform = this.#surface.platform;
    const outcome = waitingForStore(
      await this.#o.handle({
        kind: "reaction",
        actor: { platform, userId: r.user },
        origin: { platform, room: post.room, thread: post.id },
        target: { id },
        reaction: r.key,
        ...(r.removed ? { removed: true } : {}),
      }),
    );
    if (outcome.kind !== "error" && reactionMeaning(r.key) === "approve") await this.#remember(id, r);
    if (r.reactionId && !r.removed) await this.state.putReaction(r.reactionId, { id, user: r.user, key: r.key });
    if (!quiet) await this.#answer(post, r.user, outcome);
  }

  /** The counted reactions of a post, changed after the effect is stored, never before. */
  #remember(id: AnnouncementId, r: PostReaction & { removed: boolean }): Promise<void> {
    return this.#seenOrder.run(id, async () => {
      const seen = (await this.state.seen(id)).filter((s) => !sameReaction(s, r));
      await this.state.putSeen(id, r.removed ? seen : [...seen, { user: r.user, key: r.key, ...ridOf(r) }]);
    });
  }

  /** What the person who reacted or replied hears: refusals and questions; the thread log shows the rest. */
  async #answer(post: ApprovalPost, user: string, outcome: CommandOutcome): Promise<void> {
    switch (outcome.kind) {
      case "ignored":
      case "needs_text":
        return;
      case "needs_reason": {
        const form = {
          action: outcome.action,
          id: outcome.id,
          version: outcome.version,
        };
        await this.state.openDialogue(post.id, user, form);
        return this.#surface.notify(post, user, outcome.message, form);
      }
      case "error":
        return this.#surface.notify(post, user, prefixed("⚠️ ", outcome.message));
      case "reply":
        if (outcome.effect) return;
        return this.#surface.notify(post, user, outcome.message);
    }
  }

  /**
   * The posts of announcements awaiting a decision, each noted: one the bot lost track of (it stopped between
   * posting and noting it, or before posting) is found again or posted now. Cheap when nothing was lost, so
   * a chat runs it before taking events: no reaction then arrives for a post the bot does not know.
   */
  async recoverPosts(): Promise<void> {
    await this.#awaitingDecision();
  }

  /** Read in batches and kept small (no records held), so thousands of waiting posts cost little memory. */
  async #awaitingDecision(): Promise<Awaiting[]> {
    const pending: Awaiting[] = [];
    const ids = await this.#o.store.openIds();
    for (let i = 0; i < ids.length; i += BATCH) {
      for (const a of await this.#o.store.getMany(ids.slice(i, i + BATCH))) {
        if (!a || !awaitsDecision(a)) continue;
        let post = await this.state.post(a.id);
        if (!post) {
          post = await this.#surface.recover(a);
          await this.state.putPost(a.id, post);
        }
        const byReaction = (a.change ? a.change.approvals : approvalsOfCurrentVersion(a)).some(
          (x) => x.via === "reaction",
        );
        pending.push({ id: a.id, post, byReaction });
      }
    }
    return pending;
  }

  /**
   * Reactions given or taken back while the bot was away: the posts still awaiting a decision are read
   * again in one pass over the room's history. A ✅ not counted before counts now; an approval given by
   * reaction whose ✅ is gone is taken back. A ✅ counted before stays as it is: it may belong to an
   * earlier version of the text.
   */
  async reconcile(): Promise<void> {
    const pending = await this.#awaitingDecision();
    if (pending.length === 0) return;
    const now = await this.#surface.readReactions(pending.map((p) => p.post));
    const bot = this.#surface.botUserId();
    const platform = this.#surface.platform;
    let counted = 0;
    let revoked = 0;
    for (const { id, post, byReaction } of pending) {
      const found = now.get(post.id);
      if (!found) continue;
      const present = found.filter((r) => r.user !== bot);
      const approving = present.filter((r) => reactionMeaning(r.key) === "approve");
      if (approving.length === 0 && !byReaction) continue;
      const a = await this.#o.store.get(id);
      if (!a || !awaitsDecision(a)) continue;
      const seen = await this.state.seen(a.id);
      // Taken back first, so a ✅ that is gone never helps reach the quorum.
      const approvals = a.change ? a.change.approvals : approvalsOfCurrentVersion(a);
      for (const approval of approvals.filter((x) => x.via === "reaction")) {
        const users = this.#o.policy.people.get(approval.by)?.identities[platform] ?? [];
        if (approving.some((r) => users.includes(r.user))) continue;
        const was = seen.find((s) => users.includes(s.user) && reactionMeaning(s.key) === "approve");
        const user = was?.user ?? users[0];
        if (!user) continue;
        await this.#apply(a.id, post, { user, key: was?.key ?? "✅", removed: true }, true);
        revoked += 1;
      }
      for (const r of approving.filter((r) => !seen.some((s) => sameReaction(s, r)))) {
        await this.#apply(a.id, post, { ...r, removed: false }, true);
        counted += 1;
      }
    }
    this.#o.log.info({ posts: pending.length, counted, revoked }, "approval posts reconciled");
  }
}

/** A post awaiting a decision, as reconciliation needs it: whether any approval came by reaction. */
interface Awaiting {
  id: AnnouncementId;
  post: ApprovalPost;
  byReaction: boolean;
}

/** A command that could not reach the store leaves its chat event unhandled, to wait for the store. */
function waitingForStore(outcome: CommandOutcome): CommandOutcome {
  if (outcome.kind === "error" && outcome.code === "STORE_UNAVAILABLE") {
    throw new StoreUnavailableError("the command could not reach the store");
  }
  return outcome;
}

const ridOf = (r: PostReaction): { reactionId?: string } => (r.reactionId ? { reactionId: r.reactionId } : {});

/** The same reaction: by its own id where the chat has one, else the same person with the same meaning. */
function sameReaction(seen: SeenReaction, r: PostReaction): boolean {
  if (seen.reactionId && r.reactionId) return seen.reactionId === r.reactionId;
  return seen.user === r.user && reactionMeaning(seen.key) === reactionMeaning(r.key);
}
