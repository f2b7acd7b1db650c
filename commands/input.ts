import type { Announcement, AnnouncementId, MediaItem, Origin } from "../src/announcement/announcement.ts";
import type { ErrorCode } from "../src/errors.ts";
import type { Localized } from "./messages.ts";

/** Who acts, as the chat knows them; the policy maps it to a person. */
export interface Actor {
  platform: string;
  userId: string;
}

export type CommandInput =
  | {
      kind: "text";
      actor: Actor;
      origin: Origin;
      text: string;
      attachments?: MediaItem[];
      /** The announcement text taken literally (from a form), so `--` in it is never read as a flag. */
      body?: string;
      /** Where an approval came from, when not typed. */
      via?: "button";
    }
  | {
      kind: "reaction";
      actor: Actor;
      origin: Origin;
      target: { id: AnnouncementId; version?: number };
      reaction: string;
      removed?: boolean;
    };

export type CommandOutcome =
  | {
      kind: "reply";
      message: Localized;
      announcement?: Announcement;
      /** Only for the person who asked (ephemeral in Slack, a direct message elsewhere). */
      private?: true;
      /** Content of a QR code to show as a picture. */
      qr?: string;
    }
  | { kind: "error"; code: ErrorCode; message: Localized }
  | { kind: "ignored" };
