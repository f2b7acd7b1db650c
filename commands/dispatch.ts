import { resolvePerson } from "../src/policy/policy.ts";
import { approvedText, failed, reviewedText } from "./handlers.ts";
import type { CommandInput, CommandOutcome } from "./input.ts";
import { L } from "./messages.ts";
import { COMMANDS, lookup, type CommandDeps } from "./registry.ts";

type ReactionMeaning = "approve" | "reject";

/** ✅ and ❌, as emoji or as Slack short names; skin tones and U+FE0F ignored. */
export function reactionMeaning(reaction: string): ReactionMeaning | undefined {
  const key = reaction
    .replace(/\uFE0F/g, "")
    .replace(/\p{Emoji_Modifier}/gu, "")
    .replace(/::skin-tone-\d$/, "")
    .replace(/^:|:$/g, "")
    .trim()
    .toLowerCase();
  if (["✅", "✔", "☑", "white_check_mark", "heavy_check_mark", "ballot_box_with_check"].includes(key)) return "approve";
  if (["❌", "✖", "x", "heavy_multiplication_x"].includes(key)) return "reject";
  return undefined;
}

/**
 * The one entry point every chat uses: text commands and reactions in, an outcome out.
 * An infrastructure failure (store unreachable) becomes a friendly error, logged with its cause.
 */
export async function dispatch(input: CommandInput, deps: CommandDeps): Promise<CommandOutcome> {
  try {
    return await route(input, deps);
  } catch (error) {
    deps.log.error({ err: error, platform: input.actor.platform, kind: input.kind }, "command failed");
    return failed({ code: "TEMPORARILY_UNAVAILABLE" });
  }
}

/** `statuss A-0042`: a mistyped command word, not announcement text. */
const LOOKS_LIKE_COMMAND = /^\S+\s+A-\d{4,}(?:\s|$)/i;

async function route(input: CommandInput, deps: CommandDeps): Promise<CommandOutcome> {
  const person = resolvePerson(deps.policy, input.actor.platform, input.actor.userId);
  if (!person) return failed({ code: "UNKNOWN_PERSON" });

  if (input.kind === "reaction") {
    const meaning = reactionMeaning(input.reaction);
    if (!meaning) return { kind: "ignored" };
    const { id, version } = input.target;
    const ref = version === undefined ? {} : { version };
    const reviewing = !input.removed && (await deps.service.get(id))?.review?.state === "open";
    if (reviewing && meaning === "approve") {
      const result = await deps.service.review(person.id, id, "ok", "");
      if (!result.ok) return failed(result.error);
      return { kind: "reply", message: reviewedText(id, "ok"), announcement: result.value };
    }
    if (reviewing) {
      return {
        kind: "reply",
        message: L(
          `Zum Beanstanden bitte eine Notiz: \`review ${id} flag <Notiz>\``,
          `To flag it, please add a note: \`review ${id} flag <note>\``,
        ),
      };
    }
    if (meaning === "approve") {
      const result = input.removed
        ? await deps.service.revokeApproval(person.id, id, ref)
        : await deps.service.approve(person.id, id, { ...ref, via: "reaction" });
      if (!result.ok) return failed(result.error);
      const message = input.removed
        ? L(`Ihre Freigabe für ${id} ist zurückgenommen.`, `Your approval of ${id} is revoked.`)
        : approvedText(result.value);
      return { kind: "reply", message, announcement: result.value };
    }
    if (input.removed) return { kind: "ignored" };
    return {
      kind: "reply",
      message: L(
        `Zum Ablehnen bitte den Grund nennen: \`reject ${id} <Grund>\``,
        `To reject, please give the reason: \`reject ${id} <reason>\``,
      ),
    };
  }

  const text = input.text.trim();
  const first = /^\S+/.exec(text)?.[0] ?? "";
  const command = lookup(first);
  if (command) {
    return command.spec.run({ ...deps, person, input, rest: text.slice(first.length) });
  }
  if (LOOKS_LIKE_COMMAND.test(text)) return failed({ code: "UNKNOWN_COMMAND", params: { command: first } });
  return COMMANDS.announce.run({ ...deps, person, input, rest: text });
}
