import { pick, type Localized } from "../../commands/messages.ts";
import { awaitsDecision, cardNewsText, serviceChangedText, stateText, warningFacts } from "../../commands/warnings.ts";
import type { Policy } from "../../src/policy/policy.ts";
import type { CardNews, WarningBoard, WarningCardRef } from "../../src/ports/warning-board.ts";
import type { WarningRecord } from "../../src/warnings/warning.ts";
import { escapeSlack } from "../markup/slack.ts";
import type { Block } from "./blocks.ts";
import type { SlackPoster } from "./poster.ts";

export const WARNING_ACTIONS = {
  relay: "amtsbote_warning_relay",
  dismiss: "amtsbote_warning_dismiss",
} as const;

/** Slack's limit for one section's text. */
const SECTION_CHARS = 3000;

const plain = (text: string) => ({ type: "plain_text", text: text.slice(0, 75), emoji: true });

/** The relay card: the warning's facts, where it stands, and the two buttons while a person must decide. */
export function warningCardBlocks(policy: Policy, r: WarningRecord): { text: string; blocks: Block[] } {
  const say = (l: Localized) => pick(l, policy.language);
  const facts = escapeSlack(say(warningFacts(policy, r)));
  const blocks: Block[] = [
    { type: "section", block_id: `warning:${r.handle}`, text: { type: "mrkdwn", text: facts.slice(0, SECTION_CHARS) } },
    { type: "context", elements: [{ type: "mrkdwn", text: escapeSlack(say(stateText(policy, r))) }] },
  ];
  if (awaitsDecision(r)) {
    const relayLabel =
      r.offer?.kind === "cancel"
        ? say({ de: "✅ Entwarnung weitergeben", en: "✅ Relay the all-clear" })
        : r.offer?.kind === "update"
          ? say({ de: "🔄 Update weitergeben", en: "🔄 Relay the update" })
          : say({ de: "📣 Weitergeben", en: "📣 Relay" });
    blocks.push({
      type: "actions",
      block_id: `warning-actions:${r.handle}`,
      elements: [
        {
          type: "button",
          text: plain(relayLabel),
          action_id: WARNING_ACTIONS.relay,
          value: r.handle,
          style: "primary",
        },
        {
          type: "button",
          text: plain(say({ de: "Ignorieren", en: "Dismiss" })),
          action_id: WARNING_ACTIONS.dismiss,
          value: r.handle,
        },
      ],
    });
  }
  const headline = r.details?.headline || r.item.headline;
  return {
    text: say({ de: `Amtliche Warnung ${r.handle}: ${headline}`, en: `Official warning ${r.handle}: ${headline}` }),
    blocks,
  };
}

export const parseWarningValue = (value: string | undefined): string | undefined => /^W-\d{4,}$/.exec(value ?? "")?.[0];

/** Relay cards in the approval channel, updated in place; news about a card goes into its thread. */
export class SlackWarningBoard implements WarningBoard {
  readonly #poster: SlackPoster;
  readonly #policy: Policy;
  readonly #channel: string;

  constructor(o: { poster: SlackPoster; policy: Policy; approvalChannel: string }) {
    this.#poster = o.poster;
    this.#policy = o.policy;
    this.#channel = o.approvalChannel;
  }

  async show(record: WarningRecord): Promise<WarningCardRef> {
    const { text, blocks } = warningCardBlocks(this.#policy, record);
    const ts = await this.#poster.post({ channel: this.#channel, text: escapeSlack(text), blocks });
    return { room: this.#channel, id: ts };
  }

  async refresh(ref: WarningCardRef | undefined, record: WarningRecord, news: CardNews): Promise<void> {
    if (!ref) {
      await this.show(record);
      return;
    }
    const { text, blocks } = warningCardBlocks(this.#policy, record);
    await this.#poster.update(ref.room, ref.id, escapeSlack(text), blocks);
    if (news !== "decided") {
      const line = pick(cardNewsText(this.#policy, record, news, "/announce "), this.#policy.language);
      await this.#poster.post({ channel: ref.room, text: escapeSlack(line), threadTs: ref.id });
    }
  }

  async serviceChanged(state: "down" | "back"): Promise<void> {
    await this.#poster.post({
      channel: this.#channel,
      text: escapeSlack(pick(serviceChangedText(state), this.#policy.language)),
    });
  }
}
