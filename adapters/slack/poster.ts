import { WebAPIPlatformError, WebAPIRateLimitedError } from "@slack/web-api";
import type { KnownBlock } from "@slack/types";
import type { Logger } from "../../src/ports/logger.ts";
import type { Block } from "./blocks.ts";
import type { ChatApi } from "./chat-calls.ts";

export interface PosterOptions {
  /** A client that never retries by itself (ChatCalls, or a WebClient with `retries: 0`, `rejectRateLimitedCalls`). */
  client: ChatApi;
  /** Least time between two new messages in one channel; Slack allows about one per second. */
  gapMs: number;
  log: Logger;
  sleep?: (ms: number) => Promise<void>;
}

export interface Message {
  channel: string;
  text: string;
  blocks?: Block[];
  threadTs?: string;
}

const RATE_LIMIT_ROUNDS = 5;

/** Slack's `error` code of a refused call, if it was refused. */
export const slackError = (error: unknown): string | undefined =>
  error instanceof WebAPIPlatformError ? error.data.error : undefined;

/**
 * Everything the bot says in a channel goes through one queue per channel, in order, new messages
 * `gapMs` apart. A 429 is waited out and tried again (Slack refused it, so nothing was posted).
 * Any other failure of `chat.postMessage` is not repeated: it has no idempotency key, and a lost
 * answer may hide a message that did arrive (slack.md §9).
 */
export class SlackPoster {
  readonly #o: PosterOptions;
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #lastPost = new Map<string, number>();

  constructor(options: PosterOptions) {
    this.#o = options;
  }

  #sleep(ms: number): Promise<void> {
    return this.#o.sleep ? this.#o.sleep(ms) : new Promise((resolve) => setTimeout(resolve, ms));
  }

  #enqueue<T>(channel: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(channel) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.#queues.set(channel, tail);
    void tail.then(() => {
      if (this.#queues.get(channel) === tail) this.#queues.delete(channel);
    });
    return next;
  }

  async #withRateLimit<T>(call: () => Promise<T>): Promise<T> {
    for (let round = 1; ; round += 1) {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof WebAPIRateLimitedError) || round >= RATE_LIMIT_ROUNDS) throw error;
        this.#o.log.warn({ retryAfterS: error.retryAfter }, "Slack rate limit: waiting as asked");
        await this.#sleep(Math.max(1, error.retryAfter) * 1000);
      }
    }
  }

  /** Posts a new message; resolves with its `ts`. */
  post(message: Message): Promise<string> {
    return this.#enqueue(message.channel, async () => {
      const wait = (this.#lastPost.get(message.channel) ?? 0) + this.#o.gapMs - Date.now();
      if (wait > 0) await this.#sleep(wait);
      try {
        const result = await this.#withRateLimit(() =>
          this.#o.client.chat.postMessage({
            channel: message.channel,
            text: message.text,
            ...(message.blocks ? { blocks: message.blocks as unknown as KnownBlock[] } : {}),
            ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
            unfurl_links: false,
            unfurl_media: false,
          }),
        );
        if (!result.ts) throw new Error("chat.postMessage answered without ts");
        return result.ts;
      } finally {
        this.#lastPost.set(message.channel, Date.now());
      }
    });
  }

  /** Replaces a message in place; repeating it is harmless, so it shares the channel's order but not its gap. */
  update(channel: string, ts: string, text: string, blocks: Block[]): Promise<void> {
    return this.#enqueue(channel, async () => {
      await this.#withRateLimit(() =>
        this.#o.client.chat.update({ channel, ts, text, blocks: blocks as unknown as KnownBlock[] }),
      );
    });
  }

  /** A message only `user` sees; not queued, Slack's limit for it is generous. */
  async ephemeralBlocks(channel: string, user: string, text: string, blocks: unknown[]): Promise<void> {
    await this.#withRateLimit(() =>
      this.#o.client.chat.postEphemeral({ channel, user, text, blocks: blocks as KnownBlock[] }),
    );
  }

  async ephemeral(channel: string, user: string, text: string, threadTs?: string): Promise<void> {
    await this.#withRateLimit(() =>
      this.#o.client.chat.postEphemeral({ channel, user, text, ...(threadTs ? { thread_ts: threadTs } : {}) }),
    );
  }

  /** Resolves once everything queued so far has been sent or has failed. */
  async drain(): Promise<void> {
    await Promise.all([...this.#queues.values()]);
  }
}
