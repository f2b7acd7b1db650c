import { plainText } from "../../src/render/plain.ts";
import { capPath, messagesOf } from "./cap.ts";
import { visibleEntries, type FeedEntry, type FeedMedia, type FeedState } from "./state.ts";
import { htmlText, rfc3339, rfc822, titleOf, xml } from "./text.ts";

export interface SiteContext {
  title: string;
  /** Absolute URL of a path on the feed site. */
  url: (path: string) => string;
}

export const entryPath = (e: Pick<FeedEntry, "announcementId">): string => `/posts/${e.announcementId}.html`;
export const mediaPath = (m: Pick<FeedMedia, "sha256">): string => `/media/${m.sha256}`;

/** Headline of an entry: its first line, or what its picture shows. */
export const entryTitle = (e: Pick<FeedEntry, "text" | "media" | "announcementId">): string =>
  titleOf(e.text, e.media[0]?.altText ?? `Bekanntmachung ${e.announcementId}`);

const pictureHtml = (m: FeedMedia, ctx: SiteContext): string =>
  m.mimeType.startsWith("image/")
    ? `<p><img src="${htmlText(ctx.url(mediaPath(m)))}" alt="${htmlText(m.altText ?? "")}"></p>`
    : `<p><a href="${htmlText(ctx.url(mediaPath(m)))}">${htmlText(m.altText ?? "Video")}</a></p>`;

/** The post as HTML: its plain text, escaped, and its pictures with their descriptions as alt text. */
const bodyHtml = (e: FeedEntry, ctx: SiteContext): string =>
  [`<p>${htmlText(plainText(e.text))}</p>`, ...e.media.map((m) => pictureHtml(m, ctx))].join("\n");

const byPublished = (state: FeedState): FeedEntry[] =>
  visibleEntries(state).sort(
    (a, b) => b.published.localeCompare(a.published) || b.announcementId.localeCompare(a.announcementId),
  );

const lastChange = (state: FeedState): string => state.changedAt;

/** RSS 2.0: the description is HTML (as RSS readers take it), so the text is escaped once for HTML, once for XML. */
export function renderRss(state: FeedState, ctx: SiteContext): string {
  const items = byPublished(state)
    .map((e) => {
      const link = ctx.url(entryPath(e));
      const enclosure = e.media[0];
      return (
        "    <item>\n" +
        `      <title>${xml(entryTitle(e))}</title>\n` +
        `      <link>${xml(link)}</link>\n` +
        `      <guid isPermaLink="true">${xml(link)}</guid>\n` +
        `      <pubDate>${rfc822(e.published)}</pubDate>\n` +
        `      <category>${xml(e.category)}</category>\n` +
        `      <description>${xml(bodyHtml(e, ctx))}</description>\n` +
        (enclosure
          ? `      <enclosure url="${xml(ctx.url(mediaPath(enclosure)))}" length="${enclosure.bytes}" type="${xml(enclosure.mimeType)}"/>\n`
          : "") +
        "    </item>\n"
      );
    })
    .join("");
  const self = ctx.url("/feed.rss");
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n' +
    "  <channel>\n" +
    `    <title>${xml(ctx.title)}</title>\n` +
    `    <link>${xml(ctx.url("/"))}</link>\n` +
    `    <description>${xml(ctx.title)}</description>\n` +
    "    <language>de-DE</language>\n" +
    `    <lastBuildDate>${rfc822(lastChange(state))}</lastBuildDate>\n` +
    `    <atom:link rel="self" type="application/rss+xml" href="${xml(self)}"/>\n` +
    items +
    "  </channel>\n" +
    "</rss>\n"
  );
}

/** Atom 1.0 (RFC 4287): plain text content; pictures as `enclosure` links titled with their description. */
export function renderAtom(state: FeedState, ctx: SiteContext): string {
  const entries = byPublished(state)
    .map((e) => {
      const link = ctx.url(entryPath(e));
      const enclosures = e.media
        .map(
          (m) =>
            `    <link rel="enclosure" type="${xml(m.mimeType)}" length="${m.bytes}" href="${xml(ctx.url(mediaPath(m)))}"` +
            (m.altText ? ` title="${xml(m.altText)}"` : "") +
            "/>\n",
        )
        .join("");
      const cap = messagesOf(state, e.announcementId).at(-1);
      return (
        "  <entry>\n" +
        `    <id>${xml(link)}</id>\n` +
        `    <title type="text">${xml(entryTitle(e))}</title>\n` +
        `    <published>${rfc3339(e.published)}</published>\n` +
        `    <updated>${rfc3339(e.updated)}</updated>\n` +
        `    <category term="${xml(e.category)}"/>\n` +
        `    <link rel="alternate" type="text/html" href="${xml(link)}"/>\n` +
        (cap
          ? `    <link rel="related" type="application/cap+xml" href="${xml(ctx.url(capPath(cap.identifier)))}"/>\n`
          : "") +
        enclosures +
        `    <content type="text">${xml(plainText(e.text))}</content>\n` +
        "  </entry>\n"
      );
    })
    .join("");
  const self = ctx.url("/feed.atom");
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de-DE">\n' +
    `  <id>${xml(self)}</id>\n` +
    `  <title type="text">${xml(ctx.title)}</title>\n` +
    `  <updated>${rfc3339(lastChange(state))}</updated>\n` +
    `  <author><name>${xml(ctx.title)}</name></author>\n` +
    `  <link rel="self" type="application/atom+xml" href="${xml(self)}"/>\n` +
    `  <link rel="alternate" type="text/html" href="${xml(ctx.url("/"))}"/>\n` +
    entries +
    "</feed>\n"
  );
}

/** JSON Feed 1.1: plain `content_text`; pictures as attachments titled with their description. */
export function renderJsonFeed(state: FeedState, ctx: SiteContext): string {
  const feed = {
    version: "https://jsonfeed.org/version/1.1",
    title: ctx.title,
    home_page_url: ctx.url("/"),
    feed_url: ctx.url("/feed.json"),
    language: "de-DE",
    authors: [{ name: ctx.title }],
    items: byPublished(state).map((e) => ({
      id: ctx.url(entryPath(e)),
      url: ctx.url(entryPath(e)),
      title: entryTitle(e),
      content_text: plainText(e.text),
      date_published: rfc3339(e.published),
      date_modified: rfc3339(e.updated),
      tags: [e.category],
      ...(e.media.length > 0
        ? {
            attachments: e.media.map((m) => ({
              url: ctx.url(mediaPath(m)),
              mime_type: m.mimeType,
              size_in_bytes: m.bytes,
              ...(m.altText ? { title: m.altText } : {}),
            })),
          }
        : {}),
    })),
  };
  return `${JSON.stringify(feed, null, 2)}\n`;
}

/** A small public page per post: what the feeds, the CAP `web` link and the outlet's `url` point to. */
export function renderEntryPage(e: FeedEntry, state: FeedState, ctx: SiteContext): string {
  const cap = messagesOf(state, e.announcementId).at(-1);
  const title = entryTitle(e);
  return (
    "<!doctype html>\n" +
    '<html lang="de">\n' +
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${htmlText(title)} – ${htmlText(ctx.title)}</title>\n` +
    `<link rel="alternate" type="application/atom+xml" href="${htmlText(ctx.url("/feed.atom"))}">\n` +
    "</head>\n<body>\n<main>\n" +
    `<h1>${htmlText(title)}</h1>\n` +
    `<p><time datetime="${rfc3339(e.published)}">${htmlText(rfc822(e.published))}</time>` +
    (e.updated !== e.published
      ? ` (geändert <time datetime="${rfc3339(e.updated)}">${htmlText(rfc822(e.updated))}</time>)`
      : "") +
    "</p>\n" +
    `${bodyHtml(e, ctx)}\n` +
    (cap ? `<p><a href="${htmlText(ctx.url(capPath(cap.identifier)))}">CAP-Warnmeldung</a></p>\n` : "") +
    "</main>\n</body>\n</html>\n"
  );
}
