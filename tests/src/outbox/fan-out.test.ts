import { describe, expect, it } from "vitest";
import { createAnnouncementService } from "../../../src/announcement/service.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { Outbox } from "../../../src/outbox/outbox.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import type { DeliveryAttempt } from "../../../src/announcement/announcement.ts";
import type { OutboundPost, PublishOutcome } from "../../../src/ports/outlet.ts";
import { FakeOutlet, FixedClock, RecordingNotices, testPolicy } from "../../fakes/fixtures.ts";
import { say, type World } from "../../fakes/world.ts";

/** An outlet whose answers wait until the test lets them go. */
class HeldOutlet extends FakeOutlet {
  #release: (() => void) | undefined;
  readonly #held = new Promise<void>((resolve) => (this.#release = resolve));
  override async publish(post: OutboundPost, attempt: DeliveryAttempt): Promise<PublishOutcome> {
    await this.#held;
    return super.publish(post, attempt);
  }
  release(): void {
    this.#release?.();
  }
}

class IdempotentOutlet extends FakeOutlet {
  readonly idempotent = true;
}

function fanOutWorld(...outlets: FakeOutlet[]) {
  const store = new MemoryStore();
  const clock = new FixedClock();
  const notices = new RecordingNotices();
  const policy = testPolicy();
  const service = createAnnouncementService({ store, policy, clock, outlets, notices, log: silentLogger });
  const outbox = new Outbox({
    store,
    outlets: new Map(outlets.map((o) => [o.id, o])),
    clock,
    notices,
    log: silentLogger,
    retryBaseMs: 1000,
    maxAttempts: 3,
    urgent: (a) => policy.categories.get(a.category)?.emergency !== undefined,
    settled: (a) => service.closeIncidentOf(a),
  });
  const world = { store, clock, policy, notices, outlet: outlets[0]!, service, outbox, newOutbox: () => outbox };
  return world as World;
}

describe("one approval, every outlet", () => {
  it("publishes to every chosen outlet once; --to and --not choose", async () => {
    const [whatsapp, mastodon, telegram] = [
      new FakeOutlet("whatsapp-waha"),
      new FakeOutlet("mastodon"),
      new FakeOutlet("telegram"),
    ];
    const w = fanOutWorld(whatsapp, mastodon, telegram);
    await say(w, "anna", "Alle Kanäle");
    await say(w, "anna", "Nur Mastodon --to mastodon");
    await say(w, "anna", "Ohne WhatsApp --not whatsapp");
    for (const id of ["A-0001", "A-0002", "A-0003"]) await say(w, "carla", `approve ${id}`);
    await w.outbox.runOnce();
    const ids = (o: FakeOutlet) => o.published.map((p) => p.post.announcementId);
    expect(ids(whatsapp)).toEqual(["A-0001"]);
    expect(ids(mastodon)).toEqual(["A-0001", "A-0002", "A-0003"]);
    expect(ids(telegram)).toEqual(["A-0001", "A-0003"]);
    expect((await w.store.get("A-0001"))?.state).toBe("published");
    const status = await say(w, "anna", "status A-0003");
    expect(status.kind === "reply" && status.message.de).toContain("→ Mastodon: veröffentlicht");
  });

  it("an outlet that hangs delays no other outlet", async () => {
    const slow = new HeldOutlet("telegram");
    const fast = new FakeOutlet("mastodon");
    const w = fanOutWorld(slow, fast);
    await say(w, "anna", "Erste");
    await say(w, "anna", "Zweite");
    await say(w, "carla", "approve A-0001");
    await say(w, "carla", "approve A-0002");
    const pass = w.outbox.runOnce();
    await waitUntil(() => fast.published.length === 2);
    expect(slow.published).toHaveLength(0);
    const a = await w.store.get("A-0001");
    expect(a?.deliveries.map((d) => [d.outlet, d.state])).toEqual([
      ["telegram", "sending"],
      ["mastodon", "sent"],
    ]);
    slow.release();
    await pass;
    await w.outbox.runOnce();
    expect(slow.published.map((p) => p.post.announcementId)).toEqual(["A-0001", "A-0002"]);
  });

  it("a failure on one outlet retries there alone; the card shows it with its reason", async () => {
    const flaky = new FakeOutlet("telegram");
    const steady = new FakeOutlet("mastodon");
    flaky.publishAnswers = [
      {
        state: "failed",
        reason: "Too Many Requests: retry after 30",
        retryable: true,
        code: "rate_limited",
        retryAfterMs: 30_000,
      },
    ];
    const w = fanOutWorld(flaky, steady);
    await say(w, "anna", "Meldung");
    await say(w, "carla", "approve A-0001");
    await w.outbox.runOnce();
    expect(steady.published).toHaveLength(1);
    const status = await say(w, "anna", "status A-0001");
    expect(status.kind === "reply" && status.message.de).toContain(
      "→ Telegram: wartet, bis der Kanal wieder erreichbar ist – zu viele Anfragen, der Dienst bremst (Too Many Requests: retry after 30)",
    );
    w.clock.advance(29_000);
    await w.outbox.runOnce();
    expect(flaky.published).toHaveLength(1);
    w.clock.advance(2_000);
    await w.outbox.runOnce();
    expect(flaky.published).toHaveLength(2);
    expect(steady.published).toHaveLength(1);
    expect((await w.store.get("A-0001"))?.state).toBe("published");
  });

  it("comes back when the outlet said (retry_after), not at the backed-off time", async () => {
    const telegram = new FakeOutlet("telegram");
    telegram.publishAnswers = [
      { state: "failed", reason: "Too Many Requests", retryable: true, code: "rate_limited", retryAfterMs: 300 },
    ];
    const w = fanOutWorld(telegram);
    await say(w, "anna", "Meldung");
    await say(w, "carla", "approve A-0001");
    await w.outbox.runOnce();
    w.clock.advance(400);
    await w.outbox.runOnce();
    expect(telegram.published).toHaveLength(2);
    expect((await w.store.get("A-0001"))?.state).toBe("published");
  });

  it("an unclear answer from an idempotent outlet is settled by publishing again, never by read-back", async () => {
    const mastodon = new IdempotentOutlet("mastodon");
    mastodon.publishAnswers = [{ state: "unknown", reason: "socket hang up" }];
    const w = fanOutWorld(mastodon);
    await say(w, "anna", "Meldung");
    await say(w, "carla", "approve A-0001");
    await w.outbox.runOnce();
    // Until it is asked again, the card says the outcome is unclear, not that the post is being sent.
    const status = await say(w, "anna", "status A-0001");
    expect(status.kind === "reply" && status.message.de).toContain(
      "→ Mastodon: Ergebnis unklar – wird geprüft – socket hang up",
    );
    expect(status.kind === "reply" && status.message.en).toContain(
      "→ Mastodon: outcome unclear – being checked – socket hang up",
    );
    w.clock.advance(1_000);
    await w.outbox.runOnce();
    expect(mastodon.readBacks).toHaveLength(0);
    expect(mastodon.published.map((p) => p.post.version)).toEqual([1, 1]);
    expect((await w.store.get("A-0001"))?.state).toBe("published");
  });

  it("several outlets waiting for a person are each confirmed by name, never one for another", async () => {
    const [whatsapp, telegram, press] = [
      new FakeOutlet("whatsapp-waha"),
      new FakeOutlet("telegram"),
      new FakeOutlet("press"),
    ];
    for (const outlet of [telegram, press]) {
      outlet.publishAnswers = [{ state: "unknown", reason: "timeout" }];
      outlet.readBackAnswer = { state: "unavailable", reason: "cannot be read back" };
    }
    const w = fanOutWorld(whatsapp, telegram, press);
    await say(w, "anna", "Meldung");
    await say(w, "carla", "approve A-0001");
    await w.outbox.runOnce();
    w.clock.advance(2_000);
    await w.outbox.runOnce();
    const states = async () => (await w.store.get("A-0001"))?.deliveries.map((d) => [d.outlet, d.state]);
    expect(await states()).toEqual([
      ["whatsapp-waha", "sent"],
      ["telegram", "needs_manual_check"],
      ["press", "needs_manual_check"],
    ]);
    const text = (o: Awaited<ReturnType<typeof say>>) => (o.kind === "reply" || o.kind === "error" ? o.message : o);

    expect(text(await say(w, "carla", "posted A-0001"))).toEqual({
      de: "A-0001 wartet an mehreren Stellen auf Bestätigung: Telegram, der Presseverteiler. Bitte jede einzeln bestätigen, z. B. `posted A-0001 telegram`.",
      en: "A-0001 waits for confirmation in several places: Telegram, the press list. Please confirm each one, e.g. `posted A-0001 telegram`.",
    });
    expect(text(await say(w, "carla", "posted A-0001 mastodon"))).toEqual({
      de: "Bei A-0001 wartet für Mastodon keine Veröffentlichung auf Bestätigung. Es warten: Telegram, der Presseverteiler.",
      en: "A-0001 has no publication on Mastodon waiting for confirmation. Waiting: Telegram, the press list.",
    });
    expect(text(await say(w, "carla", "posted A-0001 press extra"))).toMatchObject({
      de: expect.stringContaining("extra") as string,
    });
    expect(await states()).toEqual([
      ["whatsapp-waha", "sent"],
      ["telegram", "needs_manual_check"],
      ["press", "needs_manual_check"],
    ]);

    expect(text(await say(w, "carla", "posted A-0001 press"))).toEqual({
      de: "Danke – die Veröffentlichung von A-0001 an den Presseverteiler ist vermerkt.",
      en: "Thanks – the publication of A-0001 to the press list is recorded.",
    });
    expect(await states()).toEqual([
      ["whatsapp-waha", "sent"],
      ["telegram", "needs_manual_check"],
      ["press", "sent"],
    ]);
    expect((await w.store.get("A-0001"))?.deliveries[2]?.receipt?.confirmedBy).toBe("carla");
    // One left: the id alone confirms it.
    expect(text(await say(w, "carla", "posted A-0001"))).toMatchObject({
      de: "Danke – die Veröffentlichung von A-0001 im Telegram-Kanal ist vermerkt.",
    });
    expect((await w.store.get("A-0001"))?.state).toBe("published");
    expect(telegram.published).toHaveLength(1);
    expect(press.published).toHaveLength(1);
  });

  it("gives an idempotent outlet's post to a person after every attempt stayed unclear", async () => {
    const mastodon = new IdempotentOutlet("mastodon");
    mastodon.publishAnswers = Array.from({ length: 3 }, () => ({ state: "unknown" as const, reason: "timeout" }));
    const w = fanOutWorld(mastodon);
    await say(w, "anna", "Meldung");
    await say(w, "carla", "approve A-0001");
    for (let i = 0; i < 4; i++) {
      await w.outbox.runOnce();
      w.clock.advance(10_000);
    }
    expect(mastodon.published).toHaveLength(3);
    expect((await w.store.get("A-0001"))?.deliveries[0]?.state).toBe("needs_manual_check");
    expect(w.notices.kinds()).toContain("needs_manual_check");
  });

  it("tells each outlet an emergency and the incident chain, and replies to the earlier post on the same outlet", async () => {
    const mastodon = new FakeOutlet("mastodon");
    const telegram = new FakeOutlet("telegram");
    const w = fanOutWorld(mastodon, telegram);
    await say(w, "anna", "Wasserrohrbruch --category krise --expires 'morgen 18:00'");
    await say(w, "carla", "approve A-0001");
    await w.outbox.runOnce();
    await say(w, "anna", "update A-0001 Dauert länger.");
    await say(w, "carla", "approve A-0002");
    await w.outbox.runOnce();
    await say(w, "anna", "allclear A-0001 Wieder frei.");
    await say(w, "carla", "approve A-0003");
    await w.outbox.runOnce();
    const posts = mastodon.published.map((p) => p.post);
    expect(posts[0]).toMatchObject({ emergency: true });
    expect(posts[0]?.expiresAt).toBeDefined();
    expect(posts[0]?.replyTo).toBeUndefined();
    expect(posts[1]).toMatchObject({
      incident: { kind: "update", root: "A-0001", follows: "A-0001" },
      replyTo: { remoteId: "remote-1" },
    });
    expect(posts[2]).toMatchObject({
      incident: { kind: "cancel", root: "A-0001", follows: "A-0002" },
      replyTo: { remoteId: "remote-2" },
    });
    expect(telegram.published[2]?.post.replyTo).toEqual({ remoteId: "remote-2" });
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}
