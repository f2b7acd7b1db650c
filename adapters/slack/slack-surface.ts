import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { pick, type Localized } from "../../commands/messages.ts";
import type { Announcement } from "../../src/announcement/announcement.ts";
import { displayName, languageOf, type Language, type Policy } from "../../src/policy/policy.ts";
import type { ApprovalPost, ApprovalSurface, PostReaction, ReasonForm } from "../../src/ports/approval-surface.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { OutboundPost } from "../../src/ports/outlet.ts";
import type { MediaStore, Settings } from "../../src/ports/store.ts";
import { escapeSlack } from "../markup/slack.ts";
import { cardBlocks, handoffBlocks, reasonButtonBlocks } from "./blocks.ts";
import type { SlackPoster } from "./poster.ts";

export const SLACK_PLATFORM = "slack";

/** One page of the approval channel's history: as many messages as Slack hands out per call. */
const HISTORY_PAGE = 999;
/** How far back a lost card is looked for: 10 pages, about 10,000 messages. */
const RECOVER_PAGES = 10;

const HistorySchema = z.object({
  messages: z
    .array(
      z.object({
        ts: z.string(),
        user: z.string().optional(),
        blocks: z.array(z.object({ block_id: z.string().optional() }).loose()).optional(),
        reactions: z.array(z.object({ name: z.string(), users: z.array(z.string()).default([]) })).optional(),
      }),
    )
    .default([]),
  has_more: z.boolean().optional(),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});

export interface SlackSurfaceOptions {
  poster: SlackPoster;
  /** For the history read and file uploads. */
  client: WebClient;
  /** Pictures for the hand-off; settings for the card index of versions before 0.2. */
  store: MediaStore & Settings;
  policy: Policy;
  approvalChannel: string;
  log: Logger;
}

/** How versions before 0.2 noted a card (in the settings). */
const isLegacyCard = (v: unknown): v is { channel: string; ts: string } =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { channel?: unknown }).channel === "string" &&
  typeof (v as { ts?: unknown }).ts === "string";

/** Slack's `ts` as milliseconds. */
const tsToMs = (ts: string): number => Math.round(Number(ts) * 1000);

/**
 * The approval surface in Slack: one card per announcement in the approval channel, updated in place,
 * with each step logged in the thread under it; answers to one person as ephemeral messages; authors
 * told by direct message. It renders and carries; what to show and when is the approval desk's.
 */
export class SlackSurface implements ApprovalSurface {
  readonly platform = SLACK_PLATFORM;
  readonly #o: SlackSurfaceOptions;
  #botUserId = "";

  constructor(options: SlackSurfaceOptions) {
    this.#o = options;
  }

  /** Learnt from `auth.test` at start. */
  setBotUserId(id: string): void {
    this.#botUserId = id;
  }

  botUserId(): string {
    return this.#botUserId;
  }

  get approvalRoom(): string {
    return this.#o.approvalChannel;
  }

  get #language(): Language {
    return this.#o.policy.language;
  }

  languageOf(userId: string): Language {
    return languageOf(this.#o.policy, SLACK_PLATFORM, userId);
  }

  #text(message: Localized, language: Language = this.#language): string {
    return escapeSlack(pick(message, language));
  }

  async open(a: Announcement): Promise<ApprovalPost> {
    const { text, blocks } = cardBlocks(this.#o.policy, a, this.#language);
    const room = this.#o.approvalChannel;
    const ts = await this.#o.poster.post({ channel: room, text, blocks });
    return { room, id: ts, at: tsToMs(ts) };
  }

  /**
   * Slack posts have no idempotency key: the card is looked for by its block id among the channel's newest
   * messages (a card is lost only when the bot stopped right after posting it, so it is near the end).
   */
  async recover(a: Announcement): Promise<ApprovalPost> {
    const legacy = await this.#o.store.getSetting(`slack-card:${a.id}`);
    if (isLegacyCard(legacy)) return { room: legacy.channel, id: legacy.ts, at: tsToMs(legacy.ts) };
    const room = this.#o.approvalChannel;
    for await (const page of this.#history(room, { maxPages: RECOVER_PAGES })) {
      const card = page.find((m) => m.user === this.#botUserId && m.blocks?.some((b) => b.block_id === `card:${a.id}`));
      if (card) {
        this.#o.log.info({ id: a.id, ts: card.ts }, "approval card found again");
        return { room, id: card.ts, at: tsToMs(card.ts) };
      }
    }
    this.#o.log.info({ id: a.id }, "approval card never got out; posting it now");
    return this.open(a);
  }

  async update(post: ApprovalPost, a: Announcement): Promise<void> {
    const { text, blocks } = cardBlocks(this.#o.policy, a, this.#language);
    await this.#o.poster.update(post.room, post.id, text, blocks);
  }

  async log(post: ApprovalPost | undefined, line: Localized): Promise<void> {
    await this.#o.poster.post({
      channel: post?.room ?? this.#o.approvalChannel,
      text: this.#text(line),
      ...(post ? { threadTs: post.id } : {}),
    });
  }

  /** Ephemeral under the card; a form comes as a button, since a reaction carries no trigger for a modal. */
  async notify(post: ApprovalPost, userId: string, message: Localized, form?: ReasonForm): Promise<void> {
    const language = this.languageOf(userId);
    const text = this.#text(message, language);
    try {
      if (form) await this.#o.poster.ephemeralBlocks(post.room, userId, text, reasonButtonBlocks(text, form, language));
      else await this.#o.poster.ephemeral(post.room, userId, text);
    } catch {
      await this.#o.poster.post({ channel: userId, text });
    }
  }

  /** The bot's direct message to the person (Slack opens it on a post to their member id). */
  async tellPrivately(personId: string, message: Localized): Promise<void> {
    const person = this.#o.policy.people.get(personId);
    const slackId = person?.identities[SLACK_PLATFORM]?.[0];
    const text = this.#text(message, person?.language ?? this.#language);
    if (slackId) await this.#o.poster.post({ channel: slackId, text });
    else {
      const name = escapeSlack(displayName(this.#o.policy, personId));
      await this.#o.poster.post({ channel: this.#o.approvalChannel, text: `${name}: ${text}` });
    }
  }

  async toApprovers(message: Localized): Promise<void> {
    await this.#o.poster.post({ channel: this.#o.approvalChannel, text: this.#text(message) });
  }

  /** The copy-ready hand-off under the card, its media as files, and the "Posted on WhatsApp" button. */
  async handoff(post: ApprovalPost | undefined, outbound: OutboundPost, message: Localized): Promise<void> {
    const channel = post?.room ?? this.#o.approvalChannel;
    const text = pick(message, this.#language);
    const ts = await this.#o.poster.post({
      channel,
      text: escapeSlack(text),
      blocks: handoffBlocks(text, outbound.announcementId, outbound.version, this.#language, outbound.outlet),
      ...(post ? { threadTs: post.id } : {}),
    });
    for (const item of outbound.media) {
      const bytes = await this.#o.store.getMedia(item.sha256);
      if (!bytes) {
        this.#o.log.warn({ id: outbound.announcementId, file: item.name }, "hand-off file missing from the store");
        continue;
      }
      await this.#o.client.filesUploadV2({
        channel_id: channel,
        thread_ts: post?.id ?? ts,
        file: Buffer.from(bytes),
        filename: item.name,
        ...(item.altText ? { alt_text: item.altText } : {}),
      });
    }
  }

  /** `conversations.history` of each room, from the oldest card on, up to 999 messages a call. */
  async readReactions(posts: readonly ApprovalPost[]): Promise<Map<string, PostReaction[]>> {
    const out = new Map<string, PostReaction[]>();
    for (const [room, wanted] of Map.groupBy(posts, (p) => p.room)) {
      const ids = new Set(wanted.map((p) => p.id));
      const oldest = wanted.reduce((min, p) => (Number(p.id) < Number(min) ? p.id : min), wanted[0]?.id ?? "0");
      let calls = 0;
      for await (const page of this.#history(room, { oldest })) {
        calls += 1;
        for (const m of page) {
          if (!ids.has(m.ts)) continue;
          out.set(
            m.ts,
            (m.reactions ?? []).flatMap((r) => r.users.map((user) => ({ user, key: r.name }))),
          );
        }
      }
      this.#o.log.debug({ room, posts: wanted.length, calls }, "approval channel history read");
    }
    return out;
  }

  /** The room's top-level messages, newest first, a page per call: back to `oldest` (inclusive) or `maxPages`. */
  async *#history(
    room: string,
    { oldest, maxPages = Number.POSITIVE_INFINITY }: { oldest?: string; maxPages?: number },
  ): AsyncGenerator<z.infer<typeof HistorySchema>["messages"]> {
    let cursor: string | undefined;
    for (let pages = 0; pages < maxPages; pages += 1) {
      const page = HistorySchema.parse(
        await this.#o.client.conversations.history({
          channel: room,
          limit: HISTORY_PAGE,
          ...(oldest ? { oldest, inclusive: true } : {}),
          ...(cursor ? { cursor } : {}),
        }),
      );
      yield page.messages;
      cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
      if (!cursor) return;
    }
  }
}
