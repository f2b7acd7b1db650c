import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { FeedsOutlet } from "../../../adapters/feeds/feeds-outlet.ts";
import { attempt, feeds, listening, LOOPBACK, post } from "./harness.ts";

const started: FeedsOutlet[] = [];
afterEach(async () => {
  for (const outlet of started.splice(0)) await outlet.stop();
});

async function running() {
  const f = feeds({ listen: LOOPBACK });
  started.push(f.outlet);
  return { ...f, ...(await listening(f)) };
}

describe("feed listener", () => {
  it("serves each format with its content type, a short cache time, ETag and Last-Modified", async () => {
    const f = await running();
    await f.outlet.publish(post({ emergency: true }), attempt());
    const types: Record<string, string> = {
      "/feed.rss": "application/rss+xml; charset=utf-8",
      "/feed.atom": "application/atom+xml; charset=utf-8",
      "/feed.json": "application/feed+json; charset=utf-8",
      "/cap.atom": "application/atom+xml; charset=utf-8",
      "/cap/amtsbote.A-0042.v1.alert.xml": "application/cap+xml; charset=utf-8",
      "/posts/A-0042.html": "text/html; charset=utf-8",
    };
    for (const [path, type] of Object.entries(types)) {
      const res = await f.get(path);
      expect([path, res.status, res.headers.get("content-type")]).toEqual([path, 200, type]);
      expect(res.headers.get("etag")).toMatch(/^"[\w-]+"$/);
      expect(res.headers.get("last-modified")).toBe("Mon, 30 Nov 2026 09:00:00 GMT");
      expect(res.headers.get("cache-control")).toMatch(/max-age=\d+/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("answers 304 to a matching If-None-Match or an If-Modified-Since at or after the change, 200 once it changed", async () => {
    const f = await running();
    await f.outlet.publish(post(), attempt());
    const first = await f.get("/feed.atom");
    const etag = first.headers.get("etag") ?? "";
    const lastModified = first.headers.get("last-modified") ?? "";
    const again = await f.get("/feed.atom", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
    expect((await f.get("/feed.atom", { headers: { "if-none-match": `"other", W/${etag}` } })).status).toBe(304);
    expect((await f.get("/feed.atom", { headers: { "if-modified-since": lastModified } })).status).toBe(304);
    // If-None-Match decides when both are given.
    const stale = { "if-none-match": '"other"', "if-modified-since": lastModified };
    expect((await f.get("/feed.atom", { headers: stale })).status).toBe(200);
    f.clock.advance(60_000);
    await f.outlet.edit({ remoteId: "A-0042" }, post({ version: 2, text: "Neu" }));
    const changed = await f.get("/feed.atom", { headers: { "if-none-match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    expect((await f.get("/feed.atom", { headers: { "if-modified-since": lastModified } })).status).toBe(200);
  });

  it("HEAD gives the headers without a body; other methods get 405 naming the allowed ones; unknown paths 404", async () => {
    const f = await running();
    const head = await f.get("/feed.json", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(0);
    expect(await head.text()).toBe("");
    const post405 = await f.get("/feed.json", { method: "POST", body: "x" });
    expect(post405.status).toBe(405);
    expect(post405.headers.get("allow")).toBe("GET, HEAD");
    for (const path of [
      "/",
      "/feed.xml",
      "/cap/nope.xml",
      "/posts/A-0001.html",
      "/media/abc",
      "/posts/../feed.rss.bak",
    ]) {
      expect([path, (await f.get(path)).status]).toEqual([path, 404]);
    }
  });

  it("a malformed path is a 400, not a crash", async () => {
    const f = await running();
    const port = f.port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/feed%E0%A4%A.rss" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(400);
    expect((await f.get("/feed.rss")).status).toBe(200);
  });

  it("a store that cannot be read gives 503 with Retry-After, and the listener keeps serving afterwards", async () => {
    const f = await running();
    await f.outlet.publish(post(), attempt());
    const real = f.store.getSetting.bind(f.store);
    let broken = true;
    f.store.getSetting = async (key) => {
      if (broken) throw new Error("store down");
      return real(key);
    };
    const down = await f.get("/feed.rss");
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("30");
    broken = false;
    expect((await f.get("/feed.rss")).status).toBe(200);
  });
});
