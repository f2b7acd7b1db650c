import { pick, type Localized } from "../../commands/messages.ts";
import { renderModeNotice } from "../../commands/notices.ts";
import { approvalLine, headline } from "../../commands/render.ts";
import { awaitsDecision, type Announcement } from "../../src/announcement/announcement.ts";
import { toOutboundPost } from "../../src/outbox/outbox.ts";
import { displayName, type Language, type Policy } from "../../src/policy/policy.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { ModeNotice, Notice, NoticeSink } from "../../src/ports/notices.ts";
import type { OutboundPost } from "../../src/ports/outlet.ts";
import type { Store } from "../../src/ports/store.ts";
import { renderForWhatsApp } from "../../src/render/whatsapp.ts";
import { ApprovalPostIndex, approvalThreadMessages, OPENS_APPROVAL_POST } from "../approval-post.ts";
import { NoticeQueue } from "../notice-queue.ts";
import type { StaffChat } from "../staff-chat.ts";
import { escapeHtml, quoteHtml, textToHtml } from "./html.ts";

export const MATRIX_PLATFORM = "matrix";

/** Sends one event with a transaction id of our choosing; a repeat with the same id is one event. */
export interface MatrixSender {
  send(roomId: string, content: Record<string, unknown>, txnId: string): Promise<string>;
}

export interface PreviewRef {
  room: string;
  eventId: string;
}

export interface MatrixChatOptions {
  sender: MatrixSender;
  store: Store;
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

/**
 * The bot's voice in Matrix: a preview per announcement in the approval room showing the post as
 * WhatsApp will, kept current by edits, with every step logged in the thread under it. Every event
 * has a transaction id derived from what it says, so a retry never posts twice (matrix.md §5).
 */
export class MatrixChat implements StaffChat, NoticeSink {
  readonly #o: MatrixChatOptions;
  readonly previews: ApprovalPostIndex<PreviewRef>;
  readonly #queue: NoticeQueue;
  #loose = 0;

  constructor(options: MatrixChatOptions) {
    this.#o = options;
    this.#queue = new NoticeQueue("Matrix", options.log);
    this.previews = new ApprovalPostIndex<PreviewRef>(options.store, "matrix-preview", (preview) => preview.eventId);
  }

  get #language(): Language {
    return this.#o.policy.language;
  }

  /** For messages not tied to one step (health, modes): unique per process start and message. */
  #looseTxn(): string {
    this.#loose += 1;
    return `amtsbote-${process.pid}-${Date.now()}-${this.#loose}`;
  }

  async toApprovers(message: Localized): Promise<void> {
    await this.#o.sender.send(this.#o.approvalRoom, noticeContent(pick(message, this.#language)), this.#looseTxn());
  }

  async toAuthor(a: Announcement, message: Localized): Promise<void> {
    await this.#toAuthor(a, message, this.#looseTxn());
  }

  /** In the room (and thread) where it was drafted, addressed to the author with an intentional mention. */
  async #toAuthor(a: Announcement, message: Localized, txnId: string): Promise<void> {
    const author = this.#o.policy.people.get(a.author);
    const mxid = author?.identities[MATRIX_PLATFORM]?.[0];
    const text = pick(message, author?.language ?? this.#language);
    const room = a.origin.platform === MATRIX_PLATFORM ? a.origin.room : this.#o.approvalRoom;
    const name = displayName(this.#o.policy, a.author);
    const content = mxid
      ? {
          ...noticeContent(
            `${name}: ${text}`,
            `<a href="https://matrix.to/#/${escapeHtml(mxid)}">${escapeHtml(name)}</a>: ${textToHtml(text)}`,
          ),
          "m.mentions": { user_ids: [mxid] },
        }
      : noticeContent(text);
    const thread = a.origin.platform === MATRIX_PLATFORM ? a.origin.thread : undefined;
    await this.#o.sender.send(room, thread ? inThread(content, thread) : content, txnId);
  }

  emit(notice: Notice | ModeNotice): Promise<void> {
    this.#queue.add(notice, () =>
      notice.kind === "mode_changed" ? this.toApprovers(renderModeNotice(this.#o.policy, notice)) : this.#show(notice),
    );
    return Promise.resolve();
  }

  settled(): Promise<void> {
    return this.#queue.settled();
  }

  /** Transaction ids of one step: the announcement, how many audit events it has, what is said. */
  #txn(a: Announcement, what: string): string {
    return `amtsbote-${a.id}-${a.events.length}-${what}`;
  }

  async #show(notice: Notice): Promise<void> {
    const a = notice.announcement;
    let preview = await this.previews.get(a.id);
    const opens = !preview && OPENS_APPROVAL_POST.has(notice.kind);
    if (preview) await this.#editPreview(preview, a);
    else if (opens) preview = await this.#postPreview(a);
    for (const { audience, message, position } of approvalThreadMessages(this.#o.policy, notice, opens)) {
      const txn = this.#txn(a, `${notice.kind}-${position}`);
      if (audience === "author") {
        await this.#toAuthor(a, message, txn);
        continue;
      }
      const content = noticeContent(pick(message, this.#language));
      await this.#o.sender.send(
        preview?.room ?? this.#o.approvalRoom,
        preview ? inThread(content, preview.eventId) : content,
        txn,
      );
    }
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
    const progress = say(approvalLine(policy, a));
    const decidable = awaitsDecision(a);
    const hint = decidable
      ? say({
          de: "✅ freigeben · ❌ ablehnen (Grund als Antwort im Thread)",
          en: "✅ approve · ❌ reject (reason as a reply in the thread)",
        })
      : "";
    lines.push("", progress, ...(hint ? [hint] : []));
    html.push(escapeHtml(progress), ...(hint ? [`<i>${escapeHtml(hint)}</i>`] : []));
    return noticeContent(lines.join("\n"), html.join("<br>"));
  }

  async #postPreview(a: Announcement): Promise<PreviewRef> {
    const room = this.#o.approvalRoom;
    const eventId = await this.#o.sender.send(room, this.previewContent(a), `amtsbote-${a.id}-preview`);
    const ref = { room, eventId };
    await this.previews.put(a.id, ref);
    return ref;
  }

  /** An edit (`m.replace`) of the preview, so it always shows the current state. */
  async #editPreview(preview: PreviewRef, a: Announcement): Promise<void> {
    const current = this.previewContent(a);
    await this.#o.sender.send(
      preview.room,
      {
        ...current,
        body: `* ${String(current.body)}`,
        "m.new_content": current,
        "m.relates_to": { rel_type: "m.replace", event_id: preview.eventId },
      },
      this.#txn(a, "preview-edit"),
    );
  }

  /** The copy-ready hand-off in the preview's thread; `posted A-0042` confirms it. */
  async handoff(post: OutboundPost, message: Localized): Promise<void> {
    const preview = await this.previews.get(post.announcementId);
    const content = noticeContent(pick(message, this.#language));
    const txn = `amtsbote-${post.announcementId}-handoff-${post.version}-${post.fingerprint.slice(0, 12)}`;
    if (preview) await this.#o.sender.send(preview.room, inThread(content, preview.eventId), txn);
    else await this.#o.sender.send(this.#o.approvalRoom, content, txn);
  }
}
