import type { Announcement } from "../src/announcement/announcement.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { BotNotice, NoticeSink } from "../src/ports/notices.ts";
import type { Policy } from "../src/policy/policy.ts";
import type { Localized } from "../commands/messages.ts";
import { renderModeNotice, renderNotice } from "../commands/notices.ts";

/** A chat without approval posts (the console): messages to the room and to authors. */
export interface StaffChat {
  /** Posts to the approval room. */
  toApprovers(message: Localized): Promise<void>;
  /** Posts where the announcement was drafted, addressed to its author. */
  toAuthor(announcement: Announcement, message: Localized): Promise<void>;
}

/** Routes the core's notices into such a chat as plain messages. */
export function chatNoticeSink(chat: StaffChat, policy: Policy, log: Logger): NoticeSink {
  return {
    async emit(notice: BotNotice): Promise<void> {
      switch (notice.kind) {
        case "mode_changed":
          return chat.toApprovers(renderModeNotice(policy, notice));
        case "handoff":
        case "outlet_changed":
          return chat.toApprovers(notice.message);
      }
      for (const { audience, message } of renderNotice(policy, notice)) {
        if (audience === "approvers") await chat.toApprovers(message);
        else await chat.toAuthor(notice.announcement, message);
      }
      log.debug({ notice: notice.kind, id: notice.announcement.id }, "notice sent");
    },
  };
}
