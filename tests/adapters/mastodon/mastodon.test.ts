import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  idempotencyKey,
  MASTODON_DEFAULT_LIMITS,
  MastodonOutlet,
  type MastodonOptions,
} from "../../../adapters/mastodon/mastodon.ts";
import type { DeliveryAttempt, MediaItem, Poll } from "../../../src/announcement/announcement.ts";
import type { OutboundPost } from "../../../src/ports/outlet.ts";
import { aPost, PICTURE, PICTURE_BYTES } from "../../contracts/outlet.contract.ts";
import { FakeMastodon, TOWN_ACCOUNT } from "../../fakes/fake-mastodon.ts";
import { freePort } from "../../fakes/own-servers.ts";

const TOKEN = "town-token";
const NOW = Date.parse("2026-03-02T09:00:00Z");
const VIDEO_BYTES = new Uint8Array([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 1, 2, 3]);
const VIDEO: MediaItem = { name: "bagger.mp4", mimeType: "video/mp4", bytes: VIDEO_BYTES.length, sha256: "v1d0" };
const STORED = new Map([
  [PICTURE.sha256, PICTURE_BYTES],
  [VIDEO.sha256, VIDEO_BYTES],
]);
const POLL: Poll = { question: "Welcher Termin passt?", options: ["Dienstag", "Donnerstag"], multipleChoice: true };

const fake = new FakeMastodon({
  [TOKEN]: TOWN_ACCOUNT,
  "read-only-token": { id: "5", username: "lesend", scopes: ["read"] },
});
let closedPort = 0;

beforeAll(async () => {
  await fake.start();
  closedPort = await freePort();
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.reset();
  fake.now = () => NOW;
});

const outlet = (options: Partial<MastodonOptions> = {}) =>
  new MastodonOutlet({
    baseUrl: fake.url,
    token: TOKEN,
    timeoutMs: 500,
    mediaPollIntervalMs: 1,
    now: () => NOW,
    media: async (sha256) => STORED.get(sha256),
    ...options,
  });

let attempts = 0;
const attempt = (action = "publish", post: Pick<OutboundPost, "announcementId"> = aPost()): DeliveryAttempt => ({
  id: `${post.announcementId}:mastodon:${action}:${++attempts}`,
  startedAt: new Date(NOW).toISOString(),
  fingerprint: "f00d",
});

const requestsTo = (method: string, path: string | RegExp) =>
  fake.requests.filter((r) => r.method === method && (typeof path === "string" ? r.path === path : path.test(r.path)));

const only = <T>(items: Iterable<T>): T => {
  const all = [...items];
  expect(all).toHaveLength(1);
  return all[0] as T;
};

describe("Mastodon: publishing", () => {
  it("posts the plain text publicly in German and names the status's address", async () => {
    const outcome = await outlet().publish(aPost(), attempt());
    const status = only(fake.statuses.values());
    expect(outcome).toEqual({ state: "sent", remoteId: status.id, url: `${fake.url}/@stadt/${status.id}` });
    expect(status.text).toBe(
      "Sperrung Hauptstraße ab Montag.\n- Umleitung über die Bergstraße\nhttps://achim.example/baustellen",
    );
    expect(status).toMatchObject({ visibility: "public", language: "de", inReplyToId: null });
    const sent = only(requestsTo("POST", "/api/v1/statuses"));
    expect(sent.headers["idempotency-key"]).toBe(idempotencyKey(aPost(), attempt()));
  });

  it("posts in the configured language", async () => {
    await outlet({ language: "en" }).publish(aPost(), attempt());
    expect(only(fake.statuses.values()).language).toBe("en");
  });

  it("uploads a picture with its description as alt text and attaches it", async () => {
    const outcome = await outlet().publish(aPost({ text: "Umleitung ab Montag.", media: [PICTURE] }), attempt());
    const status = only(fake.statuses.values());
    expect(outcome).toMatchObject({ state: "sent", remoteId: status.id });
    expect(status.text).toBe("Umleitung ab Montag.");
    const media = fake.media.get(only(status.mediaIds));
    expect(media).toMatchObject({ description: PICTURE.altText, mimeType: "image/jpeg", fileName: PICTURE.name });
    expect(media?.bytes.equals(Buffer.from(PICTURE_BYTES))).toBe(true);
  });

  it("waits while the instance processes a video (202, then 206) and attaches it once it is done", async () => {
    fake.processingPolls = 3;
    const outcome = await outlet().publish(aPost({ text: "Der Bagger kommt.", media: [VIDEO] }), attempt());
    expect(outcome.state).toBe("sent");
    const media = fake.media.get(only(only(fake.statuses.values()).mediaIds));
    expect(media).toMatchObject({ type: "video", processingLeft: 0 });
    expect(requestsTo("GET", `/api/v1/media/${media?.id}`)).toHaveLength(4);
  });

  it("a large picture processed in the background is waited for too", async () => {
    fake.asyncFromBytes = 1;
    fake.processingPolls = 1;
    expect((await outlet().publish(aPost({ media: [PICTURE] }), attempt())).state).toBe("sent");
    expect(only(fake.statuses.values()).mediaIds).toHaveLength(1);
  });

  it("gives up waiting for processing after the set time: nothing is published, the post is tried again later", async () => {
    fake.processingPolls = 1_000;
    const outcome = await outlet({ mediaPollIntervalMs: 1, mediaProcessingLimitMs: 5 }).publish(
      aPost({ media: [VIDEO] }),
      attempt(),
    );
    expect(outcome).toMatchObject({ state: "failed", retryable: true });
    expect(outcome.state === "failed" && outcome.reason).toMatch(/still processing bagger\.mp4/);
    expect(fake.statuses.size).toBe(0);
  });

  it("posts a poll: the question as the status, options, multiple choice and seven days to vote", async () => {
    const outcome = await outlet().publish(aPost({ text: "", poll: POLL }), attempt());
    expect(outcome.state).toBe("sent");
    const status = only(fake.statuses.values());
    expect(status.text).toBe(POLL.question);
    expect(status.poll).toEqual({
      options: POLL.options,
      multiple: true,
      expiresAt: new Date(NOW + 7 * 86_400_000).toISOString(),
    });
  });

  it("a poll closes with the post's expiry when that comes sooner, and never sooner than the instance allows", async () => {
    const soon = new Date(NOW + 2 * 86_400_000).toISOString();
    await outlet().publish(aPost({ text: "Kurz:", poll: POLL, expiresAt: soon }), attempt());
    expect(only(fake.statuses.values()).poll?.expiresAt).toBe(soon);
    fake.reset();
    fake.now = () => NOW;
    await outlet().publish(aPost({ poll: POLL, expiresAt: new Date(NOW + 60_000).toISOString() }), attempt());
    expect(only(fake.statuses.values()).poll?.expiresAt).toBe(new Date(NOW + 300_000).toISOString());
  });

  it("the poll's time is configurable", async () => {
    await outlet({ pollExpiresInS: 3600 }).publish(aPost({ poll: POLL }), attempt());
    expect(only(fake.statuses.values()).poll?.expiresAt).toBe(new Date(NOW + 3_600_000).toISOString());
  });

  it("a follow-up replies to the earlier post of its incident", async () => {
    const first = fake.seed({ text: "Hochwasserwarnung" });
    const outcome = await outlet().publish(aPost({ text: "Entwarnung", replyTo: { remoteId: first.id } }), attempt());
    expect(outcome.state).toBe("sent");
    expect([...fake.statuses.values()].find((s) => s.text === "Entwarnung")?.inReplyToId).toBe(first.id);
  });

  it("a follow-up whose earlier post was deleted still goes out, on its own", async () => {
    const outcome = await outlet().publish(aPost({ text: "Entwarnung", replyTo: { remoteId: "999" } }), attempt());
    expect(outcome.state).toBe("sent");
    expect(only(fake.statuses.values())).toMatchObject({ text: "Entwarnung", inReplyToId: null });
  });
});

describe("Mastodon: publishing again with the same key makes no second status", () => {
  it("after an answer lost on the way back, publishing again returns the status already made", async () => {
    fake.script({ dropAfter: true }, { method: "POST", path: "/api/v1/statuses" });
    const first = await outlet().publish(aPost(), attempt());
    expect(first.state).toBe("unknown");
    expect(fake.statuses.size).toBe(1);
    const again = await outlet().publish(aPost(), attempt());
    const status = only(fake.statuses.values());
    expect(again).toMatchObject({ state: "sent", remoteId: status.id });
  });

  it("after no answer in time, and from another process (a restart), too", async () => {
    fake.script({ hangAfter: true }, { method: "POST", path: "/api/v1/statuses" });
    expect((await outlet({ timeoutMs: 200 }).publish(aPost(), attempt())).state).toBe("unknown");
    const again = await outlet().publish(aPost(), attempt());
    expect(again).toMatchObject({ state: "sent", remoteId: only(fake.statuses.values()).id });
  });

  it("a picture post published again keeps one status (the repeated upload stays unattached)", async () => {
    fake.script({ dropAfter: true }, { method: "POST", path: "/api/v1/statuses" });
    const post = aPost({ text: "Umleitung", media: [PICTURE] });
    expect((await outlet().publish(post, attempt())).state).toBe("unknown");
    expect((await outlet().publish(post, attempt())).state).toBe("sent");
    expect(fake.statuses.size).toBe(1);
  });

  it("the key follows announcement, version and action, not the attempt", () => {
    const key = idempotencyKey(aPost(), attempt("publish"));
    expect(idempotencyKey(aPost(), attempt("publish"))).toBe(key);
    expect(idempotencyKey(aPost({ version: 2 }), attempt("publish"))).not.toBe(key);
    expect(idempotencyKey(aPost({ announcementId: "A-0043" }), attempt("publish"))).not.toBe(key);
    expect(idempotencyKey(aPost(), attempt("correction_post"))).not.toBe(key);
  });

  it("a new version is a new status", async () => {
    await outlet().publish(aPost(), attempt());
    await outlet().publish(aPost({ version: 2, text: "Neu" }), attempt());
    expect(fake.statuses.size).toBe(2);
  });

  it("Mastodon forgets a key after an hour: a repeat later than that posts again (why the outbox settles it sooner)", async () => {
    await outlet().publish(aPost(), attempt());
    fake.now = () => NOW + 3_600_001;
    await outlet().publish(aPost(), attempt());
    expect(fake.statuses.size).toBe(2);
  });
});

describe("Mastodon: corrections and retractions", () => {
  it("an edit replaces the text and keeps the picture", async () => {
    const sent = await outlet().publish(aPost({ text: "Umleitung ab Montg.", media: [PICTURE] }), attempt());
    const remoteId = sent.state === "sent" ? (sent.remoteId ?? "") : "";
    const mediaIds = fake.statuses.get(remoteId)?.mediaIds;
    const edited = await outlet().edit({ remoteId }, aPost({ text: "Umleitung ab *Montag*.", media: [PICTURE] }));
    expect(edited).toEqual({ state: "sent", remoteId, url: `${fake.url}/@stadt/${remoteId}` });
    expect(fake.statuses.get(remoteId)).toMatchObject({ text: "Umleitung ab Montag.", mediaIds });
    expect(fake.statuses.get(remoteId)?.editedAt).not.toBeNull();
    expect(fake.media.size).toBe(1);
  });

  it("an edit keeps a poll and its closing time", async () => {
    const sent = await outlet().publish(aPost({ text: "", poll: POLL }), attempt());
    const remoteId = sent.state === "sent" ? (sent.remoteId ?? "") : "";
    const closes = fake.statuses.get(remoteId)?.poll?.expiresAt;
    await outlet().edit({ remoteId }, aPost({ text: "Korrektur", poll: POLL }));
    expect(fake.statuses.get(remoteId)).toMatchObject({ text: `Korrektur\n\n${POLL.question}` });
    expect(fake.statuses.get(remoteId)?.poll).toEqual({ options: POLL.options, multiple: true, expiresAt: closes });
  });

  it("editing a post that is gone is 'not found'", async () => {
    expect(await outlet().edit({ remoteId: "404404" }, aPost())).toMatchObject({
      state: "failed",
      code: "not_found",
      retryable: false,
    });
  });

  it("an edit too long for the instance is refused before anything is sent", async () => {
    const status = fake.seed({ text: "Kurz" });
    const outcome = await outlet().edit({ remoteId: status.id }, aPost({ text: "x".repeat(501) }));
    expect(outcome).toMatchObject({ state: "failed", code: "bad_request", retryable: false });
    expect(fake.requests).toHaveLength(0);
  });

  it("deletes a post; deleting it again (a repeated try) is done too", async () => {
    const status = fake.seed({ text: "Falsch" });
    expect(await outlet().remove({ remoteId: status.id })).toEqual({ state: "sent", remoteId: status.id });
    expect(fake.statuses.has(status.id)).toBe(false);
    expect(await outlet().remove({ remoteId: status.id })).toEqual({ state: "sent", remoteId: status.id });
  });

  it("cannot delete another account's post (404) and says it is gone", async () => {
    const other = fake.seed({ text: "Fremd", accountId: "5" });
    expect((await outlet().remove({ remoteId: other.id })).state).toBe("sent");
    expect(fake.statuses.has(other.id)).toBe(true);
  });
});

describe("Mastodon: the instance's limits", () => {
  it("until probed, Mastodon's defaults apply (500 characters)", () => {
    expect(outlet().capabilities).toMatchObject({ maxTextLength: 500, maxCaptionLength: 500, poll: true, edit: true });
    expect(outlet().limits).toEqual(MASTODON_DEFAULT_LIMITS);
  });

  it("probe() reads characters, media and poll limits from GET /api/v2/instance", async () => {
    fake.limits = { ...fake.limits, maxCharacters: 5000, maxMediaAttachments: 8, maxPollOptions: 6 };
    const o = outlet();
    const probed = await o.probe();
    expect(probed).toMatchObject({
      ok: true,
      limits: { maxCharacters: 5000, maxMediaAttachments: 8, maxPollOptions: 6 },
    });
    expect(o.capabilities).toMatchObject({ maxTextLength: 5000, maxCaptionLength: 5000 });
    expect(o.limits.supportedMimeTypes).toContain("video/mp4");
  });

  it("a server without v2 is read from GET /api/v1/instance", async () => {
    fake.instanceV2 = false;
    fake.limits = { ...fake.limits, maxCharacters: 1000 };
    const o = outlet();
    expect((await o.probe()).ok).toBe(true);
    expect(o.capabilities.maxTextLength).toBe(1000);
  });

  it("an instance out of reach at start leaves the defaults and says why", async () => {
    const o = outlet({ baseUrl: `http://127.0.0.1:${closedPort}` });
    expect(await o.probe()).toMatchObject({ ok: false, reason: expect.stringMatching(/not reachable/) });
    expect(o.capabilities.maxTextLength).toBe(500);
  });

  it("counts every link as 23 characters, as the instance does: a long link does not make a post too long", async () => {
    const link = `https://achim.example/${"baustellen/".repeat(20)}plan.pdf`;
    const text = `${"a".repeat(470)} ${link}.`;
    expect((await outlet().publish(aPost({ text }), attempt())).state).toBe("sent");
  });

  it("a text too long for the instance is refused with the count, before any upload", async () => {
    const outcome = await outlet().publish(aPost({ text: "ä".repeat(501), media: [PICTURE] }), attempt());
    expect(outcome).toMatchObject({ state: "failed", code: "bad_request", retryable: false });
    expect(outcome.state === "failed" && outcome.reason).toMatch(/501 characters.*allows 500/);
    expect(fake.requests).toHaveLength(0);
  });

  it("a poll with more options than the instance takes is refused; after probing a larger limit it goes out", async () => {
    const poll = { ...POLL, options: ["Mo", "Di", "Mi", "Do", "Fr"] };
    const o = outlet();
    expect(await o.publish(aPost({ poll }), attempt())).toMatchObject({ state: "failed", code: "bad_request" });
    fake.limits = { ...fake.limits, maxPollOptions: 5 };
    await o.probe();
    expect((await o.publish(aPost({ poll }), attempt())).state).toBe("sent");
  });

  it("a poll option longer than the instance allows is refused", async () => {
    const poll = { ...POLL, options: ["kurz", "l".repeat(51)] };
    const outcome = await outlet().publish(aPost({ poll }), attempt());
    expect(outcome.state === "failed" && outcome.reason).toMatch(/longer than the instance's 50 characters/);
  });

  it("more files than the instance takes, or a video with other files, is refused", async () => {
    const five = Array.from({ length: 5 }, () => PICTURE);
    expect(await outlet().publish(aPost({ media: five }), attempt())).toMatchObject({ code: "bad_request" });
    expect(await outlet().publish(aPost({ media: [PICTURE, VIDEO] }), attempt())).toMatchObject({
      code: "bad_request",
    });
    expect(fake.requests).toHaveLength(0);
  });

  it("a file type the instance does not take is refused once its list is known", async () => {
    fake.limits = { ...fake.limits, supportedMimeTypes: ["image/png"] };
    const o = outlet();
    await o.probe();
    const outcome = await o.publish(aPost({ media: [PICTURE] }), attempt());
    expect(outcome.state === "failed" && outcome.reason).toMatch(/does not take image\/jpeg/);
  });

  it("a long description is cut to the instance's limit", async () => {
    const long = { ...PICTURE, altText: "Karte ".repeat(400) };
    expect((await outlet().publish(aPost({ media: [long] }), attempt())).state).toBe("sent");
    expect([...(only(fake.media.values()).description ?? "")]).toHaveLength(1500);
  });
});

describe("Mastodon: errors", () => {
  it("a revoked token is 'unauthorized', not retried by itself", async () => {
    const outcome = await outlet({ token: "revoked" }).publish(aPost(), attempt());
    expect(outcome).toMatchObject({ state: "failed", code: "unauthorized", retryable: false });
    expect(outcome.state === "failed" && outcome.reason).toMatch(/401: The access token is invalid.*MASTODON_TOKEN/);
  });

  it("a token without the write scope is 'unauthorized' and names the scopes needed", async () => {
    const outcome = await outlet({ token: "read-only-token" }).publish(aPost(), attempt());
    expect(outcome).toMatchObject({ state: "failed", code: "unauthorized" });
    expect(outcome.state === "failed" && outcome.reason).toMatch(/403: This action is outside.*write:statuses/);
  });

  it("422 is a bad request with Mastodon's reason, not retried", async () => {
    fake.limits = { ...fake.limits, maxCharacters: 10 };
    const outcome = await outlet().publish(aPost({ text: "Zwölf Zeichen." }), attempt());
    expect(outcome).toMatchObject({ state: "failed", code: "bad_request", retryable: false });
    expect(outcome.state === "failed" && outcome.reason).toMatch(/422: Validation failed: Text character limit of 10/);
  });

  it("429 waits until X-RateLimit-Reset", async () => {
    fake.rateLimit(90, { method: "POST", path: "/api/v1/statuses" });
    expect(await outlet().publish(aPost(), attempt())).toMatchObject({
      state: "failed",
      code: "rate_limited",
      retryable: true,
      retryAfterMs: 90_000,
    });
  });

  it("429 on an upload waits as well", async () => {
    fake.rateLimit(30, { method: "POST", path: "/api/v2/media" });
    expect(await outlet().publish(aPost({ media: [PICTURE] }), attempt())).toMatchObject({
      code: "rate_limited",
      retryAfterMs: 30_000,
    });
  });

  it("503 or no answer to the status is unknown (it may be out)", async () => {
    fake.script({ respond: 503, body: { error: "Service Unavailable" } }, { path: "/api/v1/statuses" });
    expect((await outlet().publish(aPost(), attempt())).state).toBe("unknown");
    fake.script({ hang: true }, { path: "/api/v1/statuses" });
    expect((await outlet({ timeoutMs: 100 }).publish(aPost(), attempt())).state).toBe("unknown");
  });

  it("a failed upload published nothing: retried later, never unknown", async () => {
    fake.script({ respond: 503, body: { error: "Service Unavailable" } }, { path: "/api/v2/media" });
    const outcome = await outlet().publish(aPost({ media: [PICTURE] }), attempt());
    expect(outcome).toMatchObject({ state: "failed", retryable: true });
    fake.script({ drop: true }, { path: "/api/v2/media" });
    expect((await outlet().publish(aPost({ media: [PICTURE] }), attempt())).state).toBe("failed");
    expect(fake.statuses.size).toBe(0);
  });

  it("an upload the instance refuses (422) is a bad request with its reason", async () => {
    fake.limits = { ...fake.limits, supportedMimeTypes: ["image/png"] };
    const outcome = await outlet().publish(aPost({ media: [PICTURE] }), attempt());
    expect(outcome).toMatchObject({ state: "failed", code: "bad_request", retryable: false });
    expect(outcome.state === "failed" && outcome.reason).toMatch(
      /image\/jpeg is not supported.*uploading umleitung\.jpg/,
    );
  });

  it("a refused connection is 'unreachable': nothing was sent", async () => {
    expect(await outlet({ baseUrl: `http://127.0.0.1:${closedPort}` }).publish(aPost(), attempt())).toMatchObject({
      state: "failed",
      code: "unreachable",
      retryable: true,
    });
  });

  it("a file missing from the store is refused before anything is sent", async () => {
    const gone = { ...PICTURE, sha256: "gone" };
    expect(await outlet().publish(aPost({ media: [gone] }), attempt())).toMatchObject({ code: "bad_request" });
    expect(fake.requests).toHaveLength(0);
  });
});

describe("Mastodon: read-back and health", () => {
  it("read-back finds a post whose answer was lost, with its address", async () => {
    fake.script({ dropAfter: true }, { path: "/api/v1/statuses" });
    const a = attempt();
    await outlet().publish(aPost(), a);
    const status = only(fake.statuses.values());
    expect(await outlet().readBack(aPost(), a)).toEqual({
      state: "found",
      remoteId: status.id,
      url: `${fake.url}/@stadt/${status.id}`,
    });
  });

  it("read-back does not take another account's post, nor an older one", async () => {
    fake.seed({ text: "Hochwasser", accountId: "5" });
    fake.seed({ text: "Hochwasser", createdAt: new Date(NOW - 3_600_000).toISOString() });
    expect(await outlet().readBack(aPost({ text: "Hochwasser" }), attempt())).toEqual({ state: "not_found" });
  });

  it("health is ok with a working token", async () => {
    expect(await outlet().health()).toEqual({ state: "ok" });
    expect(only(fake.requests).path).toBe("/api/v1/accounts/verify_credentials");
  });

  it("health names a refused token, an unreachable instance and a failing one", async () => {
    expect(await outlet({ token: "revoked" }).health()).toMatchObject({ state: "down", problem: "unauthorized" });
    expect(await outlet({ baseUrl: `http://127.0.0.1:${closedPort}` }).health()).toMatchObject({
      state: "down",
      problem: "unreachable",
    });
    fake.script({ respond: 502, body: "<html>Bad Gateway</html>" }, { path: "/api/v1/accounts/verify_credentials" });
    const failing = await outlet().health();
    expect(failing).toMatchObject({ state: "down", problem: "unexpected" });
    expect(failing.state !== "ok" && failing.reason).toMatch(/answered 502/);
  });
});
