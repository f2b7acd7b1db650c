import type { Logger } from "../src/ports/logger.ts";
import type { BotNotice } from "../src/ports/notices.ts";
import { KeyedMutex } from "../src/util/keyed-mutex.ts";

/**
 * Shows notices in a chat in the background, in order per announcement, so the chat's pace never
 * holds up a decision; a notice that cannot be shown is logged, not thrown into the domain.
 */
export class NoticeQueue {
  readonly #order = new KeyedMutex();
  readonly #pending = new Set<Promise<void>>();
  readonly #log: Logger;
  readonly #chat: string;

  constructor(chat: string, log: Logger) {
    this.#chat = chat;
    this.#log = log;
  }

  add(notice: BotNotice, show: () => Promise<void>): void {
    const id = keyOf(notice);
    const shown = this.#order.run(id ?? "room", show).catch((error: unknown) => {
      this.#log.error({ err: error, notice: notice.kind, id }, `could not show notice in ${this.#chat}`);
    });
    this.#pending.add(shown);
    void shown.then(() => this.#pending.delete(shown));
  }

  /** In order with the notices before it, but awaited: a failure reaches the caller. */
  runNow(notice: BotNotice, show: () => Promise<void>): Promise<void> {
    return this.#order.run(keyOf(notice) ?? "room", show);
  }

  /** Resolves once every notice given so far is shown (or has failed). */
  async settled(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
  }
}

function keyOf(notice: BotNotice): string | undefined {
  if ("announcement" in notice) return notice.announcement.id;
  return notice.kind === "handoff" && notice.step !== "remove" ? notice.post.announcementId : undefined;
}
