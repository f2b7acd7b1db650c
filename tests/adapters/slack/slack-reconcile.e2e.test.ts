import { afterEach, describe, expect, it } from "vitest";
import type { AnnouncementId } from "../../../src/announcement/announcement.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { FakeSlack } from "../../fakes/fake-slack.ts";
import { startSlackBot, U, type SlackBot } from "../../fakes/slack-bot.ts";

let fake: FakeSlack | undefined;
let bot: SlackBot | undefined;

afterEach(async () => {
  await bot?.stop();
  await fake?.stop();
  bot = undefined;
  fake = undefined;
});

const WAITING = 1000;

describe("Slack: reconciliation of many waiting cards", () => {
  it(`re-reads ${WAITING} waiting cards in a few history pages, never one call per card`, async () => {
    fake = await FakeSlack.start();
    const store = new MemoryStore();
    const first = await startSlackBot(fake, { store });
    bot = first;
    for (let i = 0; i < WAITING; i += 1) {
      const drafted = await first.service.draft("anna", {
        content: { text: `Meldung ${i + 1}`, media: [] },
        category: "baustelle",
        origin: { platform: "slack", room: "C0PRESSDESK" },
      });
      expect(drafted.ok).toBe(true);
    }
    const ids = Array.from({ length: WAITING }, (_, i) => `A-${String(i + 1).padStart(4, "0")}` as AnnouncementId);
    await first.settled();
    const posts = await Promise.all(ids.map((id) => first.desk.state.post(id)));
    expect(posts.every(Boolean)).toBe(true);
    // Counted live: carla's ✅ on the first card.
    const [p1, p2, p3] = posts;
    if (!p1 || !p2 || !p3) throw new Error("cards missing");
    await fake.envelope(
      "events_api",
      fake.payloads.reactionEvent({
        type: "reaction_added",
        user: U.carla,
        reaction: "white_check_mark",
        channel: p1.room,
        ts: p1.id,
      }),
    );
    await expect.poll(async () => (await first.service.get("A-0001"))?.approvals.length).toBe(1);
    await first.stop();
    bot = undefined;

    // While the bot is down: carla takes her ✅ back on the first card, dieter and erik approve the second,
    // a non-approver reacts on the third.
    fake.setReaction(p1.room, p1.id, U.carla, "white_check_mark", false);
    fake.setReaction(p2.room, p2.id, U.dieter, "white_check_mark", true);
    fake.setReaction(p2.room, p2.id, U.erik, "heavy_check_mark::skin-tone-3", true);
    fake.setReaction(p3.room, p3.id, U.ben, "white_check_mark", true);
    const before = fake.calls.length;

    const second = await startSlackBot(fake, { store });
    bot = second;
    await expect.poll(() => second.outlet.published.length, { timeout: 20_000 }).toBe(1);
    await expect.poll(async () => (await second.service.get("A-0001"))?.approvals.length).toBe(0);
    await second.settled();
    const calls = fake.calls.slice(before);
    const history = calls.filter((c) => c.method === "conversations.history");
    expect(history.length).toBeGreaterThan(0);
    expect(history.length).toBeLessThanOrEqual(10);
    expect(calls.filter((c) => c.method === "reactions.get")).toEqual([]);
    expect((await second.service.get("A-0002"))?.approvals.map((a) => a.by).sort()).toEqual(["dieter", "erik"]);
    expect((await second.service.get("A-0003"))?.approvals).toEqual([]);
    expect(second.outlet.published.map((p) => p.post.announcementId)).toEqual(["A-0002"]);
  }, 120_000);

  it("a card the bot lost track of (stopped between posting and noting it) is found again, not posted twice", async () => {
    fake = await FakeSlack.start();
    const store = new MemoryStore();
    const first = await startSlackBot(fake, { store });
    bot = first;
    for (const text of ["Erste", "Zweite"]) {
      await first.service.draft("anna", {
        content: { text, media: [] },
        category: "baustelle",
        origin: { platform: "slack", room: "C0PRESSDESK" },
      });
    }
    await first.settled();
    const card1 = await first.desk.state.post("A-0001");
    const card2 = await first.desk.state.post("A-0002");
    if (!card1 || !card2) throw new Error("cards missing");
    await first.stop();
    bot = undefined;
    // A-0001 as if the process died right after posting; A-0002 as an earlier version noted it (settings).
    await store.deleteChatState("post:slack:A-0001");
    await store.deleteChatState("post:slack:A-0002");
    await store.putSetting("slack-card:A-0002", { channel: card2.room, ts: card2.id });
    const cardsBefore = fake.messages.filter((m) => m.channel === card1.room && !m.thread_ts).length;

    const second = await startSlackBot(fake, { store });
    bot = second;
    expect(await second.desk.state.post("A-0001")).toMatchObject({ room: card1.room, id: card1.id });
    expect(await second.desk.state.post("A-0002")).toMatchObject({ room: card2.room, id: card2.id });
    expect(fake.messages.filter((m) => m.channel === card1.room && !m.thread_ts)).toHaveLength(cardsBefore);
    for (const [card, user] of [
      [card1, U.carla],
      [card1, U.dieter],
    ] as const) {
      await fake.envelope(
        "events_api",
        fake.payloads.reactionEvent({
          type: "reaction_added",
          user,
          reaction: "white_check_mark",
          channel: card.room,
          ts: card.id,
        }),
      );
    }
    await expect.poll(() => second.outlet.published.map((p) => p.post.announcementId)).toEqual(["A-0001"]);
  });
});
