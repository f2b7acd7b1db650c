import { createHash } from "node:crypto";
import type { MediaSource } from "../whatsapp/waha.ts";
import { capIndex, capPath } from "./cap.ts";
import {
  entryPath,
  mediaPath,
  renderAtom,
  renderEntryPage,
  renderJsonFeed,
  renderRss,
  type SiteContext,
} from "./render.ts";
import { visibleEntries, type FeedState } from "./state.ts";

/** One file of the feed site, as served and as written to the folder. */
export interface Resource {
  type: string;
  etag: string;
  /** ISO time. */
  lastModified: string;
  cacheControl: string;
  /** Undefined when the bytes are no longer in the media store. */
  body: () => Promise<Uint8Array | undefined>;
}

/** Feeds change within a minute of a post; readers should look again soon. */
const SHORT = "public, max-age=60";
/** Named by their content: they never change. */
const IMMUTABLE = "public, max-age=31536000, immutable";

export const CONTENT_TYPES = {
  rss: "application/rss+xml; charset=utf-8",
  atom: "application/atom+xml; charset=utf-8",
  json: "application/feed+json; charset=utf-8",
  cap: "application/cap+xml; charset=utf-8",
  html: "text/html; charset=utf-8",
} as const;

export interface FeedSiteOptions {
  title: string;
  /** Where the site is reachable from outside, e.g. `https://www.achim.de/amtsbote`. */
  baseUrl: string;
  media: MediaSource;
  /** Author of the CAP index. */
  capAuthor?: string;
}

const etagOf = (bytes: Uint8Array | string): string =>
  `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 27)}"`;

/** What the feed site holds for one state of the feed: every path, rendered once per state. */
export class FeedSite {
  readonly #o: FeedSiteOptions;
  readonly #base: string;
  readonly #rendered = new WeakMap<FeedState, Map<string, Resource>>();

  constructor(options: FeedSiteOptions) {
    this.#o = options;
    this.#base = options.baseUrl.replace(/\/+$/, "");
  }

  url = (path: string): string => `${this.#base}${path}`;

  get context(): SiteContext {
    return { title: this.#o.title, url: this.url };
  }

  /** Every path of the site in this state (media included). */
  paths(state: FeedState): string[] {
    const entries = visibleEntries(state);
    return [
      "/feed.rss",
      "/feed.atom",
      "/feed.json",
      "/cap.atom",
      ...state.cap.map((m) => capPath(m.identifier)),
      ...entries.map(entryPath),
      ...new Set(entries.flatMap((e) => e.media.map(mediaPath))),
    ];
  }

  /** The file at `path`; "gone" for the page of a retracted post. */
  resolve(state: FeedState, path: string): Resource | "gone" | undefined {
    let cache = this.#rendered.get(state);
    if (!cache) this.#rendered.set(state, (cache = new Map()));
    const known = cache.get(path);
    if (known) return known;
    const found = this.#make(state, path);
    if (found && found !== "gone") cache.set(path, found);
    return found;
  }

  #make(state: FeedState, path: string): Resource | "gone" | undefined {
    const ctx = this.context;
    const text = (type: string, body: string, lastModified: string, cacheControl = SHORT): Resource => {
      const bytes = Buffer.from(body, "utf8");
      return { type, etag: etagOf(bytes), lastModified, cacheControl, body: () => Promise.resolve(bytes) };
    };
    switch (path) {
      case "/feed.rss":
        return text(CONTENT_TYPES.rss, renderRss(state, ctx), state.changedAt);
      case "/feed.atom":
        return text(CONTENT_TYPES.atom, renderAtom(state, ctx), state.changedAt);
      case "/feed.json":
        return text(CONTENT_TYPES.json, renderJsonFeed(state, ctx), state.changedAt);
      case "/cap.atom":
        return text(
          CONTENT_TYPES.atom,
          capIndex(state, { title: this.#o.title, author: this.#o.capAuthor ?? this.#o.title, url: this.url }),
          state.changedAt,
        );
    }
    if (path.startsWith("/cap/")) {
      const m = state.cap.find((x) => capPath(x.identifier) === path);
      return m && text(CONTENT_TYPES.cap, m.xml, m.sentAt, "public, max-age=300");
    }
    const page = /^\/posts\/(A-\d+)\.html$/.exec(path);
    if (page) {
      const e = state.entries.find((x) => x.announcementId === page[1]);
      if (!e) return undefined;
      if (e.removed) return "gone";
      return text(CONTENT_TYPES.html, renderEntryPage(e, state, ctx), e.updated);
    }
    const media = /^\/media\/([^/]+)$/.exec(path);
    if (media) {
      // Only what a post on show carries: drafts' pictures in the same store stay private.
      const owner = visibleEntries(state).find((e) => e.media.some((m) => m.sha256 === media[1]));
      const item = owner?.media.find((m) => m.sha256 === media[1]);
      if (!owner || !item) return undefined;
      const sha = item.sha256;
      return {
        type: item.mimeType,
        etag: `"${sha}"`,
        lastModified: owner.published,
        cacheControl: IMMUTABLE,
        body: () => this.#o.media(sha),
      };
    }
    return undefined;
  }
}
