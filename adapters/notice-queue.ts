import type { Logger } from "../src/ports/logger.ts";
import type { ModeNotice, Notice } from "../src/ports/notices.ts";
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

  add(notice: Notice | ModeNotice, show: () => Promise<void>): void {
    const id = notice.kind === "mode_changed" ? undefined : notice.announcement.id;
    const shown = this.#order.run(id ?? "mode", show).catch((error: unknown) => {
      this.#log.error({ err: error, notice: notice.kind, id }, `could not show notice in ${this.#chat}`);
    });
    this.#pending.add(shown);
    void shown.then(() => this.#pending.delete(shown));
  }

  /** Resolves once every notice given so far is shown (or has failed). */
  async settled(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
  }
}
