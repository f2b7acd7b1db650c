import nock from "nock";
import { describe, expect, it } from "vitest";
import { WahaOutlet } from "../../../adapters/whatsapp/waha.ts";
import { outletContract, PICTURE, STORED_MEDIA, type PostedMessage } from "../../contracts/outlet.contract.ts";
import { neverAnswers, strictNock } from "../../fakes/nock-gateway.ts";

const BASE = "http://waha.test:3000";
const CH = "120363000000000000@newsletter";
const KEY = "test-key";
const MESSAGES = `/api/default/chats/${encodeURIComponent(CH)}/messages`;

/** A WAHA whose engine, by configuration, reads back and (unless told otherwise) edits. */
export function wahaHarness(options: { canEdit?: boolean } = {}) {
  const strict = strictNock();
  const outlet = new WahaOutlet({
    baseUrl: BASE,
    apiKey: KEY,
    session: "default",
    channelId: CH,
    timeoutMs: 300,
    readBackGraceMs: 0,
    canEdit: options.canEdit === false ? "off" : "on",
    canReadBack: "on",
    media: async (sha256: string) => STORED_MEDIA.get(sha256),
  });
  const waha = () => nock(BASE, { reqheaders: { "x-api-key": KEY } });
  const asMessage = (m: PostedMessage) => ({
    id: m.remoteId,
    timestamp: m.timestamp,
    fromMe: true,
    body: m.text ?? "",
    hasMedia: m.media === true,
    ack: 1,
    _data: m.poll ? { Message: { pollCreationMessageV3: { name: m.poll } } } : {},
  });
  return {
    outlet,
    gateway: true,
    acceptText(text: string, remoteId: string) {
      waha()
        .post("/api/sendText", {
          session: "default",
          chatId: CH,
          text,
          linkPreview: true,
          linkPreviewHighQuality: false,
        })
        .reply(201, { id: remoteId, timestamp: 1767000000, fromMe: true, ack: 0, ackName: "PENDING", _data: {} });
    },
    acceptPoll(poll: { question: string; options: string[]; multipleChoice: boolean }, remoteId: string) {
      waha()
        .post("/api/sendPoll", {
          session: "default",
          chatId: CH,
          poll: { name: poll.question, options: poll.options, multipleAnswers: poll.multipleChoice },
        })
        .reply(201, { id: { fromMe: true, remote: CH, id: "x", _serialized: remoteId } });
    },
    acceptPicture: (caption: string, base64: string, remoteId: string) =>
      void waha()
        .post("/api/sendImage", {
          session: "default",
          chatId: CH,
          caption,
          file: { mimetype: "image/jpeg", filename: PICTURE.name, data: base64 },
        })
        .reply(201, { id: remoteId }),
    emptyAnswer: () => void waha().post("/api/sendText").reply(201, ""),
    serverError: () =>
      void waha()
        .post("/api/sendText")
        .reply(500, { statusCode: 500, exception: { message: "boom" }, request: {} }),
    slowAnswer: () => void waha().post("/api/sendText").reply(neverAnswers),
    refused: () =>
      void waha()
        .post("/api/sendText")
        .replyWithError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })),
    unauthorized: () => void waha().post("/api/sendText").reply(401, { message: "Unauthorized", statusCode: 401 }),
    sessionMissing: () =>
      void waha()
        .post("/api/sendText")
        .reply(404, { statusCode: 404, message: "We didn't find a session with name 'default'", error: "Not Found" }),
    sessionNotReady: (status: string) =>
      void waha()
        .post("/api/sendText")
        .reply(422, {
          error: "Session status is not as expected. Try again later or restart the session",
          session: "default",
          status,
          expected: ["WORKING"],
        }),
    rateLimited: (seconds: number) =>
      void waha()
        .post("/api/sendText")
        .reply(429, { message: "Too Many Requests" }, { "Retry-After": String(seconds) }),
    readBackReturns: (messages: PostedMessage[]) =>
      void waha()
        .get(MESSAGES)
        .query({ limit: "20", downloadMedia: "false", "filter.fromMe": "true" })
        .reply(200, messages.map(asMessage)),
    readBackFails: () =>
      void waha().get(MESSAGES).query(true).reply(500, { statusCode: 500, exception: {}, request: {} }),
    acceptEdit: (remoteId: string, text: string) =>
      void waha()
        .put(`${MESSAGES}/${encodeURIComponent(remoteId)}`, { text, linkPreview: true })
        .reply(200, {}),
    acceptRemove: (remoteId: string) =>
      void waha()
        .delete(`${MESSAGES}/${encodeURIComponent(remoteId)}`)
        .reply(200, {}),
    healthWorking: () => {
      waha()
        .get("/api/sessions/default")
        .reply(200, { name: "default", status: "WORKING", me: { id: "4917@c.us" }, engine: { engine: "GOWS" } });
      waha()
        .get(`/api/default/channels/${encodeURIComponent(CH)}`)
        .reply(200, { id: CH, name: "Stadt Achim", role: "ADMIN", verified: false, subscribersCount: 4200 });
    },
    healthNotWorking: (status: string) =>
      void waha()
        .get("/api/sessions/default")
        .reply(200, { name: "default", status, engine: { engine: "GOWS" } }),
    verify: () => strict.verify(),
  };
}

outletContract("WAHA", () => wahaHarness());
outletContract("WAHA, engine without edit", () => wahaHarness({ canEdit: false }));

describe("WAHA pairing", () => {
  it("asks for a pairing code for the admin phone", async () => {
    const h = wahaHarness();
    nock(BASE, { reqheaders: { "x-api-key": KEY } })
      .post("/api/default/auth/request-code", { phoneNumber: "4915112345678" })
      .reply(201, { code: "ABCD-EFGH" });
    expect(await h.outlet.pairingCode("4915112345678")).toEqual({ ok: true, kind: "code", code: "ABCD-EFGH" });
    h.verify();
  });

  it("fetches the raw QR content, and explains a session that is not waiting for pairing", async () => {
    const h = wahaHarness();
    const waha = nock(BASE, { reqheaders: { "x-api-key": KEY } });
    waha.get("/api/default/auth/qr").query({ format: "raw" }).reply(200, { value: "2@abc,def" });
    waha
      .get("/api/default/auth/qr")
      .query({ format: "raw" })
      .reply(422, { error: "Session status is not as expected" });
    expect(await h.outlet.pairingQr()).toEqual({ ok: true, kind: "qr", value: "2@abc,def" });
    expect(await h.outlet.pairingQr()).toMatchObject({
      ok: false,
      reason: expect.stringContaining("not waiting for pairing"),
    });
    h.verify();
  });
});

describe("WAHA health names the problem for people", () => {
  it("a refused key is `unauthorized`, an unknown channel `channel_unknown`", async () => {
    const h = wahaHarness();
    const waha = nock(BASE);
    waha.get("/api/sessions/default").reply(401, { message: "Unauthorized", statusCode: 401 });
    expect(await h.outlet.health()).toMatchObject({ state: "down", problem: "unauthorized" });
    waha.get("/api/sessions/default").reply(200, { name: "default", status: "WORKING", engine: { engine: "GOWS" } });
    waha.get(`/api/default/channels/${encodeURIComponent(CH)}`).reply(404, { statusCode: 404 });
    expect(await h.outlet.health()).toMatchObject({ state: "down", problem: "channel_unknown" });
    h.verify();
  });
});

describe("WAHA channel role", () => {
  it("is down, naming the channel, while the linked number is only a subscriber; checked again until it is admin", async () => {
    const h = wahaHarness();
    const waha = nock(BASE, { reqheaders: { "x-api-key": KEY } });
    const working = { name: "default", status: "WORKING", engine: { engine: "GOWS" } };
    waha.get("/api/sessions/default").times(3).reply(200, working);
    waha.get(`/api/default/channels/${encodeURIComponent(CH)}`).reply(200, { id: CH, role: "SUBSCRIBER" });
    waha.get(`/api/default/channels/${encodeURIComponent(CH)}`).reply(200, { id: CH, role: "OWNER" });
    expect(await h.outlet.health()).toEqual({
      state: "down",
      reason: `the linked number is SUBSCRIBER of channel ${CH}, not ADMIN or OWNER`,
      problem: "not_admin",
    });
    expect(await h.outlet.health()).toEqual({ state: "ok" });
    expect(await h.outlet.health()).toEqual({ state: "ok" });
    h.verify();
  });
});
