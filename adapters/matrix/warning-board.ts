import { createHash } from "node:crypto";
import { ApprovalState } from "../../commands/approval-state.ts";
import { pick, type Localized } from "../../commands/messages.ts";
import { cardNewsText, serviceChangedText, warningCardText } from "../../commands/warnings.ts";
import type { Policy } from "../../src/policy/policy.ts";
import type { CardNews, WarningBoard } from "../../src/ports/warning-board.ts";
import type { ChatStateStore } from "../../src/ports/store.ts";
import type { WarningRecord } from "../../src/warnings/warning.ts";
import { inThread, MATRIX_PLATFORM, noticeContent, replacing, type MatrixSender } from "./matrix-surface.ts";

const DAY_MS = 24 * 3_600_000;
/** Written again on every change of the card, so it lasts as long as the warning keeps changing. */
const CARD_TTL_MS = 60 * DAY_MS;
const CARD = "warning-card";

const digest = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 16);

export interface MatrixWarningBoardOptions {
  sender: MatrixSender;
  /** Where the card's event id is kept (the warning record stays free of chat ids). */
  state: ChatStateStore;
  policy: Policy;
  approvalRoom: string;
  /** What a command starts with: `!announce `. */
  prefix: string;
  /** For notices not tied to a card. */
  toApprovers(message: Localized): Promise<void>;
}

/**
 * Relay cards in the Matrix approval room: one message per warning naming the commands that act on it, edited in
 * place (`m.replace`) as its state changes, with each change logged as a reply in its thread. Every event has a
 * transaction id derived from the warning and its state, so a retry never posts twice (matrix.md §5).
 */
export class MatrixWarningBoard implements WarningBoard {
  readonly #o: MatrixWarningBoardOptions;
  readonly #state: ApprovalState;

  constructor(options: MatrixWarningBoardOptions) {
    this.#o = options;
    this.#state = new ApprovalState(options.state, MATRIX_PLATFORM);
  }

  /** Returns no reference: where the card is stays in the chat state, not in the warning's record. */
  async show(record: WarningRecord): Promise<undefined> {
    await this.#post(record);
    return undefined;
  }

  async refresh(_ref: unknown, record: WarningRecord, news: CardNews): Promise<void> {
    const known = await this.#state.value(CARD, record.handle);
    const step = digest(`${JSON.stringify(record)}\n${news}`);
    let card: string;
    if (typeof known === "string") {
      card = known;
    } else {
      // Never shown (below the threshold until now), or its note expired: the card's own transaction id makes
      // the homeserver answer with the card it still has, if it has one; either way it is edited below.
      card = await this.#post(record);
      if (!record.shown) return;
    }
    const room = this.#o.approvalRoom;
    await this.#o.sender.send(room, replacing(card, this.#content(record)), `amtsbote-${record.handle}-card-${step}`);
    await this.#state.putValue(CARD, record.handle, card, CARD_TTL_MS);
    const line = pick(cardNewsText(this.#o.policy, record, news, this.#o.prefix), this.#o.policy.language);
    await this.#o.sender.send(room, inThread(noticeContent(line), card), `amtsbote-${record.handle}-news-${step}`);
  }

  serviceChanged(state: "down" | "back"): Promise<void> {
    return this.#o.toApprovers(serviceChangedText(state));
  }

  /** Sends the card; the same warning always has the same transaction id, so a second send is the first event. */
  async #post(record: WarningRecord): Promise<string> {
    const txn = `amtsbote-${record.handle}-card-${digest(record.item.id)}`;
    const card = await this.#o.sender.send(this.#o.approvalRoom, this.#content(record), txn);
    await this.#state.putValue(CARD, record.handle, card, CARD_TTL_MS);
    return card;
  }

  #content(record: WarningRecord): Record<string, unknown> {
    return noticeContent(pick(warningCardText(this.#o.policy, record, this.#o.prefix), this.#o.policy.language));
  }
}
