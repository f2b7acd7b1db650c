import { fail } from "../src/errors.ts";
import type { NoticeSink } from "../src/ports/notices.ts";
import type { WarningBoard } from "../src/ports/warning-board.ts";
import { isStoreUnavailable } from "../src/ports/store-unavailable.ts";
import type { CommandInput, CommandOutcome } from "../commands/input.ts";
import type { MediaIntake } from "./media/intake.ts";

export type Handle = (input: CommandInput) => Promise<CommandOutcome>;

/** One chat as the composition root runs it: console, Slack or Matrix. */
export interface ChatRuntime {
  /** What shows the core's notices in this chat; subscribed to the notice bus. */
  notices: NoticeSink;
  /** Where relay cards of official warnings go (the approval room). */
  warnings: WarningBoard;
  /** Connected to the chat and taking commands. */
  connected(): boolean;
  /** Starts taking commands; for the console, resolves when its input ends. */
  run(): Promise<void>;
  endsWithInput: boolean;
  /** Stops taking commands and waits until every notice given so far is shown. */
  stop(): Promise<void>;
  /** The store answers again after an outage: handles the chat events that waited for it. */
  storeBack?(): Promise<void>;
}

/** `intake` whose store outage is the person's answer (STORE_UNAVAILABLE), as for any command, not a failure. */
export function intakeAnsweringOutage(intake: MediaIntake): MediaIntake {
  return async (raw) => {
    try {
      return await intake(raw);
    } catch (error) {
      if (isStoreUnavailable(error)) return fail("STORE_UNAVAILABLE");
      throw error;
    }
  };
}
