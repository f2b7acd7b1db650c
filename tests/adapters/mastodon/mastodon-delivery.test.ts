import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MastodonOutlet } from "../../../adapters/mastodon/mastodon.ts";
import { FakeMastodon } from "../../fakes/fake-mastodon.ts";
import { approvedThrough } from "../../fakes/outlet-delivery.ts";

const TEXT = "Hauptstraße ab Montag gesperrt.";
const fake = new FakeMastodon();

beforeAll(() => fake.start());
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

async function approvedThroughMastodon() {
  const outlet = new MastodonOutlet({
    baseUrl: fake.url,
    token: "town-token",
    timeoutMs: 300,
    readBackGraceMs: 0,
    media: async () => undefined,
  });
  return approvedThrough(outlet, TEXT);
}

/** Passes of the outbox, the clock moving on between them, until the announcement is published (or 10 passes). */
async function untilPublished(h: Awaited<ReturnType<typeof approvedThroughMastodon>>) {
  for (let pass = 0; pass < 10; pass++) {
    await h.outbox.runOnce();
    if ((await h.store.get(h.id))?.state === "published") break;
    h.clock.advance(30_000);
  }
  return h.store.get(h.id);
}

describe("delivery through Mastodon: an unclear outcome ends in exactly one status", () => {
  it("the status was made but its answer was lost", async () => {
    const h = await approvedThroughMastodon();
    fake.script({ dropAfter: true }, { method: "POST", path: "/api/v1/statuses" });
    const a = await untilPublished(h);
    const status = [...fake.statuses.values()];
    expect(status).toHaveLength(1);
    expect(a?.state).toBe("published");
    expect(a?.deliveries[0]?.receipt?.remoteId).toBe(status[0]?.id);
  });

  it("the instance answered 503 before making it", async () => {
    const h = await approvedThroughMastodon();
    fake.script({ respond: 503, body: { error: "Service Unavailable" } }, { method: "POST", path: "/api/v1/statuses" });
    const a = await untilPublished(h);
    expect(fake.statuses.size).toBe(1);
    expect(a?.state).toBe("published");
  });

  it("the answer never came, and the status was made", async () => {
    const h = await approvedThroughMastodon();
    fake.script({ hangAfter: true }, { method: "POST", path: "/api/v1/statuses" });
    const a = await untilPublished(h);
    expect(fake.statuses.size).toBe(1);
    expect(a?.state).toBe("published");
  });
});
