import { describe, expect, it } from "vitest";
import { ApprovalDesk } from "../../commands/approval-desk.ts";
import { dispatch } from "../../commands/dispatch.ts";
import { failed } from "../../commands/handlers.ts";
import type { CommandInput, CommandOutcome } from "../../commands/input.ts";
import type { Localized } from "../../commands/messages.ts";
import type { Announcement } from "../../src/announcement/announcement.ts";
import { createAnnouncementService } from "../../src/announcement/service.ts";
import { MemoryStore } from "../../src/memory/memory-store.ts";
import { NoticeBus } from "../../src/notices/bus.ts";
import type { ApprovalPost, ApprovalSurface, PostReaction } from "../../src/ports/approval-surface.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import { FakeOutlet, FixedClock, testPolicy } from "../fakes/fixtures.ts";
import { OutageStore } from "../fakes/outage-store.ts";

/** A chat that shows nothing but records what it was asked to show; `open` waits until released. */
class RecordingSurface implements ApprovalSurface {
  readonly platform = "console";
  readonly lines: string[] = [];
  readonly private: { person: string; text: string }[] = [];
  readonly reactions = new Map<string, PostReaction[]>();
  #posts = 0;
  #gate: Promise<void> = Promise.resolve();
  release: () => void = () => undefined;
  holdOpens(): void {
    this.#gate = new Promise((resolve) => (this.release = resolve));
  }
  botUserId = () => "bot";
  readonly approvalRoom = "approvals";
  async open(): Promise<ApprovalPost> {
    await this.#gate;
    this.#posts += 1;
    return { room: "approvals", id: `post-${this.#posts}`, at: Date.now() };
  }
  async recover(a: Announcement): Promise<ApprovalPost> {
    return { room: "approvals", id: `recovered-${a.id}`, at: Date.now() };
  }
  async update(): Promise<void> {}
  async log(_post: ApprovalPost | undefined, line: Localized): Promise<void> {
    this.lines.push(line.de);
  }
  async notify(_post: ApprovalPost, user: string, message: Localized): Promise<void> {
    this.lines.push(`${user}: ${message.de}`);
  }
  async tellPrivately(person: string, message: Localized): Promise<void> {
    this.private.push({ person, text: message.de });
  }
  async toApprovers(message: Localized): Promise<void> {
    this.lines.push(message.de);
  }
  async handoff(): Promise<void> {}
  async readReactions(posts: readonly ApprovalPost[]): Promise<Map<string, PostReaction[]>> {
    return new Map(posts.map((p) => [p.id, this.reactions.get(p.id) ?? []]));
  }
}

function aDesk(store: MemoryStore = new MemoryStore()) {
  const policy = testPolicy();
  const surface = new RecordingSurface();
  const bus = new NoticeBus();
  const service = createAnnouncementService({
    store,
    policy,
    clock: new FixedClock(),
    outlets: [new FakeOutlet()],
    notices: bus,
    log: silentLogger,
  });
  let failNext = false;
  let storeAwayNext = false;
  const handle = async (input: CommandInput): Promise<CommandOutcome> => {
    if (failNext) {
      failNext = false;
      throw new Error("store went away");
    }
    if (storeAwayNext) {
      storeAwayNext = false;
      return failed({ code: "STORE_UNAVAILABLE" });
    }
    return dispatch(input, { service, policy, clock: new FixedClock(), log: silentLogger });
  };
  const storeAway: unknown[] = [];
  const desk = new ApprovalDesk({
    surface,
    policy,
    store,
    handle,
    log: silentLogger,
    storeAway: (error) => void storeAway.push(error),
  });
  bus.subscribe(desk);
  const draft = async (text: string) => {
    const result = await service.draft("anna", {
      content: { text, media: [] },
      category: "baustelle",
      origin: { platform: "console", room: "t" },
    });
    if (!result.ok) throw new Error(result.error.code);
    return result.value;
  };
  return {
    store,
    service,
    surface,
    desk,
    draft,
    /** What the desk reported waiting for the store: someone must call `resume` once it is back. */
    storeAway,
    failOnce: () => (failNext = true),
    storeAwayOnce: () => (storeAwayNext = true),
  };
}

const approvalsOf = async (w: ReturnType<typeof aDesk>, id: string) =>
  (await w.service.get(id as `A-${string}`))?.approvals.map((a) => a.by) ?? [];

describe("the approval desk", () => {
  it("chat noise (another room, an emoji that means nothing here, the bot's own) is dropped before any store call", async () => {
    const w = aDesk();
    await w.draft("Zwei Freigaben");
    await w.desk.settled();
    let storeCalls = 0;
    for (const method of ["getChatState", "putChatState", "claimOnce", "get", "withLock"] as const) {
      const original = w.store[method].bind(w.store) as (...args: unknown[]) => unknown;
      (w.store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        storeCalls += 1;
        return original(...args);
      };
    }
    const on = (room: string, user: string, key: string, eventId: string) =>
      w.desk.reaction({ eventId, room, postId: "post-1", user, key, removed: false });
    await on("elsewhere", "carla", "✅", "n1");
    await on("approvals", "carla", "🎉", "n2");
    await on("approvals", "carla", ":tada:", "n3");
    await on("approvals", "bot", "✅", "n4");
    expect(storeCalls).toBe(0);
    await on("approvals", "carla", "✅", "n5");
    expect(storeCalls).toBeGreaterThan(0);
    expect(await approvalsOf(w, "A-0001")).toEqual(["carla"]);
  });

  it("a ✅ that arrives while its post is being noted waits for it, and counts", async () => {
    const w = aDesk();
    w.surface.holdOpens();
    await w.draft("Zwei Freigaben");
    const reacted = w.desk.reaction({
      eventId: "e1",
      room: "approvals",
      postId: "post-1",
      user: "carla",
      key: "✅",
      removed: false,
    });
    w.surface.release();
    await reacted;
    expect(await approvalsOf(w, "A-0001")).toEqual(["carla"]);
  });

  it("an event counts once; one whose effect failed is not marked handled, so its replay counts", async () => {
    const w = aDesk();
    await w.draft("Zwei Freigaben");
    await w.desk.settled();
    const event = { eventId: "e1", room: "approvals", postId: "post-1", user: "carla", key: "✅", removed: false };
    w.failOnce();
    await expect(w.desk.reaction(event)).rejects.toThrow("store went away");
    expect(await approvalsOf(w, "A-0001")).toEqual([]);
    await w.desk.reaction(event);
    await w.desk.reaction(event);
    expect(await approvalsOf(w, "A-0001")).toEqual(["carla"]);
    expect(await w.desk.state.handled("e1")).toBe(true);
  });

  it("reconciles from one read of all posts: new ✅ count, a ✅ taken back withdraws, a counted one is not counted again", async () => {
    const w = aDesk();
    await w.draft("Eins");
    await w.draft("Zwei");
    await w.desk.settled();
    await w.desk.reaction({
      eventId: "e1",
      room: "approvals",
      postId: "post-1",
      user: "carla",
      key: "✅",
      removed: false,
    });
    expect(await approvalsOf(w, "A-0001")).toEqual(["carla"]);
    // While away: carla's ✅ on post 1 is gone, dieter's ✅ on post 2 is new.
    w.surface.reactions.set("post-2", [{ user: "dieter", key: "✅" }]);
    await w.desk.reconcile();
    expect(await approvalsOf(w, "A-0001")).toEqual([]);
    expect(await approvalsOf(w, "A-0002")).toEqual(["dieter"]);
    await w.desk.reconcile();
    expect(await approvalsOf(w, "A-0002")).toEqual(["dieter"]);
  });

  it("a post nobody noted is recovered before reconciliation, and authors are told privately", async () => {
    const w = aDesk();
    await w.draft("Verloren");
    await w.desk.settled();
    await w.store.deleteChatState("post:console:A-0001");
    await w.desk.recoverPosts();
    expect(await w.desk.state.post("A-0001")).toMatchObject({ id: "recovered-A-0001" });
    await w.desk.reaction({
      eventId: "e2",
      room: "approvals",
      postId: "recovered-A-0001",
      user: "carla",
      key: "✅",
      removed: false,
    });
    await w.desk.reaction({
      eventId: "e3",
      room: "approvals",
      postId: "recovered-A-0001",
      user: "dieter",
      key: "✅",
      removed: false,
    });
    await w.desk.settled();
    expect(w.surface.private).toEqual([{ person: "anna", text: expect.stringContaining("A-0001 wurde von") }]);
  });

  describe("while the store is unreachable", () => {
    const reaction = (eventId: string, user: string, removed = false) => ({
      eventId,
      room: "approvals",
      postId: "post-1",
      user,
      key: "✅",
      removed,
    });

    it("reactions wait instead of failing or being lost, and count once, in order, when the store is back", async () => {
      const store = new OutageStore();
      const w = aDesk(store);
      await w.draft("Zwei Freigaben");
      await w.desk.settled();
      store.down = true;
      await w.desk.reaction(reaction("e1", "carla"));
      await w.desk.reaction(reaction("e2", "carla", true));
      await w.desk.reaction(reaction("e3", "dieter"));
      expect(w.storeAway).toHaveLength(1);
      await w.desk.resume();
      store.down = false;
      expect(await approvalsOf(w, "A-0001")).toEqual([]);

      await w.desk.resume();
      expect(await approvalsOf(w, "A-0001")).toEqual(["dieter"]);
      expect((await w.service.get("A-0001"))?.events.filter((e) => e.event === "approve")).toHaveLength(2);
      await w.desk.resume();
      await w.desk.reaction(reaction("e3", "dieter"));
      expect(await approvalsOf(w, "A-0001")).toEqual(["dieter"]);
      expect(await w.desk.state.handled("e3")).toBe(true);
    });

    it("a reaction whose command could not reach the store is not marked handled, and counts when resumed", async () => {
      const w = aDesk();
      await w.draft("Zwei Freigaben");
      await w.desk.settled();
      w.storeAwayOnce();
      await w.desk.reaction(reaction("e1", "carla"));
      expect(await w.desk.state.handled("e1")).toBe(false);
      expect(w.surface.lines.filter((line) => line.startsWith("carla:"))).toEqual([]);
      // Later events queue behind it, so a removal cannot overtake the ✅ it takes back.
      await w.desk.reaction(reaction("e2", "carla", true));
      expect(await approvalsOf(w, "A-0001")).toEqual([]);

      await w.desk.resume();
      expect(await w.desk.state.handled("e1")).toBe(true);
      expect(await w.desk.state.handled("e2")).toBe(true);
      expect(await approvalsOf(w, "A-0001")).toEqual([]);
      expect((await w.service.get("A-0001"))?.events.filter((e) => e.event === "approve")).toHaveLength(1);
    });

    it("a notice that meets the store unreachable is shown once it is back, in order with later ones", async () => {
      const store = new OutageStore();
      const w = aDesk(store);
      const a = await w.draft("Zwei Freigaben");
      await w.desk.settled();
      const lines = w.surface.lines.length;
      store.down = true;
      await w.desk.emit({ kind: "approval_given", announcement: a, by: "carla", remaining: 1 });
      await w.desk.emit({ kind: "approval_revoked", announcement: a, by: "carla" });
      await w.desk.settled();
      expect(w.surface.lines.slice(lines)).toEqual([]);
      expect(w.storeAway).toHaveLength(1);

      store.down = false;
      await w.desk.resume();
      expect(w.surface.lines.slice(lines)).toEqual([
        expect.stringContaining("Carla hat A-0001 freigegeben"),
        expect.stringContaining("Carla hat die Freigabe für A-0001 zurückgenommen"),
      ]);
    });
  });
});
