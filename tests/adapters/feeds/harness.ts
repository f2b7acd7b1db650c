import { readFileSync } from "node:fs";
import { XMLParser } from "fast-xml-parser";
import { validateXML } from "xmllint-wasm";
import { FeedsOutlet, type FeedsOutletOptions } from "../../../adapters/feeds/feeds-outlet.ts";
import type { DeliveryAttempt } from "../../../src/announcement/announcement.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import type { OutboundPost } from "../../../src/ports/outlet.ts";
import { FixedClock } from "../../fakes/fixtures.ts";

export const BASE = "https://www.achim.example/amtsbote";
export const SENDER = "pressestelle@achim.de";

export const PICTURE_BYTES = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
export const PICTURE_SHA = "9f2c4b5a";

export const attempt = (n = 1): DeliveryAttempt => ({
  id: `A-0042:feeds:publish:${n}`,
  startedAt: new Date().toISOString(),
  fingerprint: "f00d",
});

export const post = (overrides: Partial<OutboundPost> = {}): OutboundPost => ({
  announcementId: "A-0042",
  version: 1,
  category: "baustelle",
  text: "*Sperrung* Hauptstraße ab Montag.\nUmleitung über die _Bergstraße_.",
  media: [],
  fingerprint: "f00d",
  ...overrides,
});

export interface Feeds {
  outlet: FeedsOutlet;
  store: MemoryStore;
  clock: FixedClock;
  media: Map<string, Uint8Array>;
}

/** A feeds outlet on a memory store, its clock at a fixed time, CAP on. */
export function feeds(
  overrides: Partial<FeedsOutletOptions> & { store?: MemoryStore; clock?: FixedClock } = {},
): Feeds {
  const store = overrides.store ?? new MemoryStore();
  const clock = overrides.clock ?? new FixedClock("2026-11-30T09:00:00.000Z");
  const media = new Map([[PICTURE_SHA, PICTURE_BYTES]]);
  const outlet = new FeedsOutlet({
    store,
    media: async (sha) => media.get(sha),
    baseUrl: `${BASE}/`,
    title: "Stadt Achim – Bekanntmachungen",
    clock,
    cap: { sender: SENDER, senderName: "Stadt Achim", area: "Stadt Achim", ars: "033610001001" },
    ...overrides,
  });
  return { outlet, store, clock, media };
}

/** Keeps text exactly as written (no number or entity guessing), attributes with `@`. */
export const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name, jpath) =>
    ["item", "entry", "enclosure", "info", "resource"].includes(name) || String(jpath) === "feed.entry.link",
});

const XSD = readFileSync(new URL("../../spec/cap/cap12.xsd", import.meta.url), "utf8");

/** Validates a CAP document against the OASIS CAP 1.2 schema; the errors, none when valid. */
export async function capSchemaErrors(doc: string): Promise<string[]> {
  const result = await validateXML({ xml: [{ fileName: "alert.xml", contents: doc }], schema: [XSD] });
  return result.errors.map((e) => e.rawMessage);
}

/** Starts the outlet's listener on a free loopback port; `get` fetches a path from it. */
export async function listening(
  f: Feeds,
): Promise<{ port: number; get: (path: string, init?: RequestInit) => Promise<Response> }> {
  const address = await f.outlet.start();
  if (!address) throw new Error("no listener configured");
  return { port: address.port, get: (path, init) => fetch(`http://127.0.0.1:${address.port}${path}`, init) };
}

export const LOOPBACK = { host: "127.0.0.1", port: 0 };

/** The three plain feeds, parsed. */
export async function readFeeds(get: (path: string) => Promise<Response>) {
  const rss = parser.parse(await (await get("/feed.rss")).text()) as RssDoc;
  const atom = parser.parse(await (await get("/feed.atom")).text()) as AtomDoc;
  const json = (await (await get("/feed.json")).json()) as JsonFeedDoc;
  return { rss: rss.rss.channel.item ?? [], atom: atom.feed.entry ?? [], json: json.items };
}

export interface RssDoc {
  rss: {
    channel: {
      item?: {
        title: string;
        link: string;
        guid: { "#text": string; "@isPermaLink": string };
        pubDate: string;
        description: string;
        enclosure?: { "@url": string; "@type": string; "@length": string }[];
      }[];
    };
  };
}

export interface AtomLink {
  "@rel": string;
  "@href": string;
  "@type"?: string;
  "@title"?: string;
  "@length"?: string;
}

export interface AtomDoc {
  feed: {
    id: string;
    updated: string;
    entry?: {
      id: string;
      title: { "#text": string };
      published: string;
      updated: string;
      link: AtomLink[];
      content: { "#text": string; "@type": string };
      summary?: string;
      category?: { "@term": string };
    }[];
  };
}

export interface JsonFeedDoc {
  version: string;
  items: {
    id: string;
    url: string;
    title: string;
    content_text: string;
    date_published: string;
    date_modified: string;
    attachments?: { url: string; mime_type: string; title?: string; size_in_bytes: number }[];
  }[];
}
