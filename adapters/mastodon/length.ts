/**
 * How Mastodon counts a status (app/validators/status_length_validator.rb): grapheme clusters, every link with a
 * protocol as `characters_reserved_per_url` (23) whatever its real length, and a remote mention `@user@host` as
 * `@user` only.
 */
export function mastodonLength(text: string, charactersPerUrl = 23): number {
  const placeholder = "x".repeat(charactersPerUrl);
  const countable = text
    .replace(URL, (_m, before: string, url: string) => {
      const kept = trimUrlEnd(url);
      return `${before}${placeholder}${url.slice(kept.length)}`;
    })
    .replace(MENTION, (_m, before: string, user: string) => `${before}@${user}`);
  return [...GRAPHEMES.segment(countable)].length;
}

const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Mastodon links only these schemes when the protocol is written out (its twitter_regex initializer). */
const URL = /(^|[^\p{L}\p{N}@＠$#＃/])((?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini):\/\/[^\s<>"]+)/giu;

/** `@user@host`: the host is free; a local `@user` counts in full anyway. */
const MENTION = /(^|[^/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_])?)@[\p{L}\p{N}_.-]+[\p{L}\p{N}_]/giu;

/** Characters a link may not end with (so "…/baustellen." leaves the full stop outside the link). */
const NOT_AN_END = new Set([..."?!*\"'「」<>;:=,.$%[]~&|@("]);

/** The link without trailing punctuation; a closing parenthesis stays only when the link opened one. */
function trimUrlEnd(url: string): string {
  let end = url.length;
  for (;;) {
    const last = url[end - 1];
    if (last === undefined) break;
    const body = url.slice(0, end);
    const unbalanced = last === ")" && body.split("(").length < body.split(")").length;
    if (!NOT_AN_END.has(last) && !unbalanced) break;
    end--;
  }
  return url.slice(0, end);
}
