import type { BotNotice, NoticeSink } from "../ports/notices.ts";

/**
 * Where the core's notices go: every surface that shows them (a chat, the metrics) subscribes.
 * Each subscriber sees every notice, in the order given; a subscriber that fails does not keep the others
 * from it, and the first failure reaches the emitter (a hand-off that could not be shown is retried).
 */
export class NoticeBus implements NoticeSink {
  readonly #subscribers: NoticeSink[] = [];

  subscribe(sink: NoticeSink): () => void {
    this.#subscribers.push(sink);
    return () => {
      const at = this.#subscribers.indexOf(sink);
      if (at >= 0) this.#subscribers.splice(at, 1);
    };
  }

  async emit(notice: BotNotice): Promise<void> {
    const failures: unknown[] = [];
    for (const sink of [...this.#subscribers]) {
      try {
        await sink.emit(notice);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}
