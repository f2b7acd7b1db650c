import type { MatrixClient } from "matrix-bot-sdk";
import { z } from "zod";
import {
  awaitsDecision,
  type Announcement,
  type AnnouncementId,
  type MediaItem,
} from "../../src/announcement/announcement.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import { applyDirectoryMembers } from "../../src/policy/directory-groups.ts";
import { isApproverFor, resolvePerson, type Language, type Policy } from "../../src/policy/policy.ts";
import { reactionMeaning } from "../../commands/dispatch.ts";
import { takeFlags } from "../../commands/grammar.ts";
import { DRAFT_FLAGS } from "../../commands/handlers.ts";
import type { CommandInput, CommandOutcome } from "../../commands/input.ts";
import { errorText, pick, type Localized } from "../../commands/messages.ts";
import type { MatrixSettings } from "../config/env.ts";
import { matrixHtmlToWhatsApp } from "../markup/matrix-html.ts";
import type { MediaIntake } from "../media/intake.ts";
import { createAwaitingClient, sdkLogger, storeSyncStorage } from "./matrix-client.ts";
import { inThread, MATRIX_PLATFORM, noticeContent, type MatrixChat, type MatrixSender } from "./matrix-chat.ts";
import { loadMatrixBotSdk, type LoadedSdk } from "./load-sdk.ts";

const EventSchema = z.object({
  event_id: z.string().min(1),
  sender: z.string().min(1),
  type: z.string().min(1),
  origin_server_ts: z.number().optional(),
  redacts: z.string().optional(),
  content: z.record(z.string(), z.unknown()).default({}),
});
type RoomEvent = z.infer<typeof EventSchema>;

const RelatesSchema = z.object({
  rel_type: z.string().optional(),
  event_id: z.string().optional(),
  key: z.string().optional(),
  "m.in_reply_to": z.object({ event_id: z.string() }).optional(),
});

const MessageSchema = z.object({
  msgtype: z.string().default("m.text"),
  body: z.string().default(""),
  format: z.string().optional(),
  formatted_body: z.string().optional(),
  filename: z.string().optional(),
  url: z.string().optional(),
  info: z.object({ mimetype: z.string().optional() }).loose().optional(),
});

/** Events this much older than the start are history replayed by a first sync, not acted on (matrix.md §4.4). */
const REPLAY_GRACE_MS = 60_000;
const EVENT_TTL_MS = 24 * 3_600_000;
const SEND_ATTEMPTS = 5;

interface ReactionRecord {
  eventId: string;
  sender: string;
  key: string;
}

export interface MatrixAppOptions {
  settings: MatrixSettings;
  policy: Policy;
  store: Store;
  log: Logger;
  intake: MediaIntake;
  /** Called when the homeserver refuses the access token; the process should stop. */
  onFatal: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface MatrixHandlers {
  chat: MatrixChat;
  handle: (input: CommandInput) => Promise<CommandOutcome>;
  lookup: (id: AnnouncementId) => Promise<Announcement | undefined>;
  openIds: () => Promise<AnnouncementId[]>;
}

const errorOf = (error: unknown) => error as { statusCode?: number; errcode?: string; retryAfterMs?: number };

/**
 * amtsbote in Matrix rooms on matrix-bot-sdk 0.8: `!announce` commands, ✅/❌ reactions on previews,
 * redactions, edits of the command message, and replies in the preview's thread. Only configured
 * rooms are joined and listened to; encrypted rooms are refused unless encryption is available.
 */
export class MatrixApp implements MatrixSender {
  readonly #o: MatrixAppOptions;
  readonly loaded: LoadedSdk;
  readonly client: MatrixClient;
  readonly #rooms: Set<string>;
  readonly #encrypted = new Set<string>();
  #handlers: MatrixHandlers | undefined;
  #botUserId = "";
  #startedAt = 0;
  #synced = false;
  #fatal = false;

  constructor(options: MatrixAppOptions) {
    this.#o = options;
    const { settings, log } = options;
    this.loaded = loadMatrixBotSdk(settings.e2ee);
    this.loaded.sdk.LogService.setLogger(sdkLogger(log.child({ module: "matrix-bot-sdk" })));
    this.loaded.sdk.LogService.setLevel(this.loaded.sdk.LogLevel.INFO);
    this.#rooms = new Set([settings.approvalRoom, ...settings.draftRooms]);
    this.client = createAwaitingClient({
      loaded: this.loaded,
      homeserverUrl: settings.homeserverUrl,
      accessToken: settings.accessToken,
      storage: storeSyncStorage(options.store),
      cryptoDir: settings.cryptoDir,
      dispatch: (type, roomId, event) => this.#dispatch(type, roomId, event),
      onFatal: (error) => this.#refused(error),
      onSynced: (gappy) => {
        // The first sync after a start is gappy by nature; start() reconciles already.
        if (gappy && this.#synced)
          void this.#reconcile().catch((error: unknown) => this.#o.log.warn({ err: error }, "reconciliation failed"));
        this.#synced = true;
      },
    });
  }

  /** Connected and through the first sync, with a token the homeserver accepts. */
  ready(): boolean {
    return this.#synced && !this.#fatal;
  }

  get botUserId(): string {
    return this.#botUserId;
  }

  #refused(error: Error): void {
    if (this.#fatal) return;
    this.#fatal = true;
    this.client.stop();
    this.#o.onFatal(
      `Matrix: the homeserver refused MATRIX_ACCESS_TOKEN (${error.message}); log the bot account in again and set the new token`,
    );
  }

  #sleep(ms: number): Promise<void> {
    return this.#o.sleep ? this.#o.sleep(ms) : new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** PUT with our transaction id: a retry after a lost answer is the same event (matrix.md §5). */
  async send(roomId: string, content: Record<string, unknown>, txnId: string): Promise<string> {
    if (this.#encrypted.has(roomId) && !this.loaded.cryptoAvailable) {
      throw new Error(`room ${roomId} is encrypted and encryption is unavailable; not sending`);
    }
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const answer = (await this.client.doRequest("PUT", path, null, content)) as { event_id?: unknown };
        if (typeof answer.event_id !== "string") throw new Error("send answered without event_id");
        return answer.event_id;
      } catch (error) {
        const e = errorOf(error);
        const transient = e.errcode === "M_LIMIT_EXCEEDED" || e.statusCode === undefined || e.statusCode >= 500;
        if (!transient || attempt >= SEND_ATTEMPTS) throw error;
        const wait = e.errcode === "M_LIMIT_EXCEEDED" ? Math.min(e.retryAfterMs ?? 1000, 30_000) : 250 * 2 ** attempt;
        this.#o.log.warn(
          { room: roomId, txnId, attempt, waitMs: wait, errcode: e.errcode },
          "Matrix send: trying again",
        );
        await this.#sleep(wait);
      }
    }
  }

  async start(handlers: MatrixHandlers): Promise<void> {
    const { log } = this.#o;
    this.#handlers = handlers;
    this.#startedAt = Date.now();
    try {
      this.#botUserId = await this.client.getUserId();
    } catch (error) {
      if (errorOf(error).statusCode === 401) {
        throw new Error("Matrix: the homeserver refused MATRIX_ACCESS_TOKEN (whoami answered 401)");
      }
      throw error;
    }
    log.info({ user: this.#botUserId, e2ee: this.loaded.e2ee, rooms: [...this.#rooms] }, "Matrix bot account");
    const joined = new Set(await this.client.getJoinedRooms());
    for (const room of this.#rooms) {
      if (!joined.has(room)) {
        try {
          await this.client.joinRoom(room);
          log.info({ room }, "joined configured Matrix room");
        } catch (error) {
          log.warn(
            { room, errcode: errorOf(error).errcode },
            "cannot join a configured Matrix room yet; invite the bot",
          );
        }
      }
      await this.#checkEncryption(room);
    }
    await this.#syncPowerLevelGroups();
    await this.#reconcile();
    await this.client.start();
  }

  async stop(): Promise<void> {
    this.client.stop();
    await this.#handlers?.chat.settled();
  }

  async #checkEncryption(room: string): Promise<void> {
    try {
      const state = (await this.client.getRoomStateEvent(room, "m.room.encryption", "")) as { algorithm?: string };
      if (state.algorithm) await this.#refuseEncrypted(room);
    } catch (error) {
      if (errorOf(error).errcode !== "M_NOT_FOUND" && errorOf(error).statusCode !== 404) {
        this.#o.log.warn({ room, errcode: errorOf(error).errcode }, "could not read whether the room is encrypted");
      }
    }
  }

  async #refuseEncrypted(room: string): Promise<void> {
    if (this.loaded.cryptoAvailable || this.#encrypted.has(room)) return;
    this.#encrypted.add(room);
    this.#o.log.error(
      { room, e2ee: this.loaded.e2ee },
      "Matrix room is end-to-end encrypted and encryption is off or unavailable: the bot ignores this room. Use an unencrypted room, or set MATRIX_E2EE=auto with the native crypto library installed",
    );
    const say = L2(
      "⚠️ Dieser Raum ist verschlüsselt; amtsbote kann hier nicht mitlesen und ignoriert ihn. Bitte einen unverschlüsselten Raum für Meldungen nutzen.",
      "⚠️ This room is encrypted; amtsbote cannot read it and ignores it. Please use an unencrypted room for announcements.",
    );
    try {
      const path = `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.message/${encodeURIComponent(`amtsbote-encrypted-${room}`)}`;
      await this.client.doRequest("PUT", path, null, noticeContent(pick(say, this.#o.policy.language)));
    } catch {
      // Telling the room is a courtesy; the log already says it.
    }
  }

  #language(sender: string): Language {
    return resolvePerson(this.#o.policy, MATRIX_PLATFORM, sender)?.language ?? this.#o.policy.language;
  }

  async #dispatch(type: string, roomId: string, raw: Record<string, unknown>): Promise<void> {
    if (type === "room.invite") return this.#onInvite(roomId, raw);
    if (type !== "room.event" || !this.#rooms.has(roomId)) return;
    const parsed = EventSchema.safeParse(raw);
    if (!parsed.success) return;
    const event = parsed.data;
    if (event.type === "m.room.encryption" || event.type === "m.room.encrypted") return this.#refuseEncrypted(roomId);
    if (this.#encrypted.has(roomId) && !this.loaded.cryptoAvailable) return;
    if (event.sender === this.#botUserId) return;
    if (event.type === "m.room.power_levels" && roomId === this.#o.settings.approvalRoom) {
      return this.#syncPowerLevelGroups();
    }
    if ((event.origin_server_ts ?? 0) < this.#startedAt - REPLAY_GRACE_MS) return;
    if (!["m.room.message", "m.reaction", "m.room.redaction"].includes(event.type)) return;
    if (!(await this.#o.store.claimOnce(`matrix-event:${event.event_id}`, EVENT_TTL_MS))) return;
    if (event.type === "m.room.message") return this.#onMessage(roomId, event);
    if (event.type === "m.reaction") return this.#onReaction(roomId, event, false);
    return this.#onRedaction(roomId, event);
  }

  async #onInvite(roomId: string, event: Record<string, unknown>): Promise<void> {
    const inviter = typeof event.sender === "string" ? event.sender : "?";
    if (!this.#rooms.has(roomId)) {
      this.#o.log.warn({ room: roomId, inviter }, "invite to a room that is not configured: ignored");
      return;
    }
    await this.client.joinRoom(roomId);
    this.#o.log.info({ room: roomId, inviter }, "joined configured Matrix room on invite");
    await this.#checkEncryption(roomId);
  }

  /** The text of a message: its HTML made WhatsApp text where there is HTML, reply fallbacks dropped. */
  #textOf(content: unknown): string {
    const m = MessageSchema.safeParse(content);
    if (!m.success) return "";
    if (m.data.format === "org.matrix.custom.html" && m.data.formatted_body) {
      return matrixHtmlToWhatsApp(m.data.formatted_body);
    }
    return stripReplyFallback(m.data.body);
  }

  /** `!announce rest` → `rest`; anything else → undefined. */
  #command(text: string): string | undefined {
    const prefix = this.#o.settings.prefix.toLowerCase();
    const trimmed = text.trimStart();
    if (!trimmed.toLowerCase().startsWith(prefix)) return undefined;
    const rest = trimmed.slice(prefix.length);
    return rest === "" || /^\s/.test(rest) ? rest.trim() : undefined;
  }

  async #onMessage(roomId: string, event: RoomEvent): Promise<void> {
    const relates = RelatesSchema.safeParse(event.content["m.relates_to"] ?? {});
    const relation = relates.success ? relates.data : {};
    if (relation.rel_type === "m.replace" && relation.event_id) {
      return this.#onEdit(roomId, event, relation.event_id);
    }
    const threadRoot = relation.rel_type === "m.thread" ? relation.event_id : undefined;
    const text = this.#textOf(event.content);
    const rest = this.#command(text);
    if (rest === undefined) {
      if (threadRoot) await this.#maybeRejectReason(roomId, event, threadRoot, text);
      return;
    }
    const attachments = await this.#attachments(roomId, event, relation["m.in_reply_to"]?.event_id);
    if (!attachments.ok) {
      await this.#reply(roomId, event, threadRoot, attachments.message);
      return;
    }
    const before = Date.now();
    const outcome = await this.#handlers?.handle({
      kind: "text",
      actor: { platform: MATRIX_PLATFORM, userId: event.sender },
      origin: { platform: MATRIX_PLATFORM, room: roomId, ...(threadRoot ? { thread: threadRoot } : {}) },
      text: rest,
      ...(attachments.items.length ? { attachments: attachments.items } : {}),
    });
    if (!outcome) return;
    const drafted = outcome.kind === "reply" ? outcome.announcement : undefined;
    if (drafted && Date.parse(drafted.createdAt) >= before - 1000 && drafted.author) {
      await this.#o.store.putSetting(`matrix-draft-of:${event.event_id}`, drafted.id);
    }
    await this.#answer(roomId, event, threadRoot, outcome);
  }

  /** Editing the original `!announce` message edits the draft: a new version, approvals void. */
  async #onEdit(roomId: string, event: RoomEvent, original: string): Promise<void> {
    const id = await this.#o.store.getSetting(`matrix-draft-of:${original}`);
    if (typeof id !== "string") return;
    const rest = this.#command(this.#textOf(event.content["m.new_content"]));
    if (rest === undefined) return;
    const flags = takeFlags(rest, DRAFT_FLAGS);
    const outcome = await this.#handlers?.handle({
      kind: "text",
      actor: { platform: MATRIX_PLATFORM, userId: event.sender },
      origin: { platform: MATRIX_PLATFORM, room: roomId },
      text: `edit ${id}`,
      body: flags.ok ? flags.value.rest : rest,
    });
    if (outcome) await this.#answer(roomId, event, undefined, outcome);
  }

  /** A picture sent with the command as its caption, or the picture the command replies to. */
  async #attachments(
    roomId: string,
    event: RoomEvent,
    repliedTo: string | undefined,
  ): Promise<{ ok: true; items: MediaItem[] } | { ok: false; message: Localized }> {
    let media = MessageSchema.safeParse(event.content);
    if (!(media.success && media.data.url) && repliedTo) {
      try {
        const original = (await this.client.getEvent(roomId, repliedTo)) as { content?: unknown };
        media = MessageSchema.safeParse(original.content);
      } catch {
        return { ok: true, items: [] };
      }
    }
    if (!media.success || !media.data.url || !["m.image", "m.video"].includes(media.data.msgtype)) {
      return { ok: true, items: [] };
    }
    const name = media.data.filename ?? media.data.body ?? "file";
    try {
      const { data } = await this.client.downloadContent(media.data.url);
      const item = await this.#o.intake({ name, bytes: data });
      return item.ok ? { ok: true, items: [item.value] } : { ok: false, message: errorText(item.error) };
    } catch {
      return { ok: false, message: errorText({ code: "MEDIA_DOWNLOAD_FAILED", params: { name } }) };
    }
  }

  async #answer(roomId: string, event: RoomEvent, threadRoot: string | undefined, outcome: CommandOutcome) {
    if (outcome.kind === "ignored") return;
    const message = outcome.kind === "error" ? prefixed("⚠️ ", outcome.message) : outcome.message;
    await this.#reply(roomId, event, threadRoot, message);
  }

  /** In the thread where the event was, else as a reply to it. */
  async #reply(roomId: string, event: RoomEvent, threadRoot: string | undefined, message: Localized) {
    const content = noticeContent(pick(message, this.#language(event.sender)));
    const placed = threadRoot
      ? inThread(content, threadRoot)
      : { ...content, "m.relates_to": { "m.in_reply_to": { event_id: event.event_id } } };
    await this.send(roomId, placed, `amtsbote-reply-${event.event_id}`);
  }

  async #onReaction(roomId: string, event: RoomEvent, quiet: boolean): Promise<void> {
    const relates = RelatesSchema.safeParse(event.content["m.relates_to"]);
    if (!relates.success || relates.data.rel_type !== "m.annotation" || !relates.data.event_id || !relates.data.key) {
      return;
    }
    const target = relates.data.event_id;
    const id = await this.#handlers?.chat.previews.byKey(target);
    if (!id) return;
    const record = { eventId: event.event_id, sender: event.sender, key: relates.data.key };
    await this.#o.store.putSetting(`matrix-reaction:${event.event_id}`, { id, ...record });
    await this.#remember(id, (list) => [...list.filter((r) => r.eventId !== record.eventId), record]);
    const outcome = await this.#handlers?.handle({
      kind: "reaction",
      actor: { platform: MATRIX_PLATFORM, userId: event.sender },
      origin: { platform: MATRIX_PLATFORM, room: roomId, thread: target },
      target: { id },
      reaction: relates.data.key,
    });
    if (!outcome || outcome.kind === "ignored" || quiet) return;
    if (outcome.kind === "reply" && reactionMeaning(relates.data.key) === "reject") {
      await this.#askForReason(roomId, event, target, id);
      return;
    }
    // An approval shows in the thread log already; only a refusal needs its own short notice.
    if (outcome.kind === "error") {
      const content = noticeContent(
        pick(mention(event.sender, prefixed("⚠️ ", outcome.message)), this.#language(event.sender)),
      );
      await this.send(roomId, inThread(content, target), `amtsbote-reply-${event.event_id}`);
    }
  }

  /** ❌ by an approver: the reason comes as their next reply in the preview's thread. */
  async #askForReason(roomId: string, event: RoomEvent, target: string, id: AnnouncementId): Promise<void> {
    const person = resolvePerson(this.#o.policy, MATRIX_PLATFORM, event.sender);
    const a = await this.#handlers?.lookup(id);
    if (!person || !a || !isApproverFor(this.#o.policy, person.id, a.category)) return;
    await this.#o.store.putSetting(`matrix-reject-pending:${target}:${event.sender}`, true);
    const ask = mention(
      event.sender,
      L2(
        `❌ Bitte hier im Thread antworten: Warum wird ${id} abgelehnt?`,
        `❌ Please reply here in the thread: why is ${id} rejected?`,
      ),
    );
    await this.send(
      roomId,
      inThread(noticeContent(pick(ask, this.#language(event.sender))), target),
      `amtsbote-reply-${event.event_id}`,
    );
  }

  async #maybeRejectReason(roomId: string, event: RoomEvent, threadRoot: string, text: string): Promise<void> {
    const key = `matrix-reject-pending:${threadRoot}:${event.sender}`;
    if ((await this.#o.store.getSetting(key)) !== true) return;
    const id = await this.#handlers?.chat.previews.byKey(threadRoot);
    const reason = text.trim();
    if (!id || !reason) return;
    await this.#o.store.putSetting(key, false);
    const outcome = await this.#handlers?.handle({
      kind: "text",
      actor: { platform: MATRIX_PLATFORM, userId: event.sender },
      origin: { platform: MATRIX_PLATFORM, room: roomId, thread: threadRoot },
      text: `reject ${id} ${reason}`,
    });
    if (outcome) await this.#answer(roomId, event, threadRoot, outcome);
  }

  /** A redacted reaction takes back what it gave (an approval before publication). */
  async #onRedaction(roomId: string, event: RoomEvent, quiet = false): Promise<void> {
    const target = typeof event.content.redacts === "string" ? event.content.redacts : event.redacts;
    if (!target) return;
    const record = (await this.#o.store.getSetting(`matrix-reaction:${target}`)) as
      (ReactionRecord & { id: AnnouncementId }) | undefined;
    if (!record) return;
    await this.#o.store.putSetting(`matrix-reaction:${target}`, null);
    await this.#remember(record.id, (list) => list.filter((r) => r.eventId !== target));
    const outcome = await this.#handlers?.handle({
      kind: "reaction",
      actor: { platform: MATRIX_PLATFORM, userId: record.sender },
      origin: { platform: MATRIX_PLATFORM, room: roomId },
      target: { id: record.id },
      reaction: record.key,
      removed: true,
    });
    if (outcome?.kind === "reply" && !quiet) {
      const preview = await this.#handlers?.chat.previews.get(record.id);
      const content = noticeContent(pick(mention(record.sender, outcome.message), this.#language(record.sender)));
      await this.send(
        roomId,
        preview ? inThread(content, preview.eventId) : content,
        `amtsbote-reply-${event.event_id}`,
      );
    }
  }

  async #remember(id: AnnouncementId, change: (list: ReactionRecord[]) => ReactionRecord[]): Promise<void> {
    const key = `matrix-reactions:${id}`;
    const list = ((await this.#o.store.getSetting(key)) as ReactionRecord[] | undefined) ?? [];
    await this.#o.store.putSetting(key, change(list));
  }

  /**
   * Reactions given or taken back while the bot was down still count (issue: startup reconciliation):
   * the preview's reactions are read again and compared with what the bot had seen.
   */
  async #reconcile(): Promise<void> {
    const handlers = this.#handlers;
    if (!handlers) return;
    for (const id of await handlers.openIds()) {
      const a = await handlers.lookup(id);
      const preview = await handlers.chat.previews.get(id);
      if (!a || !preview || !awaitsDecision(a)) continue;
      let reactions: RoomEvent[];
      try {
        reactions = await this.#annotations(preview.room, preview.eventId);
      } catch (error) {
        this.#o.log.warn({ id, errcode: errorOf(error).errcode }, "could not re-read reactions of a preview");
        continue;
      }
      const seen = ((await this.#o.store.getSetting(`matrix-reactions:${id}`)) as ReactionRecord[] | undefined) ?? [];
      const present = new Set(reactions.map((r) => r.event_id));
      for (const gone of seen.filter((r) => !present.has(r.eventId))) {
        await this.#onRedaction(
          preview.room,
          {
            event_id: `reconcile-${gone.eventId}`,
            sender: gone.sender,
            type: "m.room.redaction",
            content: { redacts: gone.eventId },
          },
          true,
        );
      }
      const known = new Set(seen.map((r) => r.eventId));
      for (const reaction of reactions.filter((r) => !known.has(r.event_id) && r.sender !== this.#botUserId)) {
        if (await this.#o.store.claimOnce(`matrix-event:${reaction.event_id}`, EVENT_TTL_MS)) {
          await this.#onReaction(preview.room, reaction, true);
        }
      }
    }
  }

  /** Every `m.annotation` of an event, page by page (the SDK's helper reads only the first page). */
  async #annotations(roomId: string, eventId: string): Promise<RoomEvent[]> {
    const out: RoomEvent[] = [];
    let from: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const path = `/_matrix/client/v1/rooms/${encodeURIComponent(roomId)}/relations/${encodeURIComponent(eventId)}/m.annotation/m.reaction`;
      const answer = (await this.client.doRequest("GET", path, { limit: 100, ...(from ? { from } : {}) })) as {
        chunk?: unknown[];
        next_batch?: string;
      };
      for (const raw of answer.chunk ?? []) {
        const parsed = EventSchema.safeParse(raw);
        if (parsed.success) out.push(parsed.data);
      }
      if (!answer.next_batch) break;
      from = answer.next_batch;
    }
    return out;
  }

  /**
   * Policy groups fed by power level in the approval room (`matrixPowerLevels`): everyone with at
   * least that level, and in room version 12 the room's creators, who rank above every level.
   */
  async #syncPowerLevelGroups(): Promise<void> {
    const links = [...(this.#o.policy.directoryGroups ?? [])].filter(([, g]) => g.platform === MATRIX_PLATFORM);
    if (!links.length) return;
    const room = this.#o.settings.approvalRoom;
    let levels: { users?: Record<string, number> };
    let creators: string[] = [];
    try {
      levels = (await this.client.getRoomStateEvent(room, "m.room.power_levels", "")) as typeof levels;
      const create = (await this.client.doRequest(
        "GET",
        `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/state/m.room.create/`,
        { format: "event" },
      )) as { sender?: string; content?: { room_version?: string; additional_creators?: string[] } };
      const version = Number(create.content?.room_version ?? "1");
      if (version >= 12 && create.sender) creators = [create.sender, ...(create.content?.additional_creators ?? [])];
    } catch (error) {
      this.#o.log.warn({ room, errcode: errorOf(error).errcode }, "could not read the approval room's power levels");
      return;
    }
    for (const [group, link] of links) {
      const minimum = Number(link.id);
      const users = new Set([
        ...creators,
        ...Object.entries(levels.users ?? {})
          .filter(([, level]) => level >= minimum)
          .map(([user]) => user),
      ]);
      users.delete(this.#botUserId);
      const members = [...users].map((userId) => ({ userId, name: userId }));
      const { added, removed } = applyDirectoryMembers(this.#o.policy, group, members);
      this.#o.log.info({ group, minimum, members: members.length, added, removed }, "Matrix power levels read");
    }
  }
}

const L2 = (de: string, en: string): Localized => ({ de, en });

const prefixed = (prefix: string, message: Localized): Localized => ({
  de: prefix + message.de,
  en: prefix + message.en,
});

const mention = (user: string, message: Localized): Localized => ({
  de: `${user}: ${message.de}`,
  en: `${user}: ${message.en}`,
});

/**
 * Drops a reply fallback (matrix.md §8): leading `> ` lines and the empty line after them.
 * A message without a fallback keeps its first line.
 */
export function stripReplyFallback(body: string): string {
  const lines = body.split("\n");
  if (!lines[0]?.startsWith("> ")) return body;
  let i = 0;
  while (i < lines.length && lines[i]?.startsWith("> ")) i += 1;
  if (lines[i] === "") i += 1;
  return lines.slice(i).join("\n");
}
