import type { NoticeSink } from "../src/ports/notices.ts";
import type { CommandInput, CommandOutcome } from "../commands/input.ts";

export type Handle = (input: CommandInput) => Promise<CommandOutcome>;

/** One chat as the composition root runs it: console, Slack or Matrix. */
export interface ChatRuntime {
  /** What shows the core's notices in this chat; subscribed to the notice bus. */
  notices: NoticeSink;
  /** Connected to the chat and taking commands. */
  connected(): boolean;
  /** Starts taking commands; for the console, resolves when its input ends. */
  run(): Promise<void>;
  endsWithInput: boolean;
  /** Stops taking commands and waits until every notice given so far is shown. */
  stop(): Promise<void>;
}
