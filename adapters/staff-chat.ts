import type { Announcement } from "../src/announcement/announcement.ts";
import type { OutboundPost } from "../src/ports/outlet.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { ModeNotice, Notice, NoticeSink } from "../src/ports/notices.ts";
import type { Policy } from "../src/policy/policy.ts";
import type { Localized } from "../commands/messages.ts";
import { renderModeNotice, renderNotice } from "../commands/notices.ts";

/** What every chat adapter offers for messages the bot starts by itself. */
export interface StaffChat {
  /** Posts to the approval room. */
  toApprovers(message: Localized): Promise<void>;
  /** Posts where the announcement was drafted, addressed to its author. */
  toAuthor(announcement: Announcement, message: Localized): Promise<void>;
  /** Shows a copy-ready hand-off with a way to confirm it; without it, the text goes to `toApprovers`. */
  handoff?(post: OutboundPost, message: Localized): Promise<void>;
}

/** Routes domain notices into a chat. */
export function chatNoticeSink(chat: StaffChat, policy: Policy, log: Logger): NoticeSink {
  return {
    async emit(notice: Notice | ModeNotice): Promise<void> {
      if (notice.kind === "mode_changed") {
        await chat.toApprovers(renderModeNotice(policy, notice));
        return;
      }
      for (const { audience, message } of renderNotice(policy, notice)) {
        if (audience === "approvers") await chat.toApprovers(message);
        else await chat.toAuthor(notice.announcement, message);
      }
      log.debug({ notice: notice.kind, id: notice.announcement.id }, "notice sent");
    },
  };
}
