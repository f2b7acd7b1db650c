import { describe, expect, it } from "vitest";
import type { AnnouncementId } from "../../../src/announcement/announcement.ts";
import type { Result } from "../../../src/errors.ts";
import { FakeOutlet } from "../../fakes/fixtures.ts";
import { aWorld, origin, text, type World } from "../../fakes/world.ts";

const code = <T>(r: Result<T>): string => (r.ok ? "ok" : r.error.code);

async function published(w: World, body = "Hauptstraße gesperrt."): Promise<AnnouncementId> {
  const a = await w.service.draft("anna", { content: text(body), origin });
  if (!a.ok) throw new Error(a.error.code);
  await w.service.approve("carla", a.value.id, { via: "command" });
  await w.outbox.runOnce();
  if ((await w.store.get(a.value.id))?.state !== "published") throw new Error("not published");
  return a.value.id;
}

describe("corrections and retractions of published posts", () => {
  it("a correction needs approval, then edits the post on the outlet; the new text becomes the next version", async () => {
    const w = aWorld();
    const id = await published(w);
    const asked = await w.service.requestCorrection("anna", id, text("Hauptstraße gesperrt – bis Freitag."));
    expect(code(asked)).toBe("ok");
    expect(w.notices.kinds().at(-1)).toBe("change_requested");
    expect((await w.store.openIds()).includes(id)).toBe(true);
    await w.outbox.runOnce();
    expect(w.outlet.edits).toHaveLength(0);

    expect(code(await w.service.approve("anna", id, { via: "command" }))).toBe("SELF_APPROVAL");
    expect(code(await w.service.approve("dieter", id, { version: 1, via: "reaction" }))).toBe("STALE_VERSION");
    expect(code(await w.service.approve("dieter", id, { version: 2, via: "reaction" }))).toBe("ok");
    await w.outbox.runOnce();
    expect(w.outlet.edits).toEqual([
      {
        ref: { remoteId: "remote-1", outlet: "fake" },
        post: expect.objectContaining({ text: "Hauptstraße gesperrt – bis Freitag.", version: 2 }),
      },
    ]);
    const a = await w.store.get(id);
    expect(a?.state).toBe("corrected");
    expect(a?.change).toBeUndefined();
    expect(a?.versions.map((v) => v.content.text)).toEqual([
      "Hauptstraße gesperrt.",
      "Hauptstraße gesperrt – bis Freitag.",
    ]);
    expect(a?.events.map((e) => e.event).slice(-6)).toEqual([
      "request_correction",
      "approve_change",
      "change_approved",
      "delivery_started",
      "delivery_sent",
      "corrected",
    ]);
    expect(await w.store.openIds()).toEqual([]);
    expect(w.notices.kinds()).toContain("corrected");
  });

  it("where the outlet cannot edit, the correction goes out as a new, marked post", async () => {
    const w = aWorld();
    w.outlet.capabilities.edit = false;
    const id = await published(w);
    await w.service.requestCorrection("anna", id, text("Neuer Stand"));
    await w.service.approve("carla", id, { via: "command" });
    await w.outbox.runOnce();
    expect(w.outlet.edits).toHaveLength(0);
    expect(w.outlet.published.map((p) => p.post.text)).toEqual(["Hauptstraße gesperrt.", "✏️ Korrektur: Neuer Stand"]);
    const a = await w.store.get(id);
    expect(a?.state).toBe("corrected");
    expect(a?.deliveries[0]?.receipt?.remoteId).toBe("remote-2");
  });

  it("a retraction needs a reason and approval, then deletes the post", async () => {
    const w = aWorld();
    const id = await published(w);
    expect(code(await w.service.requestRetraction("anna", id, " "))).toBe("MISSING_REASON");
    expect(code(await w.service.requestRetraction("anna", id, "Falsche Straße"))).toBe("ok");
    expect(code(await w.service.requestCorrection("anna", id, text("x")))).toBe("CHANGE_PENDING");
    await w.service.approve("carla", id, { via: "reaction" });
    await w.outbox.runOnce();
    expect(w.outlet.removals).toEqual([{ remoteId: "remote-1", outlet: "fake" }]);
    // What is retracted, for an outlet that announces it (press mail).
    expect(w.outlet.removedPosts.map((p) => p?.text)).toEqual(["Hauptstraße gesperrt."]);
    expect((await w.store.get(id))?.state).toBe("retracted");
    expect(w.notices.kinds()).toContain("retracted");
  });

  it("a rejected or withdrawn change leaves the post as it was", async () => {
    const w = aWorld();
    const id = await published(w);
    await w.service.requestCorrection("anna", id, text("Anders"));
    expect(code(await w.service.reject("carla", id, "", {}))).toBe("MISSING_REASON");
    expect(code(await w.service.reject("carla", id, "Stimmt nicht", {}))).toBe("ok");
    let a = await w.store.get(id);
    expect(a?.state).toBe("published");
    expect(a?.change).toBeUndefined();
    expect(a?.versions).toHaveLength(1);
    expect(w.notices.notices.at(-1)).toMatchObject({
      kind: "change_rejected",
      change: "correct",
      reason: "Stimmt nicht",
    });

    await w.service.requestRetraction("anna", id, "doch nicht");
    expect(code(await w.service.withdraw("anna", id, "war ein Versehen"))).toBe("ok");
    a = await w.store.get(id);
    expect(a?.change).toBeUndefined();
    await w.outbox.runOnce();
    expect(w.outlet.edits).toHaveLength(0);
    expect(w.outlet.removals).toHaveLength(0);
  });

  it("refuses changes after WhatsApp's 30 days, to unpublished announcements, and by people who may not", async () => {
    const w = aWorld();
    const id = await published(w);
    expect(code(await w.service.requestCorrection("ben", id, text("x")))).toBe("NOT_ALLOWED_TO_CHANGE");
    w.clock.advance(30 * 86_400_000);
    expect(await w.service.requestCorrection("anna", id, text("x"))).toMatchObject({
      ok: false,
      error: { code: "EDIT_WINDOW_CLOSED", params: { days: 30 } },
    });
    const pending = await w.service.draft("anna", { content: text("Noch nicht raus"), origin });
    if (!pending.ok) throw new Error("draft");
    expect(code(await w.service.requestRetraction("anna", pending.value.id, "weg"))).toBe("INVALID_STATE");
  });

  it("a change on a post that was handed off goes to a person again", async () => {
    const manual = new FakeOutlet("manual");
    manual.handoff = true;
    manual.publishAnswers = [{ state: "awaiting_confirmation" }];
    const w = aWorld(undefined, manual);
    const a = await w.service.draft("anna", { content: text("Von Hand"), handoff: true, origin });
    if (!a.ok) throw new Error(a.error.code);
    await w.service.approve("carla", a.value.id, { via: "command" });
    await w.outbox.runOnce();
    await w.service.confirmHandoff("anna", a.value.id);
    await w.service.requestRetraction("anna", a.value.id, "erledigt");
    await w.service.approve("carla", a.value.id, { via: "command" });
    await w.outbox.runOnce();
    expect(w.outlet.removals).toHaveLength(0);
    expect(manual.removals).toEqual([{ remoteId: a.value.id, outlet: "fake" }]);
    expect((await w.store.get(a.value.id))?.state).toBe("retracted");
  });
});
