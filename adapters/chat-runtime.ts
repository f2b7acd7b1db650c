import type { AnnouncementService } from "../src/announcement/service.ts";
import type { NoticeSink } from "../src/ports/notices.ts";
import type { CommandInput, CommandOutcome } from "../commands/input.ts";
import type { StaffChat } from "./staff-chat.ts";

export type Handle = (input: CommandInput) => Promise<CommandOutcome>;

/** One chat as the composition root runs it: console, Slack or Matrix. */
export interface ChatRuntime {
  staff: StaffChat;
  /** Connected to the chat and taking commands. */
  connected(): boolean;
  /** The chat's own notice routing, when it has one (Slack's cards); otherwise text via `staff`. */
  notices?: NoticeSink;
  /** Starts taking commands; for the console, resolves when its input ends. */
  run(service: AnnouncementService): Promise<void>;
  endsWithInput: boolean;
  stop(): Promise<void>;
}
