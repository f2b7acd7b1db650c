import { cardNewsText, serviceChangedText, warningCardText } from "../../commands/warnings.ts";
import type { Localized } from "../../commands/messages.ts";
import type { Policy } from "../../src/policy/policy.ts";
import type { CardNews, WarningBoard, WarningCardRef } from "../../src/ports/warning-board.ts";
import type { WarningRecord } from "../../src/warnings/warning.ts";

/**
 * Relay cards for chats that show them as messages (the console): the card with the commands that act
 * on it, and each change as a new message. `prefix` is what a command starts with there.
 */
export function textWarningBoard(
  room: { toApprovers(message: Localized): Promise<void> },
  policy: Policy,
  prefix: string,
): WarningBoard {
  return {
    async show(record: WarningRecord): Promise<WarningCardRef | undefined> {
      await room.toApprovers(warningCardText(policy, record, prefix));
      return undefined;
    },
    async refresh(_ref: WarningCardRef | undefined, record: WarningRecord, news: CardNews): Promise<void> {
      await room.toApprovers(
        news === "updated" ? warningCardText(policy, record, prefix) : cardNewsText(policy, record, news, prefix),
      );
    },
    serviceChanged: (state) => room.toApprovers(serviceChangedText(state)),
  };
}
