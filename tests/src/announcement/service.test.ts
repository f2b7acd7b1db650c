import { describe, expect, it } from "vitest";
import { FINAL_STATES, type Announcement } from "../../../src/announcement/announcement.ts";
import { TRANSITIONS } from "../../../src/announcement/lifecycle.ts";
import type { Result } from "../../../src/errors.ts";
import { aWorld, origin, text } from "../../fakes/world.ts";

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}`);
  return r.value;
}

const errorCode = <T>(r: Result<T>): string => (r.ok ? "ok" : r.error.code);

describe("announcement lifecycle", () => {
  it("drafts as pending with version 1, a content hash and audit events", async () => {
    const w = aWorld();
    const a = value(await w.service.draft("anna", { content: text("Hauptstraße gesperrt."), origin }));
    expect(a.id).toBe("A-0001");
    expect(a.state).toBe("pending");
    expect(a.versions).toHaveLength(1);
    expect(a.versions[0]?.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(a.events.map((e) => e.event)).toEqual(["create", "submit"]);
    expect(a.events.every((e) => e.actor === "anna" && e.versionHash === a.versions[0]?.hash)).toBe(true);
    expect(w.notices.kinds()).toEqual(["approval_requested"]);
    expect(value(await w.service.draft("anna", { content: text("Zweite"), origin })).id).toBe("A-0002");
  });

  it("refuses self-approval (four-eyes) and changes nothing", async () => {
    const w = aWorld();
    const a = value(await w.service.draft("carla", { content: text("Text"), origin }));
    expect(errorCode(await w.service.approve("carla", a.id, { via: "command" }))).toBe("SELF_APPROVAL");
    expect(await w.store.get(a.id)).toEqual(a);
  });

  it("refuses approval by someone who is not an approver of the category", async () => {
    const w = aWorld();
    const a = value(await w.service.draft("anna", { content: text("Text"), origin }));
    expect(errorCode(await w.service.approve("ben", a.id, { via: "command" }))).toBe("NOT_AN_APPROVER");
    expect(errorCode(await w.service.approve("erik", a.id, { via: "command" }))).toBe("NOT_AN_APPROVER");
    expect(await w.store.get(a.id)).toEqual(a);
  });

  it("refuses approval of a stale version, and an edit voids earlier approvals", async () => {
    const w = aWorld();
    const a = value(await w.service.draft("anna", { content: text("Fassung eins"), category: "baustelle", origin }));
    value(await w.service.approve("carla", a.id, { version: 1, via: "reaction" }));
    const edited = value(await w.service.edit("anna", a.id, text("Fassung zwei")));
    expect(edited.versions).toHaveLength(2);
    expect(edited.state).toBe("pending");
    expect(errorCode(await w.service.approve("dieter", a.id, { version: 1, via: "reaction" }))).toBe("STALE_VERSION");
    // Carla's approval was for version 1: one more approval is not enough for quorum 2.
    const once = value(await w.service.approve("dieter", a.id, { version: 2, via: "reaction" }));
    expect(once.state).toBe("pending");
    const twice = value(await w.service.approve("carla", a.id, { via: "command" }));
    expect(twice.state).toBe("publishing");
    expect(twice.deliveries).toEqual([{ outlet: "fake", state: "queued", attempts: 0 }]);
  });

  it("needs the category's quorum of distinct approvers", async () => {
    const w = aWorld();
    const a = value(await w.service.draft("anna", { content: text("Text"), category: "baustelle", origin }));
    expect(value(await w.service.approve("carla", a.id, { via: "command" })).state).toBe("pending");
    expect(errorCode(await w.service.approve("carla", a.id, { via: "command" }))).toBe("ALREADY_APPROVED_BY_YOU");
    const done = value(await w.service.approve("erik", a.id, { via: "button" }));
    expect(done.state).toBe("publishing");
    expect(done.events.map((e) => e.event).slice(-4)).toEqual([
      "approve",
      "approve",
      "quorum_reached",
      "start_publishing",
    ]);
  });

  it("revoking an approval before the decision takes it back", async () => {
    const w = aWorld();
    const a = value(await w.service.draft("anna", { content: text("Text"), category: "baustelle", origin }));
    value(await w.service.approve("carla", a.id, { via: "reaction" }));
    const revoked = value(await w.service.revokeApproval("carla", a.id, {}));
    expect(revoked.approvals).toEqual([]);
    expect(errorCode(await w.service.revokeApproval("carla", a.id, {}))).toBe("NO_APPROVAL_TO_REVOKE");
  });

  it("rejects with a reason shown to the author; no reason, no rejection", async () => {
    const w = aWorld();
    const a = value(await w.service.draft("anna", { content: text("Text"), origin }));
    expect(errorCode(await w.service.reject("carla", a.id, "  ", {}))).toBe("MISSING_REASON");
    expect(errorCode(await w.service.reject("anna", a.id, "selbst", {}))).toBe("SELF_REJECTION");
    const r = value(await w.service.reject("carla", a.id, "Datum fehlt", {}));
    expect(r.state).toBe("rejected");
    expect(r.decision).toMatchObject({ by: "carla", reason: "Datum fehlt" });
    expect(r.events.at(-1)).toMatchObject({
      event: "reject",
      actor: "carla",
      reason: "Datum fehlt",
      from: "pending",
      to: "rejected",
    });
    expect(await w.store.openIds()).toEqual([]);
    expect(errorCode(await w.service.approve("dieter", a.id, { via: "command" }))).toBe("INVALID_STATE");
  });

  it("withdraws with a reason, only by author, approvers or admins", async () => {
    const w = aWorld();
    const a = value(await w.service.draft("anna", { content: text("Text"), origin }));
    expect(errorCode(await w.service.withdraw("ben", a.id, "weil"))).toBe("NOT_ALLOWED_TO_CHANGE");
    expect(errorCode(await w.service.withdraw("anna", a.id, ""))).toBe("MISSING_REASON");
    expect(value(await w.service.withdraw("anna", a.id, "doppelt")).state).toBe("withdrawn");
  });

  it("expires pending announcements at their deadline, once", async () => {
    const w = aWorld();
    const a = value(await w.service.draft("anna", { content: text("Text"), category: "baustelle", origin }));
    w.clock.advance(59 * 60_000);
    expect(await w.service.expireDue()).toBe(0);
    w.clock.advance(60_000);
    expect(await w.service.expireDue()).toBe(1);
    expect(await w.service.expireDue()).toBe(0);
    const expired = await w.store.get(a.id);
    expect(expired?.state).toBe("expired");
    expect(expired?.events.at(-1)).toMatchObject({ event: "expire", actor: "system" });
  });

  it("an edit gives approvers a fresh deadline", async () => {
    const w = aWorld();
    const a = value(await w.service.draft("anna", { content: text("Eins"), category: "baustelle", origin }));
    w.clock.advance(50 * 60_000);
    const edited = value(await w.service.edit("anna", a.id, text("Zwei")));
    expect(edited.deadline).toBe(new Date(w.clock.now().getTime() + 3_600_000).toISOString());
    w.clock.advance(20 * 60_000);
    expect(await w.service.expireDue()).toBe(0);
  });

  it("schedules an approved announcement for --at and does not expire it after approval", async () => {
    const w = aWorld();
    const at = new Date(w.clock.now().getTime() + 30 * 60_000);
    const a = value(await w.service.draft("anna", { content: text("Später"), publishAt: at, origin }));
    expect(a.deadline).toBe(at.toISOString());
    expect(value(await w.service.approve("carla", a.id, { via: "command" })).state).toBe("scheduled");
    expect(errorCode(await w.service.draft("anna", { content: text("x"), publishAt: w.clock.now(), origin }))).toBe(
      "DATE_IN_PAST",
    );
  });

  it("refuses content the configured outlet cannot carry, before anything is stored", async () => {
    const w = aWorld();
    w.outlet.capabilities.poll = false;
    w.outlet.capabilities.image = false;
    w.outlet.capabilities.maxTextLength = 100;
    const poll = { question: "Wann?", options: ["Mo", "Di"], multipleChoice: false };
    const picture = { name: "a.jpg", mimeType: "image/jpeg", bytes: 10, sha256: "x" };
    expect(await w.service.draft("anna", { content: { text: "", poll, media: [] }, origin })).toMatchObject({
      ok: false,
      error: { code: "OUTLET_CANNOT", params: { outlet: "fake", what: "poll" } },
    });
    expect(errorCode(await w.service.draft("anna", { content: { text: "Bild", media: [picture] }, origin }))).toBe(
      "OUTLET_CANNOT",
    );
    expect(errorCode(await w.service.draft("anna", { content: text("x".repeat(101)), origin }))).toBe("TEXT_TOO_LONG");
    expect(await w.store.currentSequence("announcement")).toBe(0);
  });

  it("rejects bad input before anything is stored", async () => {
    const w = aWorld();
    expect(errorCode(await w.service.draft("anna", { content: text("   "), origin }))).toBe("EMPTY_TEXT");
    expect(errorCode(await w.service.draft("anna", { content: text("x".repeat(4097)), origin }))).toBe("TEXT_TOO_LONG");
    expect(errorCode(await w.service.draft("anna", { content: text("x"), category: "nope", origin }))).toBe(
      "UNKNOWN_CATEGORY",
    );
    expect(errorCode(await w.service.draft("zora", { content: text("x"), origin }))).toBe("NOT_ALLOWED_TO_DRAFT");
    expect(await w.store.currentSequence("announcement")).toBe(0);
    expect(await w.store.openIds()).toEqual([]);
  });

  it("keeps the audit trail append-only: every change only adds events", async () => {
    const w = aWorld();
    const a = value(await w.service.draft("anna", { content: text("Eins"), category: "baustelle", origin }));
    const snapshots: Announcement[] = [a];
    snapshots.push(value(await w.service.approve("carla", a.id, { via: "command" })));
    snapshots.push(value(await w.service.edit("anna", a.id, text("Zwei"))));
    snapshots.push(value(await w.service.approve("carla", a.id, { via: "command" })));
    snapshots.push(value(await w.service.approve("erik", a.id, { via: "command" })));
    for (let i = 1; i < snapshots.length; i++) {
      const before = snapshots[i - 1]?.events ?? [];
      const after = snapshots[i]?.events ?? [];
      expect(after.length).toBeGreaterThan(before.length);
      expect(after.slice(0, before.length)).toEqual(before);
    }
    const seqs = snapshots.at(-1)?.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs?.map((_, i) => i + 1));
  });

  it("lists every state in the transition table; only final states lead nowhere else", () => {
    const reachable = new Set<string>(Object.values(TRANSITIONS).flatMap((row) => Object.values(row)));
    const leaving = new Set<string>(
      Object.values(TRANSITIONS).flatMap((row) =>
        Object.entries(row)
          .filter(([from, to]) => from !== to)
          .map(([from]) => from),
      ),
    );
    expect([...reachable].filter((s) => !leaving.has(s)).sort()).toEqual(
      [...FINAL_STATES].filter((s) => s !== "published" && s !== "corrected").sort(),
    );
  });
});
