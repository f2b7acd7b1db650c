import type { DeliveryAttempt } from "../../src/announcement/announcement.ts";
import type {
  OutboundPost,
  Outlet,
  OutletHealth,
  PublishOutcome,
  ReadBackOutcome,
  RemoteRef,
} from "../../src/ports/outlet.ts";
import type { Policy } from "../../src/policy/policy.ts";
import type { NoticeSink } from "../../src/ports/notices.ts";
import { channelCapabilities } from "./capabilities.ts";
import { handoffEditText, handoffRemoveText, handoffText } from "../../commands/notices.ts";

export const MANUAL_HANDOFF_ID = "whatsapp-manual";

/**
 * Manual hand-off: the bot puts the copy-ready post into the approval room, a person posts it
 * from the WhatsApp app and confirms with `posted A-0042`. Always available, no account needed.
 */
export class ManualHandoffOutlet implements Outlet {
  readonly id = MANUAL_HANDOFF_ID;
  readonly capabilities = channelCapabilities(true);
  readonly handoff = true;
  /** Nothing reaches citizens without a person, so showing the hand-off again is safe. */
  readonly readBackGraceMs = 0;
  readonly #notices: NoticeSink;
  readonly #policy: Policy;

  /** Hand-offs are announced on `notices`; the chats show them. */
  constructor(notices: NoticeSink, policy: Policy) {
    this.#notices = notices;
    this.#policy = policy;
  }

  async publish(post: OutboundPost, _attempt: DeliveryAttempt): Promise<PublishOutcome> {
    await this.#notices.emit({ kind: "handoff", step: "publish", post, message: handoffText(this.#policy, post) });
    return { state: "awaiting_confirmation" };
  }

  async edit(ref: RemoteRef, post: OutboundPost): Promise<PublishOutcome> {
    await this.#notices.emit({
      kind: "handoff",
      step: "edit",
      post,
      message: handoffEditText(this.#policy, ref, post),
    });
    return { state: "awaiting_confirmation" };
  }

  async remove(ref: RemoteRef): Promise<PublishOutcome> {
    await this.#notices.emit({ kind: "handoff", step: "remove", message: handoffRemoveText(ref) });
    return { state: "awaiting_confirmation" };
  }

  /** Whether the hand-off message itself was shown cannot be read back; the confirmation is what counts. */
  async readBack(_post: OutboundPost, _attempt: DeliveryAttempt): Promise<ReadBackOutcome> {
    return { state: "not_found" };
  }

  async health(): Promise<OutletHealth> {
    return { state: "ok" };
  }
}
