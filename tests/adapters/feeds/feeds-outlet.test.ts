import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { FeedsOutlet } from "../../../adapters/feeds/feeds-outlet.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { FixedClock } from "../../fakes/fixtures.ts";
import {
  attempt,
  BASE,
  capSchemaErrors,
  feeds,
  listening,
  LOOPBACK,
  PICTURE_BYTES,
  PICTURE_SHA,
  post,
  readFeeds,
} from "./harness.ts";

const started: FeedsOutlet[] = [];
afterEach(async () => {
  for (const outlet of started.splice(0)) await outlet.stop();
});

async function running(options: Parameters<typeof feeds>[0] = {}) {
  const f = feeds({ listen: LOOPBACK, ...options });
  started.push(f.outlet);
  return { ...f, ...(await listening(f)) };
}

const PICTURE = {
  name: "umleitung.jpg",
  mimeType: "image/jpeg",
  bytes: PICTURE_BYTES.length,
  sha256: PICTURE_SHA,
  altText: "Karte der Umleitung über die Bergstraße",
};

describe("feeds outlet", () => {
  it("declares what it can do within the adopted limits, honestly: no polls", () => {
    const { outlet } = feeds();
    expect(outlet.id).toBe("feeds");
    expect(outlet.idempotent).toBe(true);
    expect(outlet.capabilities).toMatchObject({ text: true, image: true, poll: false, edit: true, delete: true });
    expect(outlet.capabilities.maxTextLength).toBeLessThanOrEqual(4096);
    expect(outlet.capabilities.maxCaptionLength).toBeLessThanOrEqual(1024);
  });

  it("publishes a post into RSS, Atom and JSON Feed: first line as title, plain text, stable id, its page's URL", async () => {
    const f = await running();
    const outcome = await f.outlet.publish(post(), attempt());
    const page = `${BASE}/posts/A-0042.html`;
    expect(outcome).toEqual({ state: "sent", remoteId: "A-0042", url: page });
    const { rss, atom, json } = await readFeeds(f.get);
    const text = "Sperrung Hauptstraße ab Montag.\nUmleitung über die Bergstraße.";
    expect(rss).toHaveLength(1);
    expect(rss[0]).toMatchObject({
      title: "Sperrung Hauptstraße ab Montag.",
      link: page,
      pubDate: "Mon, 30 Nov 2026 09:00:00 GMT",
    });
    expect(rss[0]?.guid).toEqual({ "#text": page, "@isPermaLink": "true" });
    expect(atom[0]).toMatchObject({
      id: page,
      title: { "#text": "Sperrung Hauptstraße ab Montag." },
      published: "2026-11-30T09:00:00Z",
      updated: "2026-11-30T09:00:00Z",
      content: { "#text": text, "@type": "text" },
    });
    expect(json[0]).toMatchObject({
      id: page,
      url: page,
      title: "Sperrung Hauptstraße ab Montag.",
      content_text: text,
    });
    const html = await (await f.get("/posts/A-0042.html")).text();
    expect(html).toContain("<h1>Sperrung Hauptstraße ab Montag.</h1>");
  });

  it("lists the newest first and keeps only the newest N", async () => {
    const f = await running({ maxEntries: 3 });
    for (const n of [1, 2, 3, 4]) {
      await f.outlet.publish(post({ announcementId: `A-000${n}`, text: `Meldung ${n}` }), attempt());
      f.clock.advance(60_000);
    }
    const { rss, atom, json } = await readFeeds(f.get);
    const expected = ["Meldung 4", "Meldung 3", "Meldung 2"];
    expect(rss.map((i) => i.title)).toEqual(expected);
    expect(atom.map((e) => e.title["#text"])).toEqual(expected);
    expect(json.map((i) => i.title)).toEqual(expected);
    expect((await f.get("/posts/A-0001.html")).status).toBe(404);
  });

  it("publishing again changes nothing, and a late repeat of an older version does not undo a correction", async () => {
    const f = await running();
    const first = await f.outlet.publish(post(), attempt(1));
    const before = await (await f.get("/feed.atom")).text();
    f.clock.advance(60_000);
    expect(await f.outlet.publish(post(), attempt(2))).toEqual(first);
    expect(await (await f.get("/feed.atom")).text()).toBe(before);
    await f.outlet.edit({ remoteId: "A-0042" }, post({ version: 2, text: "Korrigiert" }));
    await f.outlet.publish(post(), attempt(3));
    const { json } = await readFeeds(f.get);
    expect(json.map((i) => i.content_text)).toEqual(["Korrigiert"]);
  });

  it("an edit replaces the text and sets `updated`, keeping the id and the publication time", async () => {
    const f = await running();
    await f.outlet.publish(post(), attempt());
    f.clock.advance(3_600_000);
    const edited = await f.outlet.edit(
      { remoteId: "A-0042" },
      post({ version: 2, text: "Hauptstraße erst ab Dienstag gesperrt." }),
    );
    expect(edited).toEqual({ state: "sent", remoteId: "A-0042", url: `${BASE}/posts/A-0042.html` });
    const { rss, atom, json } = await readFeeds(f.get);
    expect(rss).toHaveLength(1);
    expect(rss[0]).toMatchObject({
      title: "Hauptstraße erst ab Dienstag gesperrt.",
      pubDate: "Mon, 30 Nov 2026 09:00:00 GMT",
    });
    expect(atom[0]).toMatchObject({
      id: `${BASE}/posts/A-0042.html`,
      published: "2026-11-30T09:00:00Z",
      updated: "2026-11-30T10:00:00Z",
    });
    expect(json[0]).toMatchObject({ date_published: "2026-11-30T09:00:00Z", date_modified: "2026-11-30T10:00:00Z" });
  });

  it("a removal takes the post out of every feed; its page is gone; a late repeat does not bring it back", async () => {
    const f = await running();
    await f.outlet.publish(post({ announcementId: "A-0001", text: "Bleibt" }), attempt());
    await f.outlet.publish(post(), attempt());
    expect(await f.outlet.remove({ remoteId: "A-0042" })).toEqual({ state: "sent", remoteId: "A-0042" });
    expect(await f.outlet.remove({ remoteId: "A-0042" })).toEqual({ state: "sent", remoteId: "A-0042" });
    await f.outlet.publish(post(), attempt(2));
    const { rss, atom, json } = await readFeeds(f.get);
    expect([rss.length, atom.length, json.length]).toEqual([1, 1, 1]);
    expect(json[0]?.title).toBe("Bleibt");
    expect((await f.get("/posts/A-0042.html")).status).toBe(410);
  });

  it("hostile text comes back exactly as written from every format, never as markup", async () => {
    const f = await running();
    const hostile = `<script>alert("x")</script> & ]]> 'a' &amp; <![CDATA[x]]>\n<b>fett</b>`;
    const alt = `Karte "<img src=x onerror=alert(1)>" & ]]>`;
    await f.outlet.publish(post({ text: hostile, media: [{ ...PICTURE, altText: alt }] }), attempt());
    const { rss, atom, json } = await readFeeds(f.get);
    const firstLine = hostile.split("\n")[0];
    expect(rss[0]?.title).toBe(firstLine);
    expect(atom[0]?.title["#text"]).toBe(firstLine);
    expect(atom[0]?.content["#text"]).toBe(hostile);
    expect(json[0]?.content_text).toBe(hostile);
    expect(atom[0]?.link.find((l) => l["@rel"] === "enclosure")?.["@title"]).toBe(alt);
    expect(json[0]?.attachments?.[0]?.title).toBe(alt);
    // RSS readers take the description as HTML: the text is in it escaped, the picture's description as alt text.
    const description = rss[0]?.description ?? "";
    expect(description).not.toMatch(/<script|<b>|<img src=x/);
    expect(description).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ]]&gt;");
    expect(description).toContain(`alt="Karte &quot;&lt;img src=x onerror=alert(1)&gt;&quot; &amp; ]]&gt;"`);
    const page = await (await f.get("/posts/A-0042.html")).text();
    expect(page).not.toMatch(/<script|<b>|<img src=x/);
  });

  it("characters XML cannot carry (refused upstream) still cannot break a document", async () => {
    const f = await running();
    await f.outlet.publish(post({ text: "Glocke \u0007 und \uD800 allein", emergency: true }), attempt());
    const { atom, json } = await readFeeds(f.get);
    expect(atom[0]?.content["#text"]).toBe("Glocke \uFFFD und \uFFFD allein");
    expect(json[0]?.content_text).toBe("Glocke \u0007 und \uD800 allein");
    const cap = await (await f.get("/cap/amtsbote.A-0042.v1.alert.xml")).text();
    expect(await capSchemaErrors(cap)).toEqual([]);
  });

  it("pictures: RSS enclosure, Atom enclosure link and JSON Feed attachment with the description, served from /media", async () => {
    const f = await running();
    await f.outlet.publish(post({ text: "Umleitung ab Montag.", media: [PICTURE] }), attempt());
    const { rss, atom, json } = await readFeeds(f.get);
    const url = `${BASE}/media/${PICTURE_SHA}`;
    const length = String(PICTURE_BYTES.length);
    expect(rss[0]?.enclosure).toEqual([{ "@url": url, "@type": "image/jpeg", "@length": length }]);
    expect(atom[0]?.link).toContainEqual({
      "@rel": "enclosure",
      "@type": "image/jpeg",
      "@length": length,
      "@href": url,
      "@title": PICTURE.altText,
    });
    expect(json[0]?.attachments).toEqual([
      { url, mime_type: "image/jpeg", size_in_bytes: PICTURE_BYTES.length, title: PICTURE.altText },
    ]);
    const media = await f.get(`/media/${PICTURE_SHA}`);
    expect(media.headers.get("content-type")).toBe("image/jpeg");
    expect(new Uint8Array(await media.arrayBuffer())).toEqual(PICTURE_BYTES);
  });

  it("serves only media of posts on show: a draft's picture in the same store stays private", async () => {
    const f = await running();
    f.media.set("abcdef", new Uint8Array([1, 2, 3]));
    await f.outlet.publish(post({ media: [PICTURE] }), attempt());
    expect((await f.get("/media/abcdef")).status).toBe(404);
    await f.outlet.remove({ remoteId: "A-0042" });
    expect((await f.get(`/media/${PICTURE_SHA}`)).status).toBe(404);
  });

  it("read-back looks in the store: not found before, found (with the URL) after, not found for a newer version", async () => {
    const f = feeds();
    expect(await f.outlet.readBack(post(), attempt())).toEqual({ state: "not_found" });
    await f.outlet.publish(post(), attempt());
    expect(await f.outlet.readBack(post(), attempt())).toEqual({
      state: "found",
      remoteId: "A-0042",
      url: `${BASE}/posts/A-0042.html`,
    });
    expect(await f.outlet.readBack(post({ version: 2 }), attempt())).toEqual({ state: "not_found" });
  });

  it("refuses a poll and a reference that is not one of its entries, without retrying", async () => {
    const f = feeds();
    const poll = { question: "Welcher Termin?", options: ["Dienstag", "Donnerstag"], multipleChoice: false };
    expect(await f.outlet.publish(post({ poll }), attempt())).toMatchObject({
      state: "failed",
      code: "bad_request",
      retryable: false,
    });
    expect(await f.outlet.edit({ remoteId: "true_1@newsletter_X" }, post())).toMatchObject({
      state: "failed",
      code: "bad_request",
      retryable: false,
    });
    expect(await f.outlet.remove({ remoteId: "../feed" })).toMatchObject({
      state: "failed",
      code: "bad_request",
      retryable: false,
    });
  });

  it("a second instance on the same store serves what the first published, and the first sees the second's edit", async () => {
    const store = new MemoryStore();
    const clock = new FixedClock();
    const one = await running({ store, clock });
    const two = await running({ store, clock });
    expect((await readFeeds(two.get)).json).toEqual([]);
    await one.outlet.publish(post(), attempt());
    expect((await readFeeds(two.get)).json.map((i) => i.title)).toEqual(["Sperrung Hauptstraße ab Montag."]);
    await two.outlet.edit({ remoteId: "A-0042" }, post({ version: 2, text: "Neu" }));
    expect((await readFeeds(one.get)).json.map((i) => i.title)).toEqual(["Neu"]);
  });

  it("concurrent publications from two instances all land (changes are made under the feed's lock)", async () => {
    const store = new MemoryStore();
    const one = feeds({ store });
    const two = feeds({ store });
    await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) =>
        (n % 2 ? one : two).outlet.publish(post({ announcementId: `A-000${n}` }), attempt()),
      ),
    );
    for (const n of [1, 2, 3, 4, 5, 6]) {
      expect((await one.outlet.readBack(post({ announcementId: `A-000${n}` }), attempt())).state).toBe("found");
    }
  });

  it("health is ok with a listener, down naming the address when the listener could not start", async () => {
    const f = await running();
    expect(await f.outlet.health()).toEqual({ state: "ok" });
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const clash = feeds({ listen: { host: "127.0.0.1", port } });
      await expect(clash.outlet.start()).rejects.toThrow(/EADDRINUSE/);
      const health = await clash.outlet.health();
      expect(health).toMatchObject({ state: "down", problem: "unexpected" });
      expect(health.state !== "ok" && health.reason).toContain(`127.0.0.1:${port}`);
    } finally {
      blocker.close();
    }
  });
});
