import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../../adapters/store/open-store.ts";
import type { Store } from "../../../src/ports/store.ts";
import { serviceUrl } from "../../fakes/services.ts";
import { TcpRelay } from "../../fakes/tcp-relay.ts";

async function everyCallRejects(store: Store) {
  await expect(store.getChatState("k")).rejects.toThrow();
  await expect(store.putChatState("k", "w", 60_000)).rejects.toThrow();
  await expect(store.deleteChatState("k")).rejects.toThrow();
}

describe("chat state throws when the store cannot be reached, rather than reading as absent", () => {
  it("SQLite: after the connection is closed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "amtsbote-gone-"));
    const store = await openStore(`sqlite://${join(dir, "gone.sqlite")}`);
    await store.putChatState("k", "v", 60_000);
    expect(await store.getChatState("k")).toBe("v");
    await store.close();
    await everyCallRejects(store);
  });

  for (const [name, url] of [
    ["Redis", serviceUrl("TEST_REDIS_URL")],
    ["PostgreSQL", serviceUrl("TEST_POSTGRES_URL")],
  ] as const) {
    it.skipIf(!url)(`${name}: while the server is unreachable`, async () => {
      const relay = new TcpRelay(url as string);
      const store = await openStore(await relay.start(), {
        namespace: `gone_${process.pid}_${Date.now().toString(36)}`,
      });
      try {
        await store.putChatState("k", "v", 60_000);
        expect(await store.getChatState("k")).toBe("v");
        relay.cut();
        await everyCallRejects(store);
      } finally {
        await store.close().catch(() => undefined);
        await relay.stop();
      }
    });
  }
});
