import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RETRACTED_NOTICE, TelegramOutlet } from "../../../adapters/telegram/telegram.ts";
import type { DeliveryAttempt, MediaItem, Poll } from "../../../src/announcement/announcement.ts";
import { plainText } from "../../../src/render/plain.ts";
import { aPost, PICTURE, PICTURE_CAPTION, STORED_MEDIA } from "../../contracts/outlet.contract.ts";
import { FakeTelegram } from "../../fakes/fake-telegram.ts";

// The shared outlet contract (tests/contracts/outlet.contract.ts) fixes WhatsApp-shaped message ids and expects a
// read-back, which a Telegram bot cannot do; its cases are covered here against a fake of the Bot API instead.

const VIDEO: MediaItem = { name: "baustelle.mp4", mimeType: "video/mp4", bytes: 6, sha256: "v1de0" };
const VIDEO_BYTES = new Uint8Array([0, 0, 0, 0x18, 0x66, 0x74]);
const media = new Map([...STORED_MEDIA, [VIDEO.sha256, VIDEO_BYTES]]);
const POLL: Poll = { question: "Welcher Termin passt?", options: ["Dienstag", "Donnerstag"], multipleChoice: true };

const attempt: DeliveryAttempt = {
  id: "A-0042:telegram:publish:1",
  startedAt: new Date().toISOString(),
  fingerprint: "f00d",
};

let fake: FakeTelegram | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function setup(options: { username?: string | null; chatId?: string; token?: string } = {}) {
  const f = new FakeTelegram({ username: options.username });
  fake = f;
  const apiUrl = await f.start();
  const outlet = new TelegramOutlet({
    token: options.token ?? f.token,
    chatId: options.chatId ?? (options.username === null ? String(f.channel.id) : "@stadt_achim"),
    apiUrl,
    timeoutMs: 400,
    media: async (sha256) => media.get(sha256),
  });
  return { fake: f, outlet };
}

describe("Telegram outlet: publishing", () => {
  it("declares what a Telegram channel takes, and that a send cannot be repeated safely", async () => {
    const { outlet } = await setup();
    expect(outlet.id).toBe("telegram");
    expect(outlet.capabilities).toEqual({
      text: true,
      image: true,
      video: true,
      poll: true,
      edit: true,
      delete: true,
      maxTextLength: 4096,
      maxCaptionLength: 1024,
    });
    expect(outlet.idempotent).toBe(false);
    expect(outlet.handoff).toBe(false);
  });

  it("sends a text as HTML and names its public address", async () => {
    const { fake, outlet } = await setup();
    expect(await outlet.publish(aPost(), attempt)).toEqual({
      state: "sent",
      remoteId: "text:1",
      url: "https://t.me/stadt_achim/1",
    });
    const [call] = fake.calls("sendMessage");
    expect(call?.params).toMatchObject({ chat_id: "@stadt_achim", parse_mode: "HTML" });
    expect(call?.params.text).toContain("<b>Sperrung</b>");
    expect(fake.message(1)).toMatchObject({ kind: "text", text: plainText(aPost().text) });
    expect(fake.message(1)?.entities).toEqual([{ type: "bold", offset: 0, length: "Sperrung".length }]);
  });

  it("a private channel, named by its numeric id, has no public address", async () => {
    const { fake, outlet } = await setup({ username: null });
    expect(await outlet.publish(aPost(), attempt)).toEqual({ state: "sent", remoteId: "text:1" });
    expect(fake.calls("sendMessage")[0]?.params.chat_id).toBe(fake.channel.id);
  });

  it("uploads a picture with the text and its description as the caption", async () => {
    const { fake, outlet } = await setup();
    const post = aPost({ text: "Umleitung ab *Montag*.", media: [PICTURE] });
    expect(await outlet.publish(post, attempt)).toMatchObject({ state: "sent", remoteId: "photo:1" });
    const call = fake.calls("sendPhoto")[0];
    expect(call?.contentType).toMatch(/^multipart\/form-data/);
    expect(call?.files.photo).toMatchObject({ name: PICTURE.name, type: "image/jpeg" });
    expect(new Uint8Array(call?.files.photo?.bytes ?? [])).toEqual(STORED_MEDIA.get(PICTURE.sha256));
    expect(fake.message(1)?.text).toBe(plainText(PICTURE_CAPTION.replace("Montag", "*Montag*")));
  });

  it("uploads a video", async () => {
    const { fake, outlet } = await setup();
    expect(await outlet.publish(aPost({ text: "Baustelle", media: [VIDEO] }), attempt)).toMatchObject({
      state: "sent",
      remoteId: "video:1",
    });
    const call = fake.calls("sendVideo")[0];
    expect(call?.files.video).toMatchObject({ name: VIDEO.name, type: "video/mp4" });
    expect(call?.params.supports_streaming).toBe("true");
    expect(fake.message(1)).toMatchObject({ kind: "video", text: "Baustelle" });
  });

  it("sends nothing when the file is missing from the store", async () => {
    const { fake, outlet } = await setup();
    const gone = { ...PICTURE, sha256: "missing" };
    expect(await outlet.publish(aPost({ media: [gone] }), attempt)).toMatchObject({
      state: "failed",
      code: "bad_request",
      retryable: false,
    });
    expect(fake.requests).toEqual([]);
  });

  it("sends a poll as an anonymous one, as channels require", async () => {
    const { fake, outlet } = await setup();
    expect(await outlet.publish(aPost({ text: "", poll: POLL }), attempt)).toMatchObject({
      state: "sent",
      remoteId: "poll:1",
    });
    expect(fake.calls("sendPoll")[0]?.params).toMatchObject({
      question: POLL.question,
      options: [{ text: "Dienstag" }, { text: "Donnerstag" }],
      is_anonymous: true,
      allows_multiple_answers: true,
    });
    expect(fake.message(1)?.poll).toMatchObject({ question: POLL.question, options: POLL.options });
  });

  it.each([
    ["too many options", { ...POLL, options: Array.from({ length: 13 }, (_, i) => `Tag ${i + 1}`) }, /2 to 12/],
    ["a question too long", { ...POLL, question: "x".repeat(301) }, /1 to 300/],
    // 51 code points, but 101 UTF-16 code units as Telegram counts.
    ["an option too long in UTF-16", { ...POLL, options: ["Ja", `${"🚧".repeat(50)}!`] }, /1 to 100 .* has 101/],
  ])("refuses a poll with %s before sending it", async (_what, poll, why) => {
    const { fake, outlet } = await setup();
    const outcome = await outlet.publish(aPost({ text: "", poll }), attempt);
    expect(outcome).toMatchObject({ state: "failed", code: "bad_request", retryable: false });
    expect(outcome.state === "failed" && outcome.reason).toMatch(why);
    expect(fake.requests).toEqual([]);
  });

  it("refuses a text Telegram would count too long (an emoji counts twice) before sending it", async () => {
    const { fake, outlet } = await setup();
    const outcome = await outlet.publish(aPost({ text: "🚧".repeat(2100) }), attempt);
    expect(outcome).toMatchObject({ state: "failed", code: "bad_request", retryable: false });
    expect(outcome.state === "failed" && outcome.reason).toMatch(/4200 .*limit of 4096/);
    expect(fake.requests).toEqual([]);
  });

  it("takes a text of exactly 4096 after the marks are gone, and a caption of exactly 1024", async () => {
    const { fake, outlet } = await setup();
    expect((await outlet.publish(aPost({ text: `*${"a".repeat(4093)}* 🚧` }), attempt)).state).toBe("sent");
    const suffix = PICTURE_CAPTION.length - "Umleitung ab Montag.".length;
    const post = aPost({ text: `*${"b".repeat(1024 - suffix)}*`, media: [PICTURE] });
    expect((await outlet.publish(post, attempt)).state).toBe("sent");
    expect(fake.messages.map((m) => m.text.length)).toEqual([4096, 1024]);
  });

  it("a follow-up replies to the earlier post, even when that post is gone", async () => {
    const { fake, outlet } = await setup();
    const first = await outlet.publish(aPost(), attempt);
    const remoteId = first.state === "sent" ? (first.remoteId ?? "") : "";
    await outlet.publish(aPost({ text: "Update: frei ab 14 Uhr", replyTo: { remoteId } }), attempt);
    expect(fake.message(2)?.replyTo).toBe(1);
    expect(fake.calls("sendMessage")[1]?.params.reply_parameters).toEqual({
      message_id: 1,
      allow_sending_without_reply: true,
    });
    await outlet.remove({ remoteId });
    const photo = aPost({ text: "Entwarnung", media: [PICTURE], replyTo: { remoteId } });
    expect(await outlet.publish(photo, attempt)).toMatchObject({ state: "sent", remoteId: "photo:3" });
    expect(fake.calls("sendPhoto")[0]?.params.reply_parameters).toBe(
      JSON.stringify({ message_id: 1, allow_sending_without_reply: true }),
    );
  });

  it("cannot read the channel back: an unclear send goes to a person", async () => {
    const { fake, outlet } = await setup();
    expect(await outlet.readBack(aPost(), attempt)).toEqual({
      state: "unavailable",
      reason: "Telegram bots cannot read channel history; please check the channel",
    });
    expect(fake.requests).toEqual([]);
  });
});

describe("Telegram outlet: corrections and retractions", () => {
  it("edits a text post's text, and a repeated edit is done, not an error", async () => {
    const { fake, outlet } = await setup();
    await outlet.publish(aPost(), attempt);
    const edited = { state: "sent", remoteId: "text:1", url: "https://t.me/stadt_achim/1" };
    expect(await outlet.edit({ remoteId: "text:1" }, aPost({ text: "_Korrigiert_" }))).toEqual(edited);
    expect(fake.message(1)).toMatchObject({ text: "Korrigiert", edits: 1 });
    expect(fake.message(1)?.entities).toEqual([{ type: "italic", offset: 0, length: 10 }]);
    expect(await outlet.edit({ remoteId: "text:1" }, aPost({ text: "_Korrigiert_" }))).toEqual({
      state: "sent",
      remoteId: "text:1",
    });
    expect(fake.calls("editMessageText")).toHaveLength(2);
  });

  it("edits a picture's caption, description included", async () => {
    const { fake, outlet } = await setup();
    await outlet.publish(aPost({ text: "Umleitung ab Montag.", media: [PICTURE] }), attempt);
    const fixed = aPost({ text: "Umleitung ab Dienstag.", media: [PICTURE] });
    expect(await outlet.edit({ remoteId: "photo:1" }, fixed)).toMatchObject({ state: "sent", remoteId: "photo:1" });
    expect(fake.calls("editMessageCaption")).toHaveLength(1);
    expect(fake.calls("editMessageText")).toHaveLength(0);
    expect(fake.message(1)?.text).toBe(PICTURE_CAPTION.replace("Montag", "Dienstag"));
  });

  it("cannot edit a poll, nor a post id that is not its own", async () => {
    const { fake, outlet } = await setup();
    expect(await outlet.edit({ remoteId: "poll:1" }, aPost())).toMatchObject({ state: "failed", code: "bad_request" });
    expect(await outlet.edit({ remoteId: "true_1203@newsletter_X" }, aPost())).toMatchObject({ state: "failed" });
    expect(await outlet.remove({ remoteId: "42" })).toMatchObject({ state: "failed", code: "bad_request" });
    expect(fake.requests).toEqual([]);
  });

  it("deletes a post within 48 hours; deleting it again is done", async () => {
    const { fake, outlet } = await setup();
    await outlet.publish(aPost(), attempt);
    fake.advanceHours(47);
    expect(await outlet.remove({ remoteId: "text:1" })).toEqual({ state: "sent", remoteId: "text:1" });
    expect(fake.message(1)?.deleted).toBe(true);
    expect(await outlet.remove({ remoteId: "text:1" })).toEqual({ state: "sent", remoteId: "text:1" });
  });

  it("after 48 hours turns a text post into a retraction notice, also when repeated", async () => {
    const { fake, outlet } = await setup();
    await outlet.publish(aPost(), attempt);
    fake.advanceHours(48);
    expect(await outlet.remove({ remoteId: "text:1" })).toMatchObject({ state: "sent", remoteId: "text:1" });
    expect(fake.message(1)).toMatchObject({ deleted: false, text: RETRACTED_NOTICE });
    expect(await outlet.remove({ remoteId: "text:1" })).toMatchObject({ state: "sent", remoteId: "text:1" });
    expect(RETRACTED_NOTICE).toMatch(/^⚠️ Zurückgezogen: /);
  });

  it("after 48 hours puts the notice in a picture's caption", async () => {
    const { fake, outlet } = await setup();
    await outlet.publish(aPost({ text: "Umleitung", media: [PICTURE] }), attempt);
    fake.advanceHours(72);
    expect(await outlet.remove({ remoteId: "photo:1" })).toMatchObject({ state: "sent" });
    expect(fake.calls("editMessageCaption")).toHaveLength(1);
    expect(fake.message(1)).toMatchObject({ deleted: false, text: RETRACTED_NOTICE });
  });

  it("after 48 hours closes a poll and leaves its deletion to a person", async () => {
    const { fake, outlet } = await setup();
    await outlet.publish(aPost({ text: "", poll: POLL }), attempt);
    fake.advanceHours(49);
    const outcome = await outlet.remove({ remoteId: "poll:1" });
    expect(outcome).toMatchObject({ state: "failed", code: "bad_request", retryable: false });
    expect(outcome.state === "failed" && outcome.reason).toMatch(/older than 48 hours.*by hand/);
    expect(fake.message(1)?.poll?.is_closed).toBe(true);
    expect((await outlet.remove({ remoteId: "poll:1" })).state).toBe("failed");
  });

  it("a poll within 48 hours is simply deleted", async () => {
    const { fake, outlet } = await setup();
    await outlet.publish(aPost({ text: "", poll: POLL }), attempt);
    expect(await outlet.remove({ remoteId: "poll:1" })).toEqual({ state: "sent", remoteId: "poll:1" });
    expect(fake.message(1)?.deleted).toBe(true);
  });

  it("a 5xx on a deletion is unknown (the outbox repeats it)", async () => {
    const { fake, outlet } = await setup();
    await outlet.publish(aPost(), attempt);
    fake.failNext("deleteMessage", { status: 502, description: "Bad Gateway" });
    expect((await outlet.remove({ remoteId: "text:1" })).state).toBe("unknown");
  });
});

describe("Telegram outlet: what an error means", () => {
  it("429 waits as long as Telegram says in retry_after", async () => {
    const { fake, outlet } = await setup();
    fake.failNext("sendMessage", { status: 429, description: "Too Many Requests: retry after 42", retryAfter: 42 });
    expect(await outlet.publish(aPost(), attempt)).toMatchObject({
      state: "failed",
      code: "rate_limited",
      retryable: true,
      retryAfterMs: 42_000,
    });
    expect(fake.messages).toEqual([]);
  });

  it("a refused token is unauthorized", async () => {
    const { outlet } = await setup({ token: "123:wrong" });
    expect(await outlet.publish(aPost(), attempt)).toMatchObject({
      state: "failed",
      code: "unauthorized",
      retryable: false,
      reason: expect.stringContaining("TELEGRAM_BOT_TOKEN"),
    });
  });

  it("an unknown chat is not_found, with the chat named", async () => {
    const { outlet } = await setup({ chatId: "@gibts_nicht" });
    const outcome = await outlet.publish(aPost(), attempt);
    expect(outcome).toMatchObject({ state: "failed", code: "not_found", retryable: false });
    expect(outcome.state === "failed" && outcome.reason).toMatch(/@gibts_nicht.*chat not found.*TELEGRAM_CHAT_ID/);
  });

  it.each([
    ["left", true, /403 Forbidden: bot is not a member/],
    ["member", true, /need administrator rights/],
    ["administrator", false, /need administrator rights/],
  ] as const)(
    "a bot that is %s (may post: %s) waits for an admin to give it the right",
    async (status, canPost, why) => {
      const { fake, outlet } = await setup();
      fake.botStatus = status;
      fake.canPostMessages = canPost;
      const outcome = await outlet.publish(aPost(), attempt);
      expect(outcome).toMatchObject({ state: "failed", code: "unauthorized", retryable: false });
      expect(outcome.state === "failed" && outcome.reason).toMatch(why);
      expect(outcome.state === "failed" && outcome.reason).toMatch(/administrator of the channel/);
    },
  );

  it("any other 400 is a bad request, not retried, with Telegram's words", async () => {
    const { fake, outlet } = await setup();
    fake.failNext("sendPhoto", { status: 400, description: "Bad Request: IMAGE_PROCESS_FAILED" });
    const outcome = await outlet.publish(aPost({ media: [PICTURE] }), attempt);
    expect(outcome).toMatchObject({ state: "failed", code: "bad_request", retryable: false });
    expect(outcome.state === "failed" && outcome.reason).toMatch(/sendPhoto.*IMAGE_PROCESS_FAILED/);
  });

  it.each([
    ["a server error", { status: 500, description: "Internal Server Error" }],
    ["no answer in time", "hang"],
    ["a connection cut before the answer", "drop"],
    ["a connection cut after the post went out", "drop_after"],
  ] as const)("%s on a send is an unknown outcome", async (_what, how) => {
    const { fake, outlet } = await setup();
    fake.failNext("sendMessage", how);
    expect((await outlet.publish(aPost(), attempt)).state).toBe("unknown");
  });

  it("a refused connection sent nothing and may be retried", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const outlet = new TelegramOutlet({
      token: "1:x",
      chatId: "@stadt_achim",
      apiUrl: `http://127.0.0.1:${port}`,
      media: async () => undefined,
    });
    expect(await outlet.publish(aPost(), attempt)).toMatchObject({
      state: "failed",
      code: "unreachable",
      retryable: true,
    });
    expect(await outlet.health()).toMatchObject({ state: "down", problem: "unreachable" });
  });

  it("a 2xx without Telegram's envelope is unknown, never success", async () => {
    const odd = createServer((_req, res) => res.end(""));
    await new Promise<void>((resolve) => odd.listen(0, "127.0.0.1", resolve));
    const { port } = odd.address() as AddressInfo;
    const outlet = new TelegramOutlet({
      token: "1:x",
      chatId: "@stadt_achim",
      apiUrl: `http://127.0.0.1:${port}/`,
      media: async () => undefined,
    });
    try {
      expect((await outlet.publish(aPost(), attempt)).state).toBe("unknown");
    } finally {
      odd.closeAllConnections();
      await new Promise((resolve) => odd.close(resolve));
    }
  });
});

describe("Telegram outlet: health", () => {
  it("is ok when the bot is an admin of the channel that may post", async () => {
    const { fake, outlet } = await setup();
    expect(await outlet.health()).toEqual({ state: "ok" });
    expect(fake.calls("getChatMember")[0]?.params).toEqual({ chat_id: "@stadt_achim", user_id: fake.bot.id });
  });

  it("names a refused token", async () => {
    const { outlet } = await setup({ token: "123:wrong" });
    expect(await outlet.health()).toMatchObject({ state: "down", problem: "unauthorized" });
  });

  it("names an unknown channel", async () => {
    const { outlet } = await setup({ chatId: "@gibts_nicht" });
    expect(await outlet.health()).toMatchObject({ state: "down", problem: "channel_unknown" });
  });

  it.each([
    ["left", true, /is left of @stadt_achim/],
    ["member", true, /is member of @stadt_achim, not an administrator/],
    ["administrator", false, /without the right to post messages/],
  ] as const)("says not_admin when the bot is %s (may post: %s)", async (status, canPost, why) => {
    const { fake, outlet } = await setup();
    fake.botStatus = status;
    fake.canPostMessages = canPost;
    const health = await outlet.health();
    expect(health).toMatchObject({ state: "down", problem: "not_admin" });
    expect(health.state !== "ok" && health.reason).toMatch(why);
  });

  it("a rate limit or a server error is unexpected, not down for good", async () => {
    const { fake, outlet } = await setup();
    fake.failNext("getMe", { status: 502, description: "Bad Gateway" });
    expect(await outlet.health()).toMatchObject({ state: "degraded", problem: "unexpected" });
  });
});
