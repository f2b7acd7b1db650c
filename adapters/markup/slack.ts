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

function control(inner: string, names: SlackNames): string {
  // Slack escapes only & < >, so a label may itself contain "|": only the first one separates.
  const bar = inner.indexOf("|");
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : inner.slice(bar + 1);
  if (target.startsWith("@")) return `@${label ?? escaped(names.user(target.slice(1))) ?? target.slice(1)}`;
  if (target.startsWith("#")) return `#${label ?? escaped(names.channel(target.slice(1))) ?? target.slice(1)}`;
  if (target.startsWith("!subteam^")) return label ?? "";
  if (target.startsWith("!date^")) return label ?? "";
  if (target.startsWith("!")) return "";
  if (target.startsWith("mailto:")) return label ?? target.slice("mailto:".length);
  if (!label || label === target) return target;
  return `${label}: ${target}`;
}

/**
 * Slack message text to WhatsApp text (slack.md §11): control sequences first, on the still-escaped
 * text, then the three entities in one pass. mrkdwn marks (`*b*`, `_i_`, `~s~`, code, `>`) carry over.
 */
export function slackToWhatsApp(text: string, names: SlackNames): string {
  const replaced = text.replace(TOKEN, (_m, inner: string) => control(inner, names));
  return replaced
    .replace(/&(amp|lt|gt);/g, (_m, e: string) => ({ amp: "&", lt: "<", gt: ">" })[e] ?? "")
    .replace(/[ \t]{2,}/g, " ")
    .trim();
}
