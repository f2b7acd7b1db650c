import { mkdtempSync } from "node:fs";
import { createServer, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../../adapters/store/open-store.ts";
import type { Store } from "../../../src/ports/store.ts";
import { serviceUrl } from "../../fakes/services.ts";

/** A TCP relay to the server of `url`; `cut()` drops every connection and refuses new ones, as an outage would. */
async function relayTo(url: string) {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", end).on("close", end);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("relay has no port");
  const relayed = new URL(url);
  relayed.hostname = "127.0.0.1";
  relayed.port = String(address.port);
  return {
    url: relayed.toString(),
    cut: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

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
      const relay = await relayTo(url as string);
      const store = await openStore(relay.url, { namespace: `gone_${process.pid}_${Date.now().toString(36)}` });
      try {
        await store.putChatState("k", "v", 60_000);
        expect(await store.getChatState("k")).toBe("v");
        relay.cut();
        await everyCallRejects(store);
      } finally {
        await store.close().catch(() => undefined);
      }
    });
  }
});
