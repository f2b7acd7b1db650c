import type { MatrixClient } from "matrix-bot-sdk";
import { z } from "zod";
import type { AnnouncementId, MediaItem } from "../../src/announcement/announcement.ts";
import { ok, type Result } from "../../src/errors.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import { isStoreUnavailable } from "../../src/ports/store-unavailable.ts";
import { applyDirectoryMembers } from "../../src/policy/directory-groups.ts";
import { languageOf, type Language, type Policy } from "../../src/policy/policy.ts";
import type { ApprovalDesk } from "../../commands/approval-desk.ts";
import { failureOutcome } from "../../commands/dispatch.ts";
import { takeFlags } from "../../commands/grammar.ts";
import { DRAFT_FLAGS, failed } from "../../commands/handlers.ts";
import type { CommandInput, CommandOutcome } from "../../commands/input.ts";
import { errorText, pick, type Localized } from "../../commands/messages.ts";
import type { MatrixSettings } from "../config/env.ts";
import { matrixHtmlToWhatsApp } from "../markup/matrix-html.ts";
import type { MediaIntake } from "../media/intake.ts";
import { createAwaitingClient, sdkLogger, storeSyncStorage } from "./matrix-client.ts";
import { inThread, MATRIX_PLATFORM, noticeContent, type MatrixSender, type MatrixSurface } from "./matrix-surface.ts";
import { loadMatrixBotSdk, type LoadedSdk } from "./load-sdk.ts";
import { downloadMatrixMedia } from "./media.ts";

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
  info: z.object({ mimetype: z.string().optional(), size: z.number().optional() }).loose().optional(),
});

/** Events this much older than the start are history replayed by a first sync, not acted on (matrix.md §4.4). */
const REPLAY_GRACE_MS = 60_000;
/** A command message is acted on at most once: a draft doubled by a replay is worse than one the author retypes. */
const COMMAND_TTL_MS = 24 * 3_600_000;
const DRAFT_OF_TTL_MS = 30 * 24 * 3_600_000;
const SEND_ATTEMPTS = 5;

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
  desk: ApprovalDesk;
  surface: MatrixSurface;
  handle: (input: CommandInput) => Promise<CommandOutcome>;
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
          void this.#handlers?.desk
            .reconcile()
            .catch((error: unknown) => this.#o.log.warn({ err: error }, "reconciliation failed"));
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
      handlers.surface.setBotUserId(this.#botUserId);
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
    await handlers.desk.recoverPosts().catch((error: unknown) => {
      log.warn({ err: error }, "could not recover the approval previews");
    });
    await this.client.start();
    // Counting reactions may wait for an announcement a stopped process still holds: not on the start's path.
    void handlers.desk.reconcile().catch((error: unknown) => {
      log.warn({ err: error }, "could not reconcile the approval previews");
    });
  }

  async stop(): Promise<void> {
    this.client.stop();
    await this.#handlers?.desk.settled();
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
    return languageOf(this.#o.policy, MATRIX_PLATFORM, sender);
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
    if (event.type === "m.room.message") return this.#onMessage(roomId, event);
    if (event.type === "m.reaction") return this.#onReaction(roomId, event);
    if (event.type === "m.room.redaction") return this.#onRedaction(roomId, event);
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

  /**
   * The text of a message: its HTML made WhatsApp text where there is HTML, reply fallbacks dropped; refused
   * when the HTML hides a link target a post may not carry. `typed` is the plain body, to tell a command from
   * chatter and to read a reason, which is never published.
   */
  #textOf(content: unknown): { text: Result<string>; typed: string } {
    const m = MessageSchema.safeParse(content);
    if (!m.success) return { text: ok(""), typed: "" };
    const typed = stripReplyFallback(m.data.body);
    if (m.data.format === "org.matrix.custom.html" && m.data.formatted_body) {
      return { text: matrixHtmlToWhatsApp(m.data.formatted_body), typed };
    }
    return { text: ok(typed), typed };
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
    const read = this.#textOf(event.content);
    const text = read.text.ok ? read.text.value : read.typed;
    const rest = this.#command(text);
    const handlers = this.#handlers;
    if (!handlers) return;
    if (rest === undefined) {
      if (threadRoot) {
        await handlers.desk.threadReply({ eventId: event.event_id, postId: threadRoot, user: event.sender, text });
      }
      return;
    }
    if (!(await this.#takeCommand(roomId, event, threadRoot, read.text))) return;
    const attachments = await this.#attachments(roomId, event, relation["m.in_reply_to"]?.event_id);
    if (!attachments.ok) {
      await this.#reply(roomId, event, threadRoot, attachments.message);
      return;
    }
    const outcome = await handlers.handle({
      kind: "text",
      actor: { platform: MATRIX_PLATFORM, userId: event.sender },
      origin: { platform: MATRIX_PLATFORM, room: roomId, ...(threadRoot ? { thread: threadRoot } : {}) },
      text: rest,
      ...(attachments.items.length ? { attachments: attachments.items } : {}),
    });
    if (outcome.kind === "reply" && outcome.effect?.kind === "drafted" && outcome.effect.typed) {
      // Only edits of the command message depend on it; the draft itself is stored. A relay, poll or template
      // draft is not the command's text: editing such a command leaves it alone.
      await handlers.desk.state
        .putValue("draft-of", event.event_id, outcome.effect.id, DRAFT_OF_TTL_MS)
        .catch((error: unknown) => {
          if (!isStoreUnavailable(error)) throw error;
          this.#o.log.warn(
            { id: outcome.effect?.id },
            "store unreachable: editing the command message will not edit the draft",
          );
        });
    }
    await this.#answer(roomId, event, threadRoot, outcome);
  }

  /**
   * Claims a command's event once (a replay is dropped, an unreachable store answered) and refuses text a post
   * may not carry; true when the command may go on.
   */
  async #takeCommand(roomId: string, event: RoomEvent, threadRoot: string | undefined, text: Result<string>) {
    const claimed = await this.#claim(event.event_id);
    if (claimed !== true) {
      if (claimed) await this.#answer(roomId, event, threadRoot, claimed);
      return false;
    }
    if (!text.ok) {
      await this.#answer(roomId, event, threadRoot, failed(text.error));
      return false;
    }
    return true;
  }

  /**
   * True for the first handling of a command event, false for a repeat; while the store is unreachable (or
   * the claim fails otherwise), the answer to give instead: every event a sync delivers must be answered
   * or passed over here, since a failure would make the SDK skip the rest of its batch.
   */
  async #claim(eventId: string): Promise<boolean | CommandOutcome> {
    try {
      return await this.#o.store.claimOnce(`matrix-event:${eventId}`, COMMAND_TTL_MS);
    } catch (error) {
      return failureOutcome(error, this.#o.log, { platform: MATRIX_PLATFORM, kind: "text", eventId });
    }
  }

  /** Editing the original `!announce` message edits the draft: a new version, approvals void. */
  async #onEdit(roomId: string, event: RoomEvent, original: string): Promise<void> {
    const handlers = this.#handlers;
    const read = this.#textOf(event.content["m.new_content"]);
    const rest = this.#command(read.text.ok ? read.text.value : read.typed);
    if (!handlers || rest === undefined) return;
    let id: unknown;
    try {
      id = await handlers.desk.state.value("draft-of", original);
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      const outcome = failureOutcome(error, this.#o.log, { platform: MATRIX_PLATFORM, kind: "edit" });
      return this.#answer(roomId, event, undefined, outcome);
    }
    if (typeof id !== "string") return;
    if (!(await this.#takeCommand(roomId, event, undefined, read.text))) return;
    const flags = takeFlags(rest, DRAFT_FLAGS);
    const outcome = await handlers.desk.act(event.sender, roomId, {
      command: "edit",
      id: id as AnnouncementId,
      text: flags.ok ? flags.value.rest : rest,
    });
    await this.#answer(roomId, event, undefined, outcome);
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
    const size = media.data.info?.size;
    const file = await downloadMatrixMedia(media.data.url, name, {
      homeserverUrl: this.#o.settings.homeserverUrl,
      accessToken: this.#o.settings.accessToken,
      ...(size === undefined ? {} : { declaredSize: size }),
    });
    try {
      const item = file.ok ? await this.#o.intake(file.value) : file;
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

  async #onReaction(roomId: string, event: RoomEvent): Promise<void> {
    const relates = RelatesSchema.safeParse(event.content["m.relates_to"]);
    if (!relates.success || relates.data.rel_type !== "m.annotation" || !relates.data.event_id || !relates.data.key) {
      return;
    }
    await this.#handlers?.desk.reaction({
      eventId: event.event_id,
      room: roomId,
      postId: relates.data.event_id,
      user: event.sender,
      key: relates.data.key,
      removed: false,
      reactionId: event.event_id,
    });
  }

  /** A redacted reaction takes back what it gave (an approval before publication). */
  async #onRedaction(roomId: string, event: RoomEvent): Promise<void> {
    const target = typeof event.content.redacts === "string" ? event.content.redacts : event.redacts;
    // Counted reactions are only ever on the approval room's previews.
    if (target && roomId === this.#o.settings.approvalRoom)
      await this.#handlers?.desk.redaction(event.event_id, target);
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
