import { checkLinkTarget } from "../../src/announcement/text-hygiene.ts";
import { ok, type Result } from "../../src/errors.ts";

/** Names for Slack ids, as the Slack adapter knows them (users.info / conversations.info cache). */
export interface SlackNames {
  user(id: string): string | undefined;
  channel(id: string): string | undefined;
}

const TOKEN = /<([^<>]*)>/g;

/** `&`, `<` and `>` are Slack's control characters in mrkdwn and plain text alike. */
export const escapeSlack = (text: string): string =>
  text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c] ?? c);

/** A name from the directory, escaped like the text around it, so the one unescaping pass leaves it as it is. */
const escaped = (name: string | undefined): string | undefined => (name === undefined ? undefined : escapeSlack(name));

const unescape = (text: string): string =>
  text.replace(/&(amp|lt|gt);/g, (_m, e: string) => ({ amp: "&", lt: "<", gt: ">" })[e] ?? "");

/** One control sequence as text; a link whose target a post may not carry is refused, naming its label. */
function control(inner: string, names: SlackNames): Result<string> {
  // Slack escapes only & < >, so a label may itself contain "|": only the first one separates.
  const bar = inner.indexOf("|");
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : inner.slice(bar + 1);
  if (target.startsWith("@")) return ok(`@${label ?? escaped(names.user(target.slice(1))) ?? target.slice(1)}`);
  if (target.startsWith("#")) return ok(`#${label ?? escaped(names.channel(target.slice(1))) ?? target.slice(1)}`);
  if (target.startsWith("!subteam^") || target.startsWith("!date^")) return ok(label ?? "");
  if (target.startsWith("!")) return ok("");
  if (!target) return ok(label ?? "");
  const safe = checkLinkTarget(unescape(target), { field: "text" }, label === undefined ? undefined : unescape(label));
  if (!safe.ok) return safe;
  if (target.startsWith("mailto:")) return ok(label ?? target.slice("mailto:".length));
  if (!label || label === target) return ok(target);
  return ok(`${label}: ${target}`);
}

/**
 * Slack message text to WhatsApp text (slack.md §11): control sequences first, on the still-escaped
 * text, then the three entities in one pass. mrkdwn marks (`*b*`, `_i_`, `~s~`, code, `>`) carry over.
 * A link the author saw only as its label, e.g. `<javascript:…|klick>`, is refused, never rendered.
 */
export function slackToWhatsApp(text: string, names: SlackNames): Result<string> {
  let refused: Result<string> | undefined;
  const replaced = text.replace(TOKEN, (_m, inner: string) => {
    const part = control(inner, names);
    refused ??= part.ok ? undefined : part;
    return part.ok ? part.value : "";
  });
  return (
    refused ??
    ok(
      unescape(replaced)
        .replace(/[ \t]{2,}/g, " ")
        .trim(),
    )
  );
}
