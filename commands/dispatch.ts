import { resolvePerson } from "../src/policy/policy.ts";
import type { Logger } from "../src/ports/logger.ts";
import { isStoreUnavailable } from "../src/ports/store-unavailable.ts";
import { onAction, onReaction } from "./actions.ts";
import { failed } from "./handlers.ts";
import type { CommandInput, CommandOutcome } from "./input.ts";
import { COMMANDS, lookup, type CommandDeps } from "./registry.ts";

/**
 * The one entry point every chat uses: text commands and reactions in, an outcome out.
 * A failure (the store unreachable, or a fault) becomes a friendly error, logged with its cause.
 */
export async function dispatch(input: CommandInput, deps: CommandDeps): Promise<CommandOutcome> {
  try {
    return await route(input, deps);
  } catch (error) {
    return failureOutcome(error, deps.log, { platform: input.actor.platform, kind: input.kind });
  }
}

/**
 * What a person hears when their command could not finish, wherever it failed (here, or in a chat before
 * the command got here): while the store is unreachable, that nothing can be checked or changed right now,
 * never that something does not exist; any other failure, to check with `status` and try again.
 */
export function failureOutcome(error: unknown, log: Logger, context: Record<string, unknown>): CommandOutcome {
  if (isStoreUnavailable(error)) {
    log.warn({ ...context, store: error.message }, "command not done: the store is unreachable");
    return failed({ code: "STORE_UNAVAILABLE" });
  }
  log.error({ ...context, err: error }, "command failed");
  return failed({ code: "TEMPORARILY_UNAVAILABLE" });
}

/** `statuss A-0042`: a mistyped command word, not announcement text. */
const LOOKS_LIKE_COMMAND = /^\S+\s+A-\d{4,}(?:\s|$)/i;

async function route(input: CommandInput, deps: CommandDeps): Promise<CommandOutcome> {
  const person = resolvePerson(deps.policy, input.actor.platform, input.actor.userId);
  if (!person) return failed({ code: "UNKNOWN_PERSON" });

  if (input.kind === "reaction") return onReaction(input, person, deps);
  if (input.kind === "action") return onAction(input.action, person, deps);

  const text = input.text.trim();
  const first = /^\S+/.exec(text)?.[0] ?? "";
  const command = lookup(first);
  if (command) {
    return command.spec.run({ ...deps, person, input, rest: text.slice(first.length) });
  }
  if (LOOKS_LIKE_COMMAND.test(text)) return failed({ code: "UNKNOWN_COMMAND", params: { command: first } });
  return COMMANDS.announce.run({ ...deps, person, input, rest: text });
}
