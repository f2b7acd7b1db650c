import type { WarningRecord } from "../warnings/warning.ts";

/** Where a relay card is: its room and its id there (Slack `ts`); Matrix keeps it in its chat state instead. */
export interface WarningCardRef {
  room: string;
  id: string;
}

/** What changed on a card, for chats that say it in a line besides showing the card. */
export type CardNews = "updated" | "update_offered" | "allclear_offered" | "decided" | "ended";

/**
 * The relay cards of official warnings in the approval room. The chat renders a record its own way:
 * Slack as a card with buttons, updated in place; Matrix as a message naming the commands, edited in place; the
 * console as messages naming the commands.
 */
export interface WarningBoard {
  /** Posts a new card; returns where it is, or undefined where the chat keeps that itself or posts are not updated. */
  show(record: WarningRecord): Promise<WarningCardRef | undefined>;
  /** Shows the record's new state: in place where the chat can, otherwise as a new line. */
  refresh(ref: WarningCardRef | undefined, record: WarningRecord, news: CardNews): Promise<void>;
  /** The warning service became unreachable (`down`), or answers again. */
  serviceChanged(state: "down" | "back"): Promise<void>;
}
