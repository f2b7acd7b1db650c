import { currentVersion, type Announcement } from "../src/announcement/announcement.ts";
import type { Result } from "../src/errors.ts";
import type { Person } from "../src/policy/policy.ts";
import { shownVersion } from "./render.ts";
import {
  approvedReply,
  editedReply,
  failed,
  postedReply,
  rejectedReply,
  reviewedText,
  withdrawnReply,
} from "./handlers.ts";
import type { ApprovalAction, CommandInput, CommandOutcome } from "./input.ts";
import { L } from "./messages.ts";
import type { CommandDeps } from "./registry.ts";

type ReactionMeaning = "approve" | "reject";

/** The reaction without skin tone, U+FE0F or Slack's colons. */
const reactionKey = (reaction: string): string =>
  reaction
    .replace(/\uFE0F/g, "")
    .replace(/\p{Emoji_Modifier}/gu, "")
    .replace(/::skin-tone-\d$/, "")
    .replace(/^:|:$/g, "")
    .trim()
    .toLowerCase();

/** ✅ and ❌, as emoji or as Slack short names; skin tones and U+FE0F ignored. */
export function reactionMeaning(reaction: string): ReactionMeaning | undefined {
  const key = reactionKey(reaction);
  if (["✅", "✔", "☑", "white_check_mark", "heavy_check_mark", "ballot_box_with_check"].includes(key)) return "approve";
  if (["❌", "✖", "x", "heavy_multiplication_x"].includes(key)) return "reject";
  return undefined;
}

/** 👍 and 👌 look like approval but are not: an approver who uses them is told which reaction counts. */
export const looksLikeApproval = (reaction: string): boolean =>
  ["👍", "👌", "+1", "thumbsup", "ok_hand"].includes(reactionKey(reaction));

async function approvalHint(
  input: Extract<CommandInput, { kind: "reaction" }>,
  person: Person,
  deps: CommandDeps,
): Promise<CommandOutcome> {
  const { id, version } = input.target;
  const may = await deps.service.mayDecide(person.id, id, version === undefined ? {} : { version });
  if (!may.ok || may.value.state !== "pending") return { kind: "ignored" };
  return {
    kind: "reply",
    message: L(
      `${input.reaction} zählt nicht als Freigabe. Zum Freigeben von ${id} bitte mit ✅ reagieren oder \`approve ${id}\` schreiben.`,
      `${input.reaction} does not count as an approval. To approve ${id}, react with ✅ or write \`approve ${id}\`.`,
    ),
  };
}

const done = (result: Result<Announcement>, outcome: (a: Announcement) => CommandOutcome): CommandOutcome =>
  result.ok ? outcome(result.value) : failed(result.error);

const askReason = (action: "reject" | "withdraw", a: Announcement): CommandOutcome => ({
  kind: "needs_reason",
  action,
  id: a.id,
  version: shownVersion(a),
  message:
    action === "reject"
      ? L(
          `❌ Bitte den Grund nennen: Warum wird ${a.id} abgelehnt?`,
          `❌ Please give the reason: why is ${a.id} rejected?`,
        )
      : L(
          `↩️ Bitte den Grund nennen: Warum wird ${a.id} zurückgezogen?`,
          `↩️ Please give the reason: why is ${a.id} withdrawn?`,
        ),
});

/** ✅ / ❌ on an approval post; ✅ again or a ✅ taken back that counted nothing changes nothing. */
export async function onReaction(
  input: Extract<CommandInput, { kind: "reaction" }>,
  person: Person,
  deps: CommandDeps,
): Promise<CommandOutcome> {
  const meaning = reactionMeaning(input.reaction);
  if (!meaning) {
    return !input.removed && looksLikeApproval(input.reaction)
      ? approvalHint(input, person, deps)
      : { kind: "ignored" };
  }
  const { id, version } = input.target;
  const ref = version === undefined ? {} : { version };
  const a = await deps.service.get(id);
  if (!a) return failed({ code: "NOT_FOUND", params: { id } });
  if (!input.removed && a.review?.state === "open") {
    if (meaning === "approve") {
      return done(await deps.service.review(person.id, id, "ok", ""), (r) => ({
        kind: "reply",
        message: reviewedText(id, "ok"),
        announcement: r,
      }));
    }
    return {
      kind: "reply",
      message: L(
        `Zum Beanstanden bitte eine Notiz: \`review ${id} flag <Notiz>\``,
        `To flag it, please add a note: \`review ${id} flag <note>\``,
      ),
    };
  }
  if (meaning === "reject") {
    if (input.removed) return { kind: "ignored" };
    const may = await deps.service.mayDecide(person.id, id, ref);
    return may.ok ? askReason("reject", may.value) : failed(may.error);
  }
  if (input.removed) {
    const result = await deps.service.revokeApproval(person.id, id, ref);
    if (!result.ok && result.error.code === "NO_APPROVAL_TO_REVOKE") return { kind: "ignored" };
    return done(result, (r) => ({
      kind: "reply",
      message: L(`Ihre Freigabe für ${id} ist zurückgenommen.`, `Your approval of ${id} is revoked.`),
      announcement: r,
      effect: { kind: "revoked", id },
    }));
  }
  const result = await deps.service.approve(person.id, id, { ...ref, via: "reaction" });
  if (!result.ok && result.error.code === "ALREADY_APPROVED_BY_YOU") return { kind: "ignored" };
  return done(result, (a) => approvedReply(deps.policy, a));
}

/** A button or form of an approval post: the same checks and effects as the typed commands. */
export async function onAction(action: ApprovalAction, person: Person, deps: CommandDeps): Promise<CommandOutcome> {
  const { service } = deps;
  const id = action.id;
  switch (action.command) {
    case "approve": {
      const ref = action.version === undefined ? {} : { version: action.version };
      return done(await service.approve(person.id, id, { ...ref, via: "button" }), (a) =>
        approvedReply(deps.policy, a),
      );
    }
    case "reject": {
      const ref = action.version === undefined ? {} : { version: action.version };
      const reason = action.reason?.trim() ?? "";
      if (!reason) {
        const may = await service.mayDecide(person.id, id, ref);
        return may.ok ? askReason("reject", may.value) : failed(may.error);
      }
      return done(await service.reject(person.id, id, reason, ref), rejectedReply);
    }
    case "withdraw": {
      const reason = action.reason?.trim() ?? "";
      if (!reason) {
        const may = await service.mayChange(person.id, id, "withdraw");
        return may.ok ? askReason("withdraw", may.value) : failed(may.error);
      }
      return done(await service.withdraw(person.id, id, reason), withdrawnReply);
    }
    case "edit": {
      if (action.text === undefined) {
        const may = await service.mayChange(person.id, id, "edit");
        if (!may.ok) return failed(may.error);
        const a = may.value;
        return {
          kind: "needs_text",
          id,
          version: currentVersion(a).number,
          text: currentVersion(a).content.text,
          message: L(`✏️ Neuer Text für ${id}:`, `✏️ New text for ${id}:`),
        };
      }
      const a = await service.get(id);
      const media = a ? currentVersion(a).content.media : [];
      return done(await service.edit(person.id, id, { text: action.text, media }), editedReply);
    }
    case "posted":
      return done(await service.confirmHandoff(person.id, id, action.outlet), postedReply);
  }
}
