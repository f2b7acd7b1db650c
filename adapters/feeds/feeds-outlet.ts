import type { AddressInfo } from "node:net";
import type { AnnouncementId, DeliveryAttempt } from "../../src/announcement/announcement.ts";
import { systemClock, type Clock } from "../../src/ports/clock.ts";
import { silentLogger, type Logger } from "../../src/ports/logger.ts";
import type {
  OutboundPost,
  Outlet,
  OutletCapabilities,
  OutletHealth,
  PublishOutcome,
  ReadBackOutcome,
  RemoteRef,
} from "../../src/ports/outlet.ts";
import { isStoreUnavailable } from "../../src/ports/store-unavailable.ts";
import type { Locks, Settings } from "../../src/ports/store.ts";
import type { MediaSource } from "../whatsapp/waha.ts";
import {
  capIdentifier,
  chainOf,
  issueCap,
  messagesOf,
  RETRACTED_PREFIX,
  RETRACTED_TEXT,
  type CapDraft,
  type CapOptions,
} from "./cap.ts";
import { FeedDir } from "./feed-dir.ts";
import { FeedServer } from "./feed-server.ts";
import { entryPath, entryTitle } from "./render.ts";
import { FeedSite } from "./site.ts";
import { ANNOUNCEMENT_ID, FeedStore, type CapMessage, type FeedEntry, type FeedState } from "./state.ts";

export const FEEDS_OUTLET_ID = "feeds";

export interface FeedsOutletOptions {
  /** Where the entries live: the shared store, so every instance serves the same feed. */
  store: Settings & Locks;
  /** Pictures and videos by their hash. */
  media: MediaSource;
  /** Where the feed site is reachable from outside (`FEED_BASE_URL`). */
  baseUrl: string;
  /** The feeds' title, e.g. `Stadt Achim – Bekanntmachungen`. */
  title: string;
  /** How many posts the feeds keep (50). */
  maxEntries?: number;
  /** For CAP times (the policy's time zone; Europe/Berlin). */
  timeZone?: string;
  /** Emergency posts are also issued as CAP 1.2 alerts; without it, they appear in the plain feeds only. */
  cap?: CapOptions | undefined;
  /** The HTTP listener (`FEED_HOST`, `FEED_PORT`); none without it. */
  listen?: { host: string; port: number } | undefined;
  /** A folder that receives the same files after every change, for static hosting (`FEED_DIR`). */
  dir?: string | undefined;
  clock?: Clock;
  log?: Logger;
}

/** Feeds and CAP have no length limits of their own; these are the adopted ones, as for every outlet. */
const CAPABILITIES: OutletCapabilities = {
  text: true,
  image: true,
  video: true,
  poll: false,
  edit: true,
  delete: true,
  maxTextLength: 4096,
  maxCaptionLength: 1024,
};

/** The folder could not be written: the post is in the store (and the listener's feeds), not yet in the files. */
class FolderError extends Error {}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The town website's feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the published posts, and for emergency posts
 * CAP 1.2 alerts with their Atom index. Publishing stores the entry (upsert by announcement), so repeating it
 * changes nothing: the outlet is idempotent, and read-back truly looks.
 */
export class FeedsOutlet implements Outlet {
  readonly id = FEEDS_OUTLET_ID;
  readonly capabilities = CAPABILITIES;
  readonly handoff = false;
  readonly idempotent = true;
  /** The store answers at once: a post not found there was not published. */
  readonly readBackGraceMs = 0;
  readonly site: FeedSite;
  readonly #o: FeedsOutletOptions & { maxEntries: number; timeZone: string; clock: Clock; log: Logger };
  readonly #feeds: FeedStore;
  readonly #dir: FeedDir | undefined;
  readonly #server: FeedServer | undefined;
  /** The revision the folder shows; undefined until written (or after a failed write). */
  #dirRevision: number | undefined;

  constructor(options: FeedsOutletOptions) {
    this.#o = { maxEntries: 50, timeZone: "Europe/Berlin", clock: systemClock, log: silentLogger, ...options };
    this.#feeds = new FeedStore({ store: options.store });
    this.site = new FeedSite({
      title: options.title,
      baseUrl: options.baseUrl,
      media: options.media,
      capAuthor: options.cap?.senderName ?? options.cap?.sender ?? options.title,
    });
    this.#dir = options.dir ? new FeedDir(options.dir, this.site) : undefined;
    this.#server = options.listen
      ? new FeedServer({ ...options.listen, site: this.site, feeds: this.#feeds, log: this.#o.log })
      : undefined;
  }

  /** Starts the listener (if configured) and brings the folder up to date. */
  async start(): Promise<AddressInfo | undefined> {
    const address = await this.#server?.start();
    await this.#syncFolder().catch((error: unknown) =>
      this.#o.log.error({ err: error, dir: this.#dir?.path }, "feed folder could not be written"),
    );
    return address;
  }

  async stop(): Promise<void> {
    await this.#server?.stop();
  }

  async publish(post: OutboundPost, _attempt: DeliveryAttempt): Promise<PublishOutcome> {
    if (post.poll) {
      return { state: "failed", reason: "feeds cannot carry a poll", retryable: false, code: "bad_request" };
    }
    return this.#change((state, now) => this.#publishInto(state, post, now));
  }

  async edit(ref: RemoteRef, post: OutboundPost): Promise<PublishOutcome> {
    const id = this.#idOf(ref);
    if (!id) return badRef(ref);
    if (post.poll) {
      return { state: "failed", reason: "feeds cannot carry a poll", retryable: false, code: "bad_request" };
    }
    return this.#change((state, now) => this.#editIn(state, id, post, now));
  }

  async remove(ref: RemoteRef): Promise<PublishOutcome> {
    const id = this.#idOf(ref);
    if (!id) return badRef(ref);
    return this.#change((state, now) => this.#removeFrom(state, id, now));
  }

  /** Looks in the store itself: found when the entry holds this version (or a later one). */
  async readBack(post: OutboundPost, _attempt: DeliveryAttempt): Promise<ReadBackOutcome> {
    try {
      const state = await this.#feeds.load();
      const entry = state.entries.find((e) => e.announcementId === post.announcementId);
      if (!entry || entry.version < post.version) return { state: "not_found" };
      return { state: "found", ...this.#sent(entry) };
    } catch (error) {
      return { state: "unavailable", reason: `feed entries could not be read: ${message(error)}` };
    }
  }

  async health(): Promise<OutletHealth> {
    const failure = this.#server?.failure;
    if (failure) return { state: "down", reason: failure, problem: "unexpected" };
    try {
      await this.#feeds.load();
    } catch (error) {
      return { state: "down", reason: `feed entries could not be read: ${message(error)}`, problem: "unreachable" };
    }
    if (!this.#dir) return { state: "ok" };
    try {
      await this.#dir.probe();
      // Catches up with changes made by other instances, and with a write that failed before.
      await this.#syncFolder();
      return { state: "ok" };
    } catch (error) {
      return {
        state: "down",
        reason: `feed folder ${this.#dir.path} is not writable: ${message(error)}`,
        problem: "unexpected",
      };
    }
  }

  #idOf(ref: RemoteRef): AnnouncementId | undefined {
    return ANNOUNCEMENT_ID.test(ref.remoteId) ? (ref.remoteId as AnnouncementId) : undefined;
  }

  #sent(entry: FeedEntry): { remoteId: string; url?: string } {
    return { remoteId: entry.announcementId, ...(entry.removed ? {} : { url: this.site.url(entryPath(entry)) }) };
  }

  /** Writes the folder if it is behind the store (under the feed's lock, so writes follow the store's order). */
  async #syncFolder(): Promise<void> {
    if (!this.#dir) return;
    const state = await this.#feeds.load();
    if (state.revision === this.#dirRevision) return;
    await this.#feeds.change(
      () => ({ changed: false, value: undefined }),
      this.#o.clock.now(),
      (s) => this.#writeFolder(s, false),
    );
  }

  async #writeFolder(state: FeedState, changed: boolean): Promise<void> {
    if (!this.#dir || (!changed && state.revision === this.#dirRevision)) return;
    try {
      await this.#dir.write(state);
      this.#dirRevision = state.revision;
    } catch (error) {
      this.#dirRevision = undefined;
      throw new FolderError(`feed folder ${this.#dir.path} could not be written: ${message(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * One change under the feed's lock, then the folder. A store that cannot be reached or a folder that cannot
   * be written makes the post wait; repeating the change is harmless.
   */
  async #change(apply: (state: FeedState, now: Date) => FeedEntry | AnnouncementId): Promise<PublishOutcome> {
    const now = this.#o.clock.now();
    try {
      const result = await this.#feeds.change(
        (state) => {
          const before = JSON.stringify(state);
          const value = apply(state, now);
          this.#prune(state);
          return { changed: JSON.stringify(state) !== before, value };
        },
        now,
        (state, changed) => this.#writeFolder(state, changed),
      );
      return typeof result === "string"
        ? { state: "sent", remoteId: result }
        : { state: "sent", ...this.#sent(result) };
    } catch (error) {
      if (error instanceof FolderError || isStoreUnavailable(error)) {
        this.#o.log.error({ err: error }, "feed change not completed; it is repeated");
        return { state: "failed", reason: message(error), retryable: true, code: "unreachable" };
      }
      return { state: "unknown", reason: message(error) };
    }
  }

  #publishInto(state: FeedState, post: OutboundPost, now: Date): FeedEntry {
    const at = now.toISOString();
    const existing = state.entries.find((e) => e.announcementId === post.announcementId);
    // A repeat, or a late one after a newer version or the retraction: nothing changes.
    if (existing && existing.version >= post.version) return existing;
    const entry = this.#entryOf(post, existing?.published ?? at, at);
    state.entries = [entry, ...state.entries.filter((e) => e !== existing)];
    if (post.emergency) this.#issuePublication(state, post, entry, now);
    return entry;
  }

  #editIn(state: FeedState, id: AnnouncementId, post: OutboundPost, now: Date): FeedEntry | AnnouncementId {
    const existing = state.entries.find((e) => e.announcementId === id);
    if (existing?.removed) return existing;
    // Fallen out of the feeds (only the newest are kept): nothing there to correct.
    if (!existing) return id;
    if (existing.version >= post.version) return existing;
    const entry = this.#entryOf({ ...post, announcementId: id }, existing.published, now.toISOString());
    state.entries = state.entries.map((e) => (e === existing ? entry : e));
    const own = messagesOf(state, id);
    const last = own.at(-1);
    if (last) {
      // A corrected all-clear is still the end of the incident.
      const msgType = last.msgType === "Cancel" ? "Cancel" : "Update";
      this.#issue(state, this.#draft(entry, msgType, last.root, own), now);
    } else if (post.emergency) {
      this.#issuePublication(state, { ...post, announcementId: id }, entry, now);
    }
    return entry;
  }

  #removeFrom(state: FeedState, id: AnnouncementId, now: Date): FeedEntry | AnnouncementId {
    const existing = state.entries.find((e) => e.announcementId === id);
    if (existing && !existing.removed) existing.removed = now.toISOString();
    const own = messagesOf(state, id);
    const last = own.at(-1);
    // An all-clear already ended the incident; a retraction adds nothing to that.
    if (last && last.msgType !== "Cancel") {
      this.#issue(
        state,
        {
          announcementId: id,
          version: existing?.version ?? last.version,
          msgType: "Cancel",
          root: last.root,
          category: existing?.category ?? "",
          headline: `${RETRACTED_PREFIX}${last.headline}`,
          text: RETRACTED_TEXT,
          media: [],
          references: own,
        },
        now,
      );
    }
    return existing ?? id;
  }

  /** CAP for a published emergency post: Alert, Update of its incident, or Cancel (the all-clear). */
  #issuePublication(state: FeedState, post: OutboundPost, entry: FeedEntry, now: Date): void {
    const root = post.incident?.root ?? post.announcementId;
    const kind = post.incident?.kind ?? "alert";
    const earlier = kind === "alert" ? messagesOf(state, post.announcementId) : chainOf(state, root);
    // An all-clear for an incident never issued as CAP has nothing to cancel.
    if (kind === "cancel" && earlier.length === 0) return;
    const msgType = kind === "cancel" ? "Cancel" : earlier.length > 0 ? "Update" : "Alert";
    this.#issue(state, this.#draft(entry, msgType, root, earlier), now);
  }

  #draft(entry: FeedEntry, msgType: CapDraft["msgType"], root: AnnouncementId, references: CapMessage[]): CapDraft {
    return {
      announcementId: entry.announcementId,
      version: entry.version,
      msgType,
      root,
      category: entry.category,
      headline: entryTitle(entry),
      text: entry.text,
      media: entry.media,
      ...(entry.expiresAt ? { expiresAt: entry.expiresAt } : {}),
      references,
    };
  }

  /** Adds the CAP message unless it was issued already (its identifier is stable). */
  #issue(state: FeedState, draft: CapDraft, now: Date): void {
    const cap = this.#o.cap;
    if (!cap) return;
    const identifier = capIdentifier(draft.announcementId, draft.version, draft.msgType);
    if (state.cap.some((m) => m.identifier === identifier)) return;
    const web = this.site.url(entryPath(draft));
    state.cap.push(issueCap(draft, now, { options: cap, timeZone: this.#o.timeZone, url: this.site.url, web }));
  }

  #entryOf(post: OutboundPost, published: string, updated: string): FeedEntry {
    return {
      announcementId: post.announcementId,
      version: post.version,
      category: post.category,
      text: post.text,
      media: post.media.map((m) => ({
        sha256: m.sha256,
        mimeType: m.mimeType,
        bytes: m.bytes,
        ...(m.altText ? { altText: m.altText } : {}),
      })),
      published,
      updated,
      ...(post.expiresAt ? { expiresAt: post.expiresAt } : {}),
    };
  }

  /** Keeps the newest entries and CAP messages. */
  #prune(state: FeedState): void {
    const max = this.#o.maxEntries;
    state.entries = state.entries.sort((a, b) => b.published.localeCompare(a.published)).slice(0, max);
    state.cap = state.cap.sort((a, b) => b.sentAt.localeCompare(a.sentAt)).slice(0, max);
  }
}

const badRef = (ref: RemoteRef): PublishOutcome => ({
  state: "failed",
  reason: `"${ref.remoteId}" is not a feed entry (expected an announcement id such as A-0042)`,
  retryable: false,
  code: "bad_request",
});
