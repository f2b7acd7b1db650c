import KeyvRedis from "@keyv/redis";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../../adapters/store/open-store.ts";
import { storeContract } from "../../contracts/store.contract.ts";
import { serviceUrl } from "../../fakes/services.ts";

const url = serviceUrl("TEST_REDIS_URL");

if (url) {
  storeContract("redis", { open: (shared) => openStore(url, { namespace: shared }), crossInstance: true });

  describe("Redis chat state expires natively", () => {
    const raw = new KeyvRedis(url);
    afterAll(() => raw.disconnect());

    it("is one key per entry under the installation's prefix, with a PX expiry Redis enforces itself", async () => {
      const namespace = `chat_${process.pid}_${Date.now().toString(36)}`;
      const store = await openStore(url, { namespace });
      const client = await raw.getClient();
      try {
        await store.putChatState("slack:card:A-0001", { ts: "1.2" }, 60_000);
        const key = `${namespace}:chat:slack:card:A-0001`;
        expect(JSON.parse((await client.get(key)) ?? "null")).toEqual({ ts: "1.2" });
        const pttl = await client.pTTL(key);
        expect(pttl).toBeGreaterThan(50_000);
        expect(pttl).toBeLessThanOrEqual(60_000);

        await store.putChatState("slack:card:A-0001", { ts: "1.3" }, 150);
        expect(await client.pTTL(key)).toBeLessThanOrEqual(150);
        // Gone from Redis itself (PTTL -2: no such key), not only hidden by the store.
        await expect.poll(() => client.pTTL(key), { interval: 20, timeout: 3_000 }).toBe(-2);

        await store.putChatState("k", 1, 60_000);
        await store.deleteChatState("k");
        expect(await client.exists(`${namespace}:chat:k`)).toBe(0);
      } finally {
        await store.close();
      }
    });
  });
} else {
  describe("store contract: redis", () => it.skip("needs TEST_REDIS_URL (scripts/test-services.sh)", () => {}));
}
