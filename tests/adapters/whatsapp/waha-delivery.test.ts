import nock from "nock";
import { describe, expect, it } from "vitest";
import { WahaOutlet } from "../../../adapters/whatsapp/waha.ts";
import { neverAnswers, strictNock } from "../../fakes/nock-gateway.ts";
import { approvedThrough } from "../../fakes/outlet-delivery.ts";

const BASE = "http://waha.test:3000";
const CH = "120363000000000000@newsletter";
const MESSAGES = `/api/default/chats/${encodeURIComponent(CH)}/messages`;
const TEXT = "Hauptstraße ab Montag gesperrt.";

async function approvedThroughWaha() {
  const outlet = new WahaOutlet({
    baseUrl: BASE,
    apiKey: "k",
    session: "default",
    channelId: CH,
    timeoutMs: 200,
    readBackGraceMs: 0,
    canReadBack: "on",
    media: async () => undefined,
  });
  return approvedThrough(outlet, TEXT);
}

const waha = () => nock(BASE);
const readBack = (messages: object[]) =>
  waha().get(MESSAGES).query({ limit: "20", downloadMedia: "false", "filter.fromMe": "true" }).reply(200, messages);
const ours = () => ({ id: "true_found", timestamp: Math.floor(Date.now() / 1000), fromMe: true, body: TEXT });

describe("delivery through WAHA: unknown outcomes are read back, never re-sent blindly", () => {
  it("empty 201, read-back finds the post: published, sent once", async () => {
    const strict = strictNock();
    const { store, outbox, clock, id } = await approvedThroughWaha();
    const send = waha().post("/api/sendText").once().reply(201, "");
    await outbox.runOnce();
    expect(send.isDone()).toBe(true);
    readBack([ours()]);
    clock.advance(2_000);
    await outbox.runOnce();
    const a = await store.get(id);
    expect(a?.state).toBe("published");
    expect(a?.deliveries[0]?.receipt?.remoteId).toBe("true_found");
    expect(a?.events.filter((e) => e.event === "delivery_started")).toHaveLength(1);
    strict.verify();
  });

  it("time-out, read-back misses it twice: exactly one re-send", async () => {
    const strict = strictNock();
    const { store, outbox, clock, id } = await approvedThroughWaha();
    waha().post("/api/sendText").reply(neverAnswers);
    await outbox.runOnce();
    readBack([]);
    clock.advance(2_000);
    await outbox.runOnce();
    expect((await store.get(id))?.deliveries[0]?.state).toBe("sending");
    readBack([]);
    waha().post("/api/sendText").once().reply(201, { id: "true_second" });
    clock.advance(5_000);
    await outbox.runOnce();
    const a = await store.get(id);
    expect(a?.state).toBe("published");
    expect(a?.deliveries[0]).toMatchObject({ attempts: 2, receipt: { remoteId: "true_second" } });
    strict.verify();
  });

  it("session not ready (422): nothing sent, retried later, published once the session works", async () => {
    const strict = strictNock();
    const { store, outbox, id } = await approvedThroughWaha();
    waha()
      .post("/api/sendText")
      .reply(422, {
        error: "Session status is not as expected",
        session: "default",
        status: "SCAN_QR_CODE",
        expected: ["WORKING"],
      });
    await outbox.runOnce();
    const waiting = (await store.get(id))?.deliveries[0];
    expect(waiting).toMatchObject({ state: "queued", attempts: 1 });
    expect(waiting?.lastError).toContain("SCAN_QR_CODE");
    strict.verify();
  });
});
