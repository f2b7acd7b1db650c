import { afterEach, describe, expect, it } from "vitest";
import { TelegramOutlet } from "../../../adapters/telegram/telegram.ts";
import { FakeTelegram } from "../../fakes/fake-telegram.ts";
import { approvedThrough } from "../../fakes/outlet-delivery.ts";

const TEXT = "*Hauptstraße* ab Montag gesperrt.";

let fake: FakeTelegram | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function approvedThroughTelegram() {
  fake = new FakeTelegram();
  const outlet = new TelegramOutlet({
    token: fake.token,
    chatId: "@stadt_achim",
    apiUrl: await fake.start(),
    timeoutMs: 400,
    media: async () => undefined,
  });
  return { fake, ...(await approvedThrough(outlet, TEXT)) };
}

describe("delivery to Telegram through the outbox", () => {
  it("publishes once, with the post's id in the receipt", async () => {
    const { fake, store, outbox, id } = await approvedThroughTelegram();
    await outbox.runOnce();
    const a = await store.get(id);
    expect(a?.state).toBe("published");
    expect(a?.deliveries[0]?.receipt).toMatchObject({ remoteId: "text:1" });
    expect(fake.messages.map((m) => m.text)).toEqual(["Hauptstraße ab Montag gesperrt."]);
  });

  it("a connection cut after the post went out is never re-sent: a person checks the channel", async () => {
    const { fake, store, outbox, clock, id } = await approvedThroughTelegram();
    fake.failNext("sendMessage", "drop_after");
    await outbox.runOnce();
    clock.advance(60_000);
    await outbox.runOnce();
    clock.advance(60_000);
    await outbox.runOnce();
    expect((await store.get(id))?.deliveries[0]).toMatchObject({
      state: "needs_manual_check",
      lastError: "Telegram bots cannot read channel history; please check the channel",
    });
    expect(fake.calls("sendMessage")).toHaveLength(1);
    expect(fake.messages).toHaveLength(1);
  });

  it("a 429 waits for retry_after and then goes out by itself", async () => {
    const { fake, store, outbox, clock, id } = await approvedThroughTelegram();
    fake.failNext("sendMessage", { status: 429, description: "Too Many Requests: retry after 30", retryAfter: 30 });
    await outbox.runOnce();
    expect((await store.get(id))?.deliveries[0]?.state).toBe("queued");
    clock.advance(29_000);
    await outbox.runOnce();
    expect(fake.calls("sendMessage")).toHaveLength(1);
    clock.advance(1_000);
    await outbox.runOnce();
    expect((await store.get(id))?.state).toBe("published");
    expect(fake.messages).toHaveLength(1);
  });
});
