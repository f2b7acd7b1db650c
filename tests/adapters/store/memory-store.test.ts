import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { storeContract } from "../../contracts/store.contract.ts";

const stores = new Map<string, MemoryStore>();

storeContract("memory", {
  open: async (shared) => {
    let store = stores.get(shared);
    if (!store) stores.set(shared, (store = new MemoryStore()));
    return store;
  },
  crossInstance: false,
});

describe("MemoryStore chat state does not pile up", () => {
  /** Entries written before `probe`, with no longer a TTL, have expired once it has. */
  const untilExpired = (store: MemoryStore, probe: string) =>
    expect.poll(() => store.getChatState(probe), { interval: 20, timeout: 3_000 }).toBeUndefined();

  it("purgeExpiredChatState drops expired entries and keeps live ones", async () => {
    const store = new MemoryStore();
    await store.putChatState("kept", 1, 60_000);
    for (let i = 0; i < 10; i++) await store.putChatState(`gone:${i}`, i, 1);
    expect(store.chatStateSize).toBe(11);
    await untilExpired(store, "gone:9");
    expect(store.chatStateSize).toBe(10);
    expect(store.purgeExpiredChatState()).toBe(9);
    expect(store.chatStateSize).toBe(1);
    expect(await store.getChatState("kept")).toBe(1);
  });

  it("writes sweep expired entries now and then, without a timer", async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 100; i++) await store.putChatState(`gone:${i}`, i, 1);
    await untilExpired(store, "gone:99");
    expect(store.chatStateSize).toBeGreaterThan(1);
    for (let i = 0; i < 128; i++) await store.putChatState("live", i, 60_000);
    expect(store.chatStateSize).toBe(1);
    expect(await store.getChatState("live")).toBe(127);
  });
});
