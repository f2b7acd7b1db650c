import type { WebClient } from "@slack/web-api";
import { pick, type Localized } from "../../commands/messages.ts";
import { renderModeNotice } from "../../commands/notices.ts";
import type { Announcement } from "../../src/announcement/announcement.ts";
import { resolvePerson, type Language, type Policy } from "../../src/policy/policy.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { ModeNotice, Notice, NoticeSink } from "../../src/ports/notices.ts";
import type { OutboundPost } from "../../src/ports/outlet.ts";
import type { Store } from "../../src/ports/store.ts";
import { ApprovalPostIndex, approvalThreadMessages, OPENS_APPROVAL_POST } from "../approval-post.ts";
import { escapeSlack } from "../markup/slack.ts";
import { NoticeQueue } from "../notice-queue.ts";
import type { StaffChat } from "../staff-chat.ts";
import { cardBlocks, handoffBlocks } from "./blocks.ts";
import { slackError, type SlackPoster } from "./poster.ts";

export interface CardRef {
  channel: string;
  ts: string;
}

export const SLACK_PLATFORM = "slack";

export interface SlackChatOptions {
  poster: SlackPoster;
  /** For file uploads of the hand-off. */
  client: WebClient;
  store: Store;
  policy: Policy;
  approvalChannel: string;
  log: Logger;
}

/** Notices that put a new card into the approval channel when the announcement has none yet. */

/**
 * The bot's own voice in Slack: one card per announcement in the approval channel, updated in place
 * on every change, with each step logged in the thread under it; messages to authors where they drafted.
 * Notices are shown in the background, in order per announcement, so Slack's pace never holds up a decision.
 */
export class SlackChat implements StaffChat, NoticeSink {
  readonly #o: SlackChatOptions;
  readonly cards: ApprovalPostIndex<CardRef>;
  readonly #queue: NoticeQueue;

  constructor(options: SlackChatOptions) {
    this.#o = options;
    this.#queue = new NoticeQueue("Slack", options.log);
    this.cards = new ApprovalPostIndex<CardRef>(options.store, "slack-card", (card) => `${card.channel}:${card.ts}`);
  }

  get #language(): Language {
    return this.#o.policy.language;
  }

  #text(message: Localized, language: Language = this.#language): string {
    return escapeSlack(pick(message, language));
  }

  async toApprovers(message: Localized): Promise<void> {
    await this.#o.poster.post({ channel: this.#o.approvalChannel, text: this.#text(message) });
  }

  /** Where the author drafted it (in its thread), else a direct message; a channel the bot is not in falls back too. */
  async toAuthor(a: Announcement, message: Localized): Promise<void> {
    const author = this.#o.policy.people.get(a.author);
    const slackId = author?.identities[SLACK_PLATFORM]?.[0];
    const text = this.#text(message, author?.language ?? this.#language);
    const addressed = slackId ? `<@${slackId}> ${text}` : text;
    if (a.origin.platform === SLACK_PLATFORM) {
      try {
        await this.#o.poster.post({
          channel: a.origin.room,
          text: addressed,
          ...(a.origin.thread ? { threadTs: a.origin.thread } : {}),
        });
        return;
      } catch (error) {
        if (!slackId || !["not_in_channel", "channel_not_found", "is_archived"].includes(slackError(error) ?? "")) {
          throw error;
        }
      }
    }
    if (slackId) await this.#o.poster.post({ channel: slackId, text });
    else await this.#o.poster.post({ channel: this.#o.approvalChannel, text });
  }

  emit(notice: Notice | ModeNotice): Promise<void> {
    this.#queue.add(notice, () =>
      notice.kind === "mode_changed" ? this.toApprovers(renderModeNotice(this.#o.policy, notice)) : this.#show(notice),
    );
    return Promise.resolve();
  }

  async settled(): Promise<void> {
    await this.#queue.settled();
    await this.#o.poster.drain();
  }

  async #show(notice: Notice): Promise<void> {
    const a = notice.announcement;
    let card = await this.cards.get(a.id);
    const opens = !card && OPENS_APPROVAL_POST.has(notice.kind);
    if (card) await this.#updateCard(card, a);
    else if (opens) card = await this.#postCard(a);
    for (const { audience, message } of approvalThreadMessages(this.#o.policy, notice, opens)) {
      if (audience === "author") {
        await this.toAuthor(a, message);
        continue;
      }
      await this.#o.poster.post({
        channel: card?.channel ?? this.#o.approvalChannel,
        text: this.#text(message),
        ...(card ? { threadTs: card.ts } : {}),
      });
    }
  }

  async #postCard(a: Announcement): Promise<CardRef> {
    const { text, blocks } = cardBlocks(this.#o.policy, a, this.#language);
    const channel = this.#o.approvalChannel;
    const ts = await this.#o.poster.post({ channel, text, blocks });
    const card = { channel, ts };
    await this.cards.put(a.id, card);
    return card;
  }

  async #updateCard(card: CardRef, a: Announcement): Promise<void> {
    const { text, blocks } = cardBlocks(this.#o.policy, a, this.#language);
    await this.#o.poster.update(card.channel, card.ts, text, blocks);
  }

  /** The copy-ready hand-off under the card, its media as files, and the "Posted on WhatsApp" button. */
  async handoff(post: OutboundPost, message: Localized): Promise<void> {
    const card = await this.cards.get(post.announcementId);
    const channel = card?.channel ?? this.#o.approvalChannel;
    const text = pick(message, this.#language);
    const ts = await this.#o.poster.post({
      channel,
      text: escapeSlack(text),
      blocks: handoffBlocks(text, post.announcementId, post.version, this.#language),
      ...(card ? { threadTs: card.ts } : {}),
    });
    for (const item of post.media) {
      const bytes = await this.#o.store.getMedia(item.sha256);
      if (!bytes) {
        this.#o.log.warn({ id: post.announcementId, file: item.name }, "hand-off file missing from the store");
        continue;
      }
      await this.#o.client.filesUploadV2({
        channel_id: channel,
        thread_ts: card?.ts ?? ts,
        file: Buffer.from(bytes),
        filename: item.name,
        ...(item.altText ? { alt_text: item.altText } : {}),
      });
    }
  }

  languageOf(userId: string): Language {
    return resolvePerson(this.#o.policy, SLACK_PLATFORM, userId)?.language ?? this.#language;
  }
}
