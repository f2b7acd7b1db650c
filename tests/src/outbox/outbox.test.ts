import { describe, expect, it } from "vitest";
import type { AnnouncementId } from "../../../src/announcement/announcement.ts";
import { announcementLockKey } from "../../../src/ports/store.ts";
import { FakeOutlet } from "../../fakes/fixtures.ts";
import { aWorld, origin, say, text, type World } from "../../fakes/world.ts";

async function approved(w: World, body = "Hauptstraße gesperrt"): Promise<AnnouncementId> {
  const a = await w.service.draft("anna", { content: text(body), origin });
  if (!a.ok) throw new Error(a.error.code);
  const r = await w.service.approve("carla", a.value.id, { via: "command" });
  if (!r.ok) throw new Error(r.error.code);
  return a.value.id;
}

describe("outbox", () => {
  it("delivers an approved announcement once and marks it published with the receipt", async () => {
    const w = aWorld();
    const id = await approved(w);
    await w.outbox.runOnce();
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(1);
    const a = await w.store.get(id);
    expect(a?.state).toBe("published");
    expect(a?.deliveries[0]).toMatchObject({ state: "sent", receipt: { outlet: "fake", remoteId: "remote-1" } });
    expect(a?.events.map((e) => e.event).slice(-3)).toEqual(["delivery_started", "delivery_sent", "published"]);
    expect(a?.events.find((e) => e.event === "delivery_sent")?.receipt?.remoteId).toBe("remote-1");
    expect(await w.store.openIds()).toEqual([]);
    expect(w.notices.kinds()).toContain("published");
  });

  it("writes the attempt before calling the outlet", async () => {
    const w = aWorld();
    const id = await approved(w);
    let seen: string | undefined;
    w.outlet.publish = async function publishWhileChecking() {
      seen = (await w.store.get(id))?.deliveries[0]?.state;
      return { state: "sent" };
    };
    await w.outbox.runOnce();
    expect(seen).toBe("sending");
  });

  it("an unknown outcome is read back, never re-sent blindly: found means published", async () => {
    const w = aWorld();
    const id = await approved(w);
    w.outlet.publishAnswers = [{ state: "unknown", reason: "empty 201 body" }];
    await w.outbox.runOnce();
    expect((await w.store.get(id))?.deliveries[0]?.state).toBe("sending");
    w.outlet.readBackAnswer = { state: "found", remoteId: "true_123@newsletter_ABC" };
    await w.outbox.runOnce();
    expect(w.outlet.readBacks).toHaveLength(0);
    w.clock.advance(2_000);
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(1);
    expect(w.outlet.readBacks).toHaveLength(1);
    const a = await w.store.get(id);
    expect(a?.state).toBe("published");
    expect(a?.deliveries[0]?.receipt?.remoteId).toBe("true_123@newsletter_ABC");
    expect(w.outlet.live).toHaveLength(1);
  });

  it("after an unknown outcome, re-sends only once the read-back says not found after the grace period", async () => {
    const w = aWorld();
    w.outlet.readBackGraceMs = 30_000;
    w.outlet.unknownButLive = false;
    const id = await approved(w);
    w.outlet.publishAnswers = [new Error("socket hang up")];
    await w.outbox.runOnce();
    w.clock.advance(2_000);
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(1);
    expect(w.outlet.readBacks).toHaveLength(1);
    w.clock.advance(5_000);
    await w.outbox.runOnce();
    expect(w.outlet.readBacks).toHaveLength(2);
    expect(w.outlet.published).toHaveLength(1);
    w.clock.advance(24_000);
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(2);
    expect((await w.store.get(id))?.state).toBe("published");
    expect(w.outlet.live).toHaveLength(1);
  });

  it("needs two read-backs that miss the post before sending again, even long after the attempt", async () => {
    const w = aWorld();
    w.outlet.readBackGraceMs = 30_000;
    w.outlet.unknownButLive = false;
    const id = await approved(w);
    w.outlet.publishAnswers = [{ state: "unknown", reason: "timeout" }];
    await w.outbox.runOnce();
    w.clock.advance(3_600_000);
    await w.outbox.runOnce();
    expect(w.outlet.readBacks).toHaveLength(1);
    expect(w.outlet.published).toHaveLength(1);
    await w.outbox.runOnce();
    expect(w.outlet.readBacks).toHaveLength(1);
    w.clock.advance(5_000);
    await w.outbox.runOnce();
    expect(w.outlet.readBacks).toHaveLength(2);
    expect(w.outlet.published).toHaveLength(2);
    expect((await w.store.get(id))?.deliveries[0]).toMatchObject({ state: "sent", attempts: 2 });
    expect((await w.store.get(id))?.deliveries[0]?.notFound).toBeUndefined();
  });

  it("when read-back is unavailable, hands the post to a person instead of guessing", async () => {
    const w = aWorld();
    const id = await approved(w);
    w.outlet.publishAnswers = [{ state: "unknown", reason: "timeout" }];
    await w.outbox.runOnce();
    w.outlet.readBackAnswer = { state: "unavailable", reason: "gateway down" };
    w.clock.advance(2_000);
    await w.outbox.runOnce();
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(1);
    expect((await w.store.get(id))?.deliveries[0]?.state).toBe("needs_manual_check");
    expect(w.notices.kinds()).toContain("needs_manual_check");
    const confirmed = await w.service.confirmHandoff("carla", id);
    expect(confirmed.ok && confirmed.value.state).toBe("published");
  });

  it("a person handed an unclear post is told it may already be out, and to look first", async () => {
    const manual = new FakeOutlet("manual");
    manual.handoff = true;
    const w = aWorld(undefined, manual);
    const id = await approved(w);
    w.outlet.publishAnswers = [{ state: "unknown", reason: "timeout" }];
    await w.outbox.runOnce();
    w.outlet.readBackAnswer = { state: "unavailable", reason: "cannot read back" };
    w.clock.advance(2_000);
    await w.outbox.runOnce();
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(1);
    expect(manual.published.map((p) => p.post)).toEqual([
      expect.objectContaining({ announcementId: id, checkFirst: true }),
    ]);
  });

  it("retries a retryable failure with backoff, and fails for good after the last attempt", async () => {
    const w = aWorld();
    const id = await approved(w);
    w.outlet.publishAnswers = [
      { state: "failed", reason: "503", retryable: true },
      { state: "failed", reason: "503", retryable: true },
      { state: "failed", reason: "503", retryable: true },
    ];
    await w.outbox.runOnce();
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(1);
    w.clock.advance(1000);
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(2);
    w.clock.advance(2000);
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(3);
    const a = await w.store.get(id);
    expect(a?.state).toBe("failed");
    expect(a?.deliveries[0]).toMatchObject({ state: "failed", attempts: 3, lastError: "503" });
    expect(w.notices.kinds()).toContain("delivery_failed");
  });

  it("a crash after the attempt was written is resumed by read-back on the next pass", async () => {
    const w = aWorld();
    const id = await approved(w);
    // Simulate a process that wrote the attempt and died before the outlet answered.
    await w.store.withLock(announcementLockKey(id), async () => {
      const a = await w.store.get(id);
      if (!a?.deliveries[0]) throw new Error("no delivery");
      a.deliveries[0].state = "sending";
      a.deliveries[0].attempts = 1;
      a.deliveries[0].attempt = { id: `${id}:fake:1`, startedAt: w.clock.now().toISOString(), fingerprint: "x" };
      await w.store.put(a);
    });
    w.outlet.readBackAnswer = { state: "found", remoteId: "r-1" };
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(0);
    expect((await w.store.get(id))?.state).toBe("published");
  });

  it("publishes a scheduled announcement when its time comes, not before", async () => {
    const w = aWorld();
    const at = new Date(w.clock.now().getTime() + 60_000);
    const a = await w.service.draft("anna", { content: text("Später"), publishAt: at, origin });
    if (!a.ok) throw new Error(a.error.code);
    await w.service.approve("carla", a.value.id, { via: "command" });
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(0);
    w.clock.advance(60_000);
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(1);
    expect((await w.store.get(a.value.id))?.state).toBe("published");
  });

  it("concurrent passes deliver once", async () => {
    const w = aWorld();
    await approved(w);
    await Promise.all([w.outbox.runOnce(), w.outbox.runOnce(), w.outbox.runOnce()]);
    expect(w.outlet.published).toHaveLength(1);
  });

  it("a withdrawn or edited announcement is not delivered", async () => {
    const w = aWorld();
    const at = new Date(w.clock.now().getTime() + 60_000);
    const a = await w.service.draft("anna", { content: text("Später"), publishAt: at, origin });
    if (!a.ok) throw new Error(a.error.code);
    await w.service.approve("carla", a.value.id, { via: "command" });
    await w.service.withdraw("anna", a.value.id, "abgesagt");
    w.clock.advance(60_000);
    await w.outbox.runOnce();
    expect(w.outlet.published).toHaveLength(0);
  });

  describe("manual hand-off as fallback and by choice", () => {
    const byHand = () => {
      const h = new FakeOutlet("manual");
      h.handoff = true;
      h.publishAnswers = [{ state: "awaiting_confirmation" }, { state: "awaiting_confirmation" }];
      return h;
    };

    it("an outlet that gives up hands the post to a person instead of failing", async () => {
      const manual = byHand();
      const w = aWorld(undefined, manual);
      const id = await approved(w);
      w.outlet.publishAnswers = [{ state: "failed", reason: "401", retryable: false }];
      await w.outbox.runOnce();
      await w.outbox.runOnce();
      expect(manual.published).toHaveLength(1);
      const a = await w.store.get(id);
      expect(a?.state).toBe("publishing");
      expect(a?.deliveries[0]).toMatchObject({ outlet: "fake", handoff: true, state: "awaiting_confirmation" });
      expect(w.notices.kinds()).toContain("delivery_failed");
      const confirmed = await w.service.confirmHandoff("carla", id);
      expect(confirmed.ok && confirmed.value.state).toBe("published");
    });

    it("an outcome nobody can read back goes to a person, who is told to check first", async () => {
      const manual = byHand();
      const w = aWorld(undefined, manual);
      const id = await approved(w);
      w.outlet.publishAnswers = [{ state: "unknown", reason: "timeout" }];
      w.outlet.readBackAnswer = { state: "unavailable", reason: "gateway down" };
      await w.outbox.runOnce();
      w.clock.advance(2_000);
      await w.outbox.runOnce();
      // Handed over, not yet shown to the person: the card says so, not that it will be retried.
      const status = await say(w, "anna", `status ${id}`);
      expect(status.kind === "reply" && status.message.de).toContain(
        "→ Fake: wird an eine Person übergeben (von Hand) – gateway down",
      );
      await w.outbox.runOnce();
      expect(w.outlet.published).toHaveLength(1);
      expect(manual.published).toHaveLength(1);
      expect(w.notices.kinds()).toContain("needs_manual_check");
      expect((await w.store.get(id))?.deliveries[0]?.state).toBe("awaiting_confirmation");
    });

    it("--handoff sends an announcement to a person even though a gateway is configured", async () => {
      const manual = byHand();
      const w = aWorld(undefined, manual);
      const a = await w.service.draft("anna", { content: text("Von Hand"), handoff: true, origin });
      if (!a.ok) throw new Error(a.error.code);
      await w.service.approve("carla", a.value.id, { via: "command" });
      await w.outbox.runOnce();
      expect(w.outlet.published).toHaveLength(0);
      expect(manual.published).toHaveLength(1);
      expect((await w.store.get(a.value.id))?.deliveries[0]).toMatchObject({ outlet: "fake", handoff: true });
    });
  });
});
