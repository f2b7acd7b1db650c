import type { MatrixClient } from "matrix-bot-sdk";
import { ApprovalState } from "../../commands/approval-state.ts";
import { L, pick, type Localized } from "../../commands/messages.ts";
import { approvalLine, deliveryLines, headline, hintsBlock, previewHints, timeLines } from "../../commands/render.ts";
import { awaitsDecision, type Announcement } from "../../src/announcement/announcement.ts";
import { toOutboundPost } from "../../src/outbox/outbox.ts";
import { displayName, languageOf, resolvePerson, type Language, type Policy } from "../../src/policy/policy.ts";
import type { ApprovalPost, ApprovalSurface, PostReaction, ReasonForm } from "../../src/ports/approval-surface.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { OutboundPost } from "../../src/ports/outlet.ts";
import type { ChatStateStore, Settings } from "../../src/ports/store.ts";
import { renderForWhatsApp } from "../../src/render/whatsapp.ts";
import { escapeHtml, quoteHtml, textToHtml } from "./html.ts";

export const MATRIX_PLATFORM = "matrix";

/** Sends one event with a transaction id of our choosing; a repeat with the same id is one event. */
export interface MatrixSender {
  send(roomId: string, content: Record<string, unknown>, txnId: string): Promise<string>;
}

export interface MatrixSurfaceOptions {
  sender: MatrixSender;
  /** For the room history read and direct rooms. */
  client: Pick<MatrixClient, "doRequest">;
  /** Chat state; settings for the preview index of versions before 0.2. */
  state: ChatStateStore & Settings;
  policy: Policy;
  approvalRoom: string;
  log: Logger;
}

/** A notice: plain text for every client, HTML for those that show it, never pinging anyone by accident. */
export function noticeContent(text: string, html = textToHtml(text)): Record<string, unknown> {
  return { msgtype: "m.notice", body: text, format: "org.matrix.custom.html", formatted_body: html, "m.mentions": {} };
}

/** In the thread under `root`. */
export const inThread = (content: Record<string, unknown>, root: string): Record<string, unknown> => ({
  ...content,
  "m.relates_to": { rel_type: "m.thread", event_id: root, is_falling_back: true, "m.in_reply_to": { event_id: root } },
});

/** An edit (`m.replace`) of `eventId` to show `content`; clients without edits see the `* ` fallback. */
export const replacing = (eventId: string, content: Record<string, unknown>): Record<string, unknown> => ({
  ...content,
  body: `* ${String(content.body)}`,
  "m.new_content": content,
  "m.relates_to": { rel_type: "m.replace", event_id: eventId },
});

/** Addressed to one person with an intentional mention (matrix.md: `m.mentions`). */
function mentioning(mxid: string, name: string, text: string): Record<string, unknown> {
  return {
    ...noticeContent(
      `${name}: ${text}`,
      `<a href="https://matrix.to/#/${escapeHtml(mxid)}">${escapeHtml(name)}</a>: ${textToHtml(text)}`,
    ),
    "m.mentions": { user_ids: [mxid] },
  };
}

/** Reactions per page of room history; the homeserver may hand out fewer. */
const HISTORY_PAGE = 1000;
/** How far back a lost preview is looked for. */
const RECOVER_PAGES = 10;
/** Bounds one reconciliation's read even in a very busy room. */
const MAX_PAGES = 200;
/** The preview's own time is taken when it was sent; the server's may be a little earlier. */
const CLOCK_SLACK_MS = 60_000;

interface RoomEventLike {
  event_id?: unknown;
  sender?: unknown;
  type?: unknown;
  origin_server_ts?: unknown;
  content?: { "m.relates_to"?: { rel_type?: unknown; event_id?: unknown; key?: unknown } };
}

/**
 * The approval surface in Matrix: a preview per announcement in the approval room showing the post as
 * WhatsApp will, kept current by edits, with every step logged in the thread under it; authors told in a
 * direct room with the bot. Every step's event has a transaction id derived from the step, so a retry
 * never posts twice (matrix.md §5).
 */
export class MatrixSurface implements ApprovalSurface {
  readonly platform = MATRIX_PLATFORM;
  readonly #o: MatrixSurfaceOptions;
  readonly #state: ApprovalState;
  #botUserId = "";
  #loose = 0;

  constructor(options: MatrixSurfaceOptions) {
    this.#o = options;
    this.#state = new ApprovalState(options.state, MATRIX_PLATFORM);
  }

  setBotUserId(id: string): void {
    this.#botUserId = id;
  }

  botUserId(): string {
    return this.#botUserId;
  }

  get approvalRoom(): string {
    return this.#o.approvalRoom;
  }

  get #language(): Language {
    return this.#o.policy.language;
  }

  languageOf(mxid: string): Language {
    return languageOf(this.#o.policy, MATRIX_PLATFORM, mxid);
  }

  /** For messages not tied to one step (health, modes): unique per process start and message. */
  #looseTxn(): string {
    this.#loose += 1;
    return `amtsbote-${process.pid}-${Date.now()}-${this.#loose}`;
  }

  async open(a: Announcement): Promise<ApprovalPost> {
    const room = this.#o.approvalRoom;
    const at = Date.now();
    const id = await this.#o.sender.send(room, this.previewContent(a), `amtsbote-${a.id}-preview`);
    return { room, id, at };
  }

  /**
   * Noted by an earlier version, or found among the bot's own messages in the approval room since the draft;
   * else sent again with the same transaction id, which the homeserver answers with the preview it still has.
   */
  async recover(a: Announcement): Promise<ApprovalPost> {
    const legacy = (await this.#o.state.getSetting(`matrix-preview:${a.id}`)) as { room?: unknown; eventId?: unknown };
    if (typeof legacy?.room === "string" && typeof legacy.eventId === "string") {
      return { room: legacy.room, id: legacy.eventId, at: Date.parse(a.createdAt) };
    }
    const room = this.#o.approvalRoom;
    const filter = { types: ["m.room.message"], senders: [this.#botUserId] };
    // A preview is lost only when the bot stopped right after sending it, so it is among the newest messages.
    for await (const { chunk } of this.#messages(room, filter, RECOVER_PAGES)) {
      const found = chunk.find(
        (e) =>
          !e.content?.["m.relates_to"] &&
          typeof e.content?.body === "string" &&
          e.content.body.startsWith(`${a.id} ·`) &&
          typeof e.event_id === "string",
      );
      if (found && typeof found.event_id === "string") {
        this.#o.log.info({ id: a.id, eventId: found.event_id }, "approval preview found again");
        return {
          room,
          id: found.event_id,
          at: typeof found.origin_server_ts === "number" ? found.origin_server_ts : Date.parse(a.createdAt),
        };
      }
    }
    return this.open(a);
  }

  /** An edit (`m.replace`) of the preview, so it always shows the current state. */
  async update(post: ApprovalPost, a: Announcement): Promise<void> {
    await this.#o.sender.send(
      post.room,
      replacing(post.id, this.previewContent(a)),
      `amtsbote-${a.id}-${a.events.length}-preview-edit`,
    );
  }

  async log(post: ApprovalPost | undefined, line: Localized, step: string): Promise<void> {
    const content = noticeContent(pick(line, this.#language));
    await this.#o.sender.send(
      post?.room ?? this.#o.approvalRoom,
      post ? inThread(content, post.id) : content,
      `amtsbote-${step}`,
    );
  }

  async notify(post: ApprovalPost, userId: string, message: Localized, form?: ReasonForm): Promise<void> {
    const asked = form
      ? L(`${message.de} Bitte hier im Thread antworten.`, `${message.en} Please reply here in the thread.`)
      : message;
    const name = displayName(this.#o.policy, resolvePerson(this.#o.policy, MATRIX_PLATFORM, userId)?.id ?? userId);
    const content = mentioning(userId, name, pick(asked, this.languageOf(userId)));
    await this.#o.sender.send(post.room, inThread(content, post.id), this.#looseTxn());
  }

  /** In the person's direct room with the bot, made on first need and remembered. */
  async tellPrivately(personId: string, message: Localized, step: string): Promise<void> {
    const person = this.#o.policy.people.get(personId);
    const mxid = person?.identities[MATRIX_PLATFORM]?.[0];
    const text = pick(message, person?.language ?? this.#language);
    if (!mxid) {
      const content = noticeContent(`${displayName(this.#o.policy, personId)}: ${text}`);
      await this.#o.sender.send(this.#o.approvalRoom, content, `amtsbote-${step}`);
      return;
    }
    const room = await this.#directRoom(mxid);
    await this.#o.sender.send(room, noticeContent(text), `amtsbote-${step}`);
  }

  async #directRoom(mxid: string): Promise<string> {
    const known = await this.#state.value("dm", mxid);
    if (typeof known === "string") return known;
    const created = (await this.#o.client.doRequest("POST", "/_matrix/client/v3/createRoom", null, {
      is_direct: true,
      invite: [mxid],
      preset: "trusted_private_chat",
      name: "amtsbote",
    })) as { room_id?: unknown };
    if (typeof created.room_id !== "string") throw new Error("createRoom answered without room_id");
    await this.#state.putValue("dm", mxid, created.room_id, 365 * 24 * 3_600_000);
    this.#o.log.info({ user: mxid, room: created.room_id }, "direct room for private notices created");
    return created.room_id;
  }

  async toApprovers(message: Localized): Promise<void> {
    await this.#o.sender.send(this.#o.approvalRoom, noticeContent(pick(message, this.#language)), this.#looseTxn());
  }

  /** The copy-ready hand-off in the preview's thread; `posted A-0042` confirms it. */
  async handoff(post: ApprovalPost | undefined, outbound: OutboundPost, message: Localized): Promise<void> {
    const content = noticeContent(pick(message, this.#language));
    const txn = `amtsbote-${outbound.announcementId}-handoff-${outbound.version}-${outbound.fingerprint.slice(0, 12)}`;
    if (post) await this.#o.sender.send(post.room, inThread(content, post.id), txn);
    else await this.#o.sender.send(this.#o.approvalRoom, content, txn);
  }

  /** The preview: the post exactly as WhatsApp will show it, who asked, what is still needed, how to decide. */
  previewContent(a: Announcement): Record<string, unknown> {
    const say = (l: Localized) => pick(l, this.#language);
    const policy = this.#o.policy;
    const requester = a.change?.requestedBy ?? a.author;
    const r = renderForWhatsApp(toOutboundPost(a));
    const by = say({ de: `Von ${displayName(policy, requester)}`, en: `By ${displayName(policy, requester)}` });
    const lines = [say(headline(policy, a)), by];
    const html = [`<b>${escapeHtml(say(headline(policy, a)))}</b>`, escapeHtml(by)];
    if (a.change?.reason) {
      const reason = say({ de: `Grund: ${a.change.reason}`, en: `Reason: ${a.change.reason}` });
      lines.push(reason);
      html.push(escapeHtml(reason));
    }
    for (const line of timeLines(policy, a).map(say)) {
      lines.push(line);
      html.push(escapeHtml(line));
    }
    lines.push("", r.text);
    html.push(quoteHtml(r.text));
    if (r.poll) {
      const poll = [`📊 ${r.poll.question}`, ...r.poll.options.map((o) => `○ ${o}`)];
      lines.push(...poll);
      html.push(`<blockquote>${poll.map(escapeHtml).join("<br>")}</blockquote>`);
    }
    for (const m of r.media) {
      lines.push(`📎 ${m}`);
      html.push(escapeHtml(`📎 ${m}`));
    }
    const hints = hintsBlock(previewHints(policy, a)).map(say);
    if (hints.length) {
      lines.push("", ...hints);
      html.push(`<i>${hints.map(escapeHtml).join("<br>")}</i>`);
    }
    const progress = [approvalLine(policy, a), ...deliveryLines(policy, a)].map(say).join("\n");
    const hint = awaitsDecision(a)
      ? say({
          de: "✅ freigeben · ❌ ablehnen (Grund als Antwort im Thread)",
          en: "✅ approve · ❌ reject (reason as a reply in the thread)",
        })
      : "";
    lines.push("", progress, ...(hint ? [hint] : []));
    html.push(escapeHtml(progress).replaceAll("\n", "<br>"), ...(hint ? [`<i>${escapeHtml(hint)}</i>`] : []));
    return noticeContent(lines.join("\n"), html.join("<br>"));
  }

  /** `/messages` of each room backwards, reactions only, until the oldest preview: calls grow with history. */
  async readReactions(posts: readonly ApprovalPost[]): Promise<Map<string, PostReaction[]>> {
    const out = new Map<string, PostReaction[]>();
    for (const [room, wanted] of Map.groupBy(posts, (p) => p.room)) {
      const ids = new Set(wanted.map((p) => p.id));
      const found = new Map<string, PostReaction[]>();
      const until = Math.min(...wanted.map((p) => p.at)) - CLOCK_SLACK_MS;
      let reached = Number.POSITIVE_INFINITY;
      let complete = false;
      for await (const { chunk, last } of this.#messages(room, { types: ["m.reaction"] }, MAX_PAGES)) {
        for (const e of chunk) {
          if (typeof e.origin_server_ts === "number") reached = Math.min(reached, e.origin_server_ts);
          const rel = e.content?.["m.relates_to"];
          if (e.type !== "m.reaction" || rel?.rel_type !== "m.annotation") continue;
          if (typeof rel.event_id !== "string" || !ids.has(rel.event_id) || typeof rel.key !== "string") continue;
          if (typeof e.sender !== "string" || typeof e.event_id !== "string") continue;
          const list = found.get(rel.event_id) ?? [];
          list.push({ user: e.sender, key: rel.key, reactionId: e.event_id });
          found.set(rel.event_id, list);
        }
        complete = last || reached < until;
        if (complete) break;
      }
      for (const post of wanted) {
        // Only posts whose whole time span was read: a post older than what was read is left as it is.
        if (complete || post.at - CLOCK_SLACK_MS >= reached) out.set(post.id, found.get(post.id) ?? []);
      }
    }
    return out;
  }

  /** The room's events matching `filter`, newest first, a page of up to 1,000 per call, at most `maxPages`. */
  async *#messages(
    room: string,
    filter: Record<string, unknown>,
    maxPages: number,
  ): AsyncGenerator<{ chunk: (RoomEventLike & { content?: { body?: unknown } })[]; last: boolean }> {
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/messages`;
    const query = { dir: "b", limit: HISTORY_PAGE, filter: JSON.stringify({ ...filter, limit: HISTORY_PAGE }) };
    let from: string | undefined;
    for (let page = 0; page < maxPages; page += 1) {
      const answer = (await this.#o.client.doRequest("GET", path, { ...query, ...(from ? { from } : {}) })) as {
        chunk?: (RoomEventLike & { content?: { body?: unknown } })[];
        end?: unknown;
      };
      const chunk = answer.chunk ?? [];
      from = typeof answer.end === "string" && chunk.length > 0 ? answer.end : undefined;
      yield { chunk, last: from === undefined };
      if (from === undefined) return;
    }
  }
}
