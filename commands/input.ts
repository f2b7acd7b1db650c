import type { Announcement, AnnouncementId, MediaItem, Origin } from "../src/announcement/announcement.ts";
import type { ErrorCode } from "../src/errors.ts";
import type { Localized } from "./messages.ts";

/** Who acts, as the chat knows them; the policy maps it to a person. */
export interface Actor {
  platform: string;
  userId: string;
}

/** A button or form of an approval post, already structured: nothing to parse again. */
export type ApprovalAction =
  | { command: "approve"; id: AnnouncementId; version?: number }
  | { command: "reject"; id: AnnouncementId; version?: number; reason?: string }
  | { command: "withdraw"; id: AnnouncementId; reason?: string }
  | { command: "edit"; id: AnnouncementId; text?: string }
  /** `outlet`: which outlet a person posted to, where several wait. */
  | { command: "posted"; id: AnnouncementId; outlet?: string };

export type CommandInput =
  | {
      kind: "text";
      actor: Actor;
      origin: Origin;
      text: string;
      attachments?: MediaItem[];
      /** The announcement text taken literally (from a form), so `--` in it is never read as a flag. */
      body?: string;
    }
  | {
      kind: "reaction";
      actor: Actor;
      origin: Origin;
      target: { id: AnnouncementId; version?: number };
      reaction: string;
      removed?: boolean;
    }
  | { kind: "action"; actor: Actor; origin: Origin; action: ApprovalAction };

/** What a command changed, for a chat to act on without reading the words. */
export type Effect =
  /** `typed`: its text is the command's text, so an edit of the command (where a chat has them) edits the draft. */
  | { kind: "drafted"; id: AnnouncementId; typed?: boolean }
  | { kind: "approved"; id: AnnouncementId; remaining: number }
  | { kind: "revoked"; id: AnnouncementId }
  | { kind: "rejected"; id: AnnouncementId }
  | { kind: "withdrawn"; id: AnnouncementId }
  | { kind: "edited"; id: AnnouncementId; version: number };

export type CommandOutcome =
  | {
      kind: "reply";
      message: Localized;
      announcement?: Announcement;
      effect?: Effect;
      /** Only for the person who asked (ephemeral in Slack, a direct message elsewhere). */
      private?: true;
      /** Content of a QR code to show as a picture. */
      qr?: string;
    }
  /** Refused, with the reason's code. */
  | { kind: "error"; code: ErrorCode; message: Localized }
  /** Allowed, but the reason is missing: the chat asks for it (a form, or a reply in the thread). */
  | { kind: "needs_reason"; action: "reject" | "withdraw"; id: AnnouncementId; version: number; message: Localized }
  /** Allowed to edit: the chat offers the current text to change. */
  | { kind: "needs_text"; id: AnnouncementId; version: number; text: string; message: Localized }
  /** Nothing to do or say, e.g. a reaction that means nothing, or one counted before. */
  | { kind: "ignored" };
