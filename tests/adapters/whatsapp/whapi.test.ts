import nock from "nock";
import { WhapiOutlet } from "../../../adapters/whatsapp/whapi.ts";
import { outletContract, STORED_MEDIA, type PostedMessage } from "../../contracts/outlet.contract.ts";
import { neverAnswers, strictNock } from "../../fakes/nock-gateway.ts";
import { describe, expect, it } from "vitest";
import { aPost } from "../../contracts/outlet.contract.ts";

const BASE = "https://whapi.test";
const CH = "120363171744447809@newsletter";
const TOKEN = "whapi-token";

function whapiHarness() {
  const strict = strictNock();
  const outlet = new WhapiOutlet({
    token: TOKEN,
    channelId: CH,
    baseUrl: BASE,
    timeoutMs: 300,
    readBackGraceMs: 0,
    media: async (sha256: string) => STORED_MEDIA.get(sha256),
  });
  const whapi = () => nock(BASE, { reqheaders: { authorization: `Bearer ${TOKEN}` } });
  const sent = (id: string, type: string) => ({
    sent: true,
    message: { id, type, chat_id: CH, from_me: true, timestamp: 1700000000, status: "pending" },
  });
  const asMessage = (m: PostedMessage) => ({
    id: m.remoteId,
    type: m.poll ? "poll" : "text",
    chat_id: CH,
    from_me: true,
    timestamp: m.timestamp,
    ...(m.poll
      ? { poll: { title: m.poll, options: [] } }
      : m.media
        ? { image: { caption: m.text ?? "", mime_type: "image/jpeg" } }
        : { text: { body: m.text ?? "" } }),
  });
  return {
    outlet,
    gateway: true,
    acceptText: (text: string, remoteId: string) =>
      void whapi()
        .post("/messages/text", { to: CH, body: text, no_link_preview: false })
        .reply(200, sent(remoteId, "text")),
    acceptPoll: (poll: { question: string; options: string[]; multipleChoice: boolean }, remoteId: string) =>
      void whapi()
        .post("/messages/poll", {
          to: CH,
          title: poll.question,
          options: poll.options,
          count: poll.multipleChoice ? 0 : 1,
        })
        .reply(200, sent(remoteId, "poll")),
    acceptPicture: (caption: string, base64: string, remoteId: string) =>
      void whapi()
        .post("/messages/image", {
          to: CH,
          media: `data:image/jpeg;base64,${base64}`,
          mime_type: "image/jpeg",
          caption,
        })
        .reply(200, sent(remoteId, "image")),
    emptyAnswer: () => void whapi().post("/messages/text").reply(200, ""),
    serverError: () => void whapi().post("/messages/text").reply(502, "Bad Gateway"),
    slowAnswer: () => void whapi().post("/messages/text").reply(neverAnswers),
    refused: () =>
      void whapi()
        .post("/messages/text")
        .replyWithError(Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" })),
    unauthorized: () =>
      void whapi()
        .post("/messages/text")
        .reply(401, { error: { code: 401, message: "Unauthorized" } }),
    sessionMissing: () =>
      void whapi()
        .post("/messages/text")
        .reply(404, { error: { code: 404, message: "Channel not found" } }),
    rateLimited: (seconds: number) =>
      void whapi()
        .post("/messages/text")
        .reply(429, { error: { code: 429, message: "Too many requests" } }, { "Retry-After": String(seconds) }),
    readBackReturns: (messages: PostedMessage[]) =>
      void whapi()
        .get(`/newsletters/${encodeURIComponent(CH)}/messages`)
        .query({ count: "20" })
        .reply(200, { messages: messages.map(asMessage), count: messages.length, total: messages.length }),
    readBackFails: () =>
      void whapi()
        .get(`/newsletters/${encodeURIComponent(CH)}/messages`)
        .query(true)
        .reply(503, ""),
    acceptEdit: (remoteId: string, text: string) =>
      void whapi()
        .post("/messages/text", { to: CH, body: text, no_link_preview: false, edit: remoteId })
        .reply(200, sent(remoteId, "text")),
    acceptRemove: (remoteId: string) =>
      void whapi()
        .delete(`/messages/${encodeURIComponent(remoteId)}`)
        .reply(200, { success: true }),
    healthWorking: () =>
      void whapi()
        .get("/health")
        .reply(200, { status: { code: 4, text: "AUTH" } }),
    healthNotWorking: (status: string) =>
      void whapi()
        .get("/health")
        .reply(200, { status: { code: 2, text: status === "SCAN_QR_CODE" ? "QR" : status } }),
    verify: () => strict.verify(),
  };
}

outletContract("Whapi.Cloud", whapiHarness);

describe("Whapi.Cloud specifics", () => {
  it("sent:false is a refusal, not an unknown outcome", async () => {
    const strict = strictNock();
    nock(BASE).post("/messages/text").reply(200, { sent: false });
    const outlet = new WhapiOutlet({ token: TOKEN, channelId: CH, baseUrl: BASE, media: async () => undefined });
    expect(
      await outlet.publish(aPost(), { id: "a", startedAt: new Date().toISOString(), fingerprint: "f" }),
    ).toMatchObject({
      state: "failed",
      code: "not_sent",
      retryable: false,
    });
    strict.verify();
  });

  it("accepted without a message id is unknown, to be confirmed by read-back", async () => {
    const strict = strictNock();
    nock(BASE).post("/messages/text").reply(200, { sent: true });
    const outlet = new WhapiOutlet({ token: TOKEN, channelId: CH, baseUrl: BASE, media: async () => undefined });
    expect(
      (await outlet.publish(aPost(), { id: "a", startedAt: new Date().toISOString(), fingerprint: "f" })).state,
    ).toBe("unknown");
    strict.verify();
  });
});
