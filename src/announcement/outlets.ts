import { fail, ok, type Result } from "../errors.ts";
import type { Category } from "../policy/policy.ts";
import type { Outlet } from "../ports/outlet.ts";
import { postText } from "../render/whatsapp.ts";
import type { Announcement, Content } from "./announcement.ts";
import { codePoints } from "./content.ts";

/** What people call the outlets in `--to`, `--not` and the policy. */
export const OUTLET_NAMES = ["whatsapp", "mastodon", "telegram", "feeds", "press"] as const;
export type OutletName = (typeof OUTLET_NAMES)[number];

/** Outlets that show the text without WhatsApp's formatting. */
export const PLAIN_TEXT_OUTLETS: ReadonlySet<string> = new Set(["mastodon", "feeds", "press"]);

/** An outlet's id is its name, or its name and its back-end (`whatsapp-waha`, `whatsapp-manual`). */
export const outletName = (id: string): string => id.split("-", 1)[0] ?? id;

export type ConfiguredOutlet = Pick<Outlet, "id" | "handoff" | "capabilities" | "measure"> & {
  /** Has a test channel: exercise posts go there. */
  exercise?: boolean;
};

export interface OutletChoice {
  /** Only these outlets (names). */
  to?: readonly string[];
  /** Not these outlets (names). */
  not?: readonly string[];
}

const known = (configured: readonly ConfiguredOutlet[]): string[] => [
  ...new Set(configured.map((o) => outletName(o.id))),
];

/**
 * The outlets an announcement goes to, by name: the category's own (those configured), or all configured ones;
 * `to` replaces them, `not` takes some away. A name that is not configured is an error naming the known ones.
 */
export function chooseOutlets(
  configured: readonly ConfiguredOutlet[],
  category: Pick<Category, "outlets">,
  choice: OutletChoice,
): Result<string[]> {
  const names = known(configured);
  for (const name of [...(choice.to ?? []), ...(choice.not ?? [])]) {
    if (!names.includes(name)) return fail("UNKNOWN_OUTLET", { outlet: name, known: names.join(", ") });
  }
  const base = choice.to ?? (category.outlets ? names.filter((n) => category.outlets?.includes(n)) : names);
  const chosen = [...new Set(base)].filter((n) => !choice.not?.includes(n));
  if (chosen.length === 0) return fail("NO_OUTLET_LEFT", { known: names.join(", ") });
  return ok(chosen);
}

/** The configured outlets an announcement goes to; one from before outlets were chosen goes to all. */
export function outletsOf<T extends Pick<ConfiguredOutlet, "id">>(
  a: Pick<Announcement, "outlets">,
  configured: readonly T[],
): T[] {
  return a.outlets ? configured.filter((o) => a.outlets?.includes(outletName(o.id))) : [...configured];
}

/** What of the content an outlet cannot carry at all (a poll, a picture, a video), if anything. */
function unsupportedBy(content: Content, can: ConfiguredOutlet["capabilities"]): string | undefined {
  return [
    content.poll && !can.poll ? "poll" : undefined,
    content.media.some((m) => m.mimeType.startsWith("image/")) && !can.image ? "image" : undefined,
    content.media.some((m) => m.mimeType.startsWith("video/")) && !can.video ? "video" : undefined,
  ].find((x) => x !== undefined);
}

/**
 * Of outlets taken by default (not named with `--to`), those that cannot carry this kind of content at all (the
 * website has no polls, Mastodon no poll of 6 options) are left out; if that leaves none, they stay, and the check
 * names the problem.
 */
export function withoutUncarrying(
  content: Content,
  names: readonly string[],
  configured: readonly ConfiguredOutlet[],
): string[] {
  const kept = names.filter((name) =>
    configured
      .filter((o) => outletName(o.id) === name)
      .every((o) => !unsupportedBy(content, o.capabilities) && pollFits(content, o.capabilities)),
  );
  return kept.length > 0 ? kept : [...names];
}

/** Whether the poll fits the outlet's own poll limits, where they are tighter than amtsbote's. */
function pollFits(content: Content, can: ConfiguredOutlet["capabilities"]): boolean {
  const poll = content.poll;
  if (!poll) return true;
  const longest = Math.max(...poll.options.map(codePoints));
  return (
    (can.maxPollOptions === undefined || poll.options.length <= can.maxPollOptions) &&
    (can.maxPollOptionLength === undefined || longest <= can.maxPollOptionLength)
  );
}

/** Whether every chosen outlet can carry the content: kinds of media, polls, and its own length limit. */
export function checkOutletsCarry(content: Content, outlets: readonly ConfiguredOutlet[]): Result<void> {
  for (const { id, capabilities: can, measure } of outlets) {
    const outlet = outletName(id);
    const unsupported = unsupportedBy(content, can);
    if (unsupported) return fail("OUTLET_CANNOT", { outlet, what: unsupported });
    if (content.poll && !pollFits(content, can)) {
      return fail("POLL_TOO_BIG_FOR", {
        outlet,
        options: content.poll.options.length,
        maxOptions: can.maxPollOptions ?? content.poll.options.length,
        longest: Math.max(...content.poll.options.map(codePoints)),
        maxLength: can.maxPollOptionLength ?? 100,
      });
    }
    const max = content.media.length > 0 ? can.maxCaptionLength : can.maxTextLength;
    const length = measure ? measure(content) : codePoints(postText(content));
    if (length > max) {
      const params = { outlet, length, max, over: length - max };
      return fail(outlets.length === 1 ? "TEXT_TOO_LONG" : "TEXT_TOO_LONG_FOR", params);
    }
  }
  return ok(undefined);
}
