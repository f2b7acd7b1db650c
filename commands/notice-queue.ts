import type { Logger } from "../src/ports/logger.ts";
import type { BotNotice } from "../src/ports/notices.ts";
import { isStoreUnavailable, type StoreUnavailableError } from "../src/ports/store-unavailable.ts";
import { KeyedMutex } from "../src/util/keyed-mutex.ts";

/**
 * Shows notices in a chat in the background, in order per announcement, so the chat's pace never
 * holds up a decision; a notice that cannot be shown is logged, not thrown into the domain. One that
 * meets the store unreachable waits, with every later notice of its announcement, for `resume`.
 */
export class NoticeQueue {
  readonly #order = new KeyedMutex();
  readonly #pending = new Set<Promise<void>>();
  /** Per announcement, the notices waiting for the store, oldest first. */
  readonly #waiting = new Map<string, { notice: BotNotice; show: () => Promise<void> }[]>();
  readonly #log: Logger;
  readonly #chat: string;
  readonly #storeAway: ((error: StoreUnavailableError) => void) | undefined;

  /** `storeAway` is told when a notice starts waiting for the store. */
  constructor(chat: string, log: Logger, storeAway?: (error: StoreUnavailableError) => void) {
    this.#chat = chat;
    this.#log = log;
    this.#storeAway = storeAway;
  }

  add(notice: BotNotice, show: () => Promise<void>): void {
    const id = keyOf(notice);
    const key = id ?? "room";
    const shown = this.#order
      .run(key, async () => {
        const waiting = this.#waiting.get(key);
        if (waiting) {
          waiting.push({ notice, show });
          return;
        }
        try {
          await show();
        } catch (error) {
          if (!isStoreUnavailable(error)) throw error;
          this.#log.warn({ notice: notice.kind, id }, `store unreachable: notice in ${this.#chat} waits for it`);
          this.#waiting.set(key, [{ notice, show }]);
          this.#storeAway?.(error);
        }
      })
      .catch((error: unknown) => {
        this.#log.error({ err: error, notice: notice.kind, id }, `could not show notice in ${this.#chat}`);
      });
    this.#pending.add(shown);
    void shown.then(() => this.#pending.delete(shown));
  }

  /** In order with the notices before it, but awaited: a failure reaches the caller. */
  runNow(notice: BotNotice, show: () => Promise<void>): Promise<void> {
    return this.#order.run(keyOf(notice) ?? "room", show);
  }

  /** The store is back: shows the notices that waited for it, in order; stops where it is away again. */
  async resume(): Promise<void> {
    for (const [key, waiting] of this.#waiting) {
      await this.#order.run(key, async () => {
        for (let next = waiting[0]; next; next = waiting[0]) {
          try {
            await next.show();
          } catch (error) {
            if (isStoreUnavailable(error)) return this.#storeAway?.(error);
            this.#log.error({ err: error, notice: next.notice.kind }, `could not show notice in ${this.#chat}`);
          }
          waiting.shift();
        }
        this.#waiting.delete(key);
      });
    }
  }

  /** Resolves once every notice given so far is shown (or has failed, or waits for the store). */
  async settled(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
  }
}

function keyOf(notice: BotNotice): string | undefined {
  if ("announcement" in notice) return notice.announcement.id;
  return notice.kind === "handoff" && notice.step !== "remove" ? notice.post.announcementId : undefined;
}
