import { afterEach, describe, expect, it } from "vitest";
import { dispatch } from "../../../commands/dispatch.ts";
import { ManualHandoffOutlet } from "../../../adapters/whatsapp/manual-handoff.ts";
import { notImplemented } from "../../../adapters/whatsapp/engine.ts";
import { WahaOutlet, type WahaOptions } from "../../../adapters/whatsapp/waha.ts";
import type { Content } from "../../../src/announcement/announcement.ts";
import { createAnnouncementService } from "../../../src/announcement/service.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { Outbox } from "../../../src/outbox/outbox.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import type { OutboundPost } from "../../../src/ports/outlet.ts";
import { FakeWaha, type WahaEngine } from "../../fakes/fake-waha.ts";
import { FixedClock, RecordingNotices, testPolicy } from "../../fakes/fixtures.ts";
import { aWorld, origin } from "../../fakes/world.ts";

const POLL = { question: "Welcher Termin passt?", options: ["Dienstag", "Donnerstag"], multipleChoice: false };
const running: FakeWaha[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop()));
});

async function wahaOn(engine: WahaEngine, options: Partial<WahaOptions> = {}) {
  const fake = new FakeWaha();
  fake.engine = engine;
  running.push(fake);
  const outlet = new WahaOutlet({
    baseUrl: await fake.start(),
    apiKey: fake.apiKey,
    session: "default",
    channelId: fake.channelId,
    timeoutMs: 2_000,
    readBackGraceMs: 0,
    media: async () => undefined,
    ...options,
  });
  return { fake, outlet };
}

const post = (over: Partial<OutboundPost> = {}): OutboundPost => ({
  announcementId: "A-0001",
  version: 1,
  category: "verkehr",
  text: "Hauptstraße ab Montag gesperrt.",
  media: [],
  fingerprint: "f1",
  ...over,
});
const attempt = () => ({ id: "a1", startedAt: new Date().toISOString(), fingerprint: "f1" });

describe("WAHA engine probe: what the connected engine can do", () => {
  it("GOWS: no read-back (not asked: known not to), polls expected, edits unconfirmed", async () => {
    const { fake, outlet } = await wahaOn("GOWS");
    const status = await outlet.status();
    expect(status).toMatchObject({
      state: "ok",
      engine: {
        name: "GOWS",
        abilities: {
          readBack: { can: "no", why: "engine_default" },
          poll: { can: "yes", why: "engine_default" },
          edit: { can: "unknown", why: "engine_unconfirmed" },
        },
      },
    });
    expect(fake.requests.filter((r) => r.includes("/messages"))).toEqual([]);
  });

  it("NOWEB: the probe reads back the channel's posts and so confirms read-back", async () => {
    const { fake, outlet } = await wahaOn("NOWEB");
    expect((await outlet.status()).engine?.abilities.readBack).toEqual({ can: "yes", why: "engine_default" });
    await outlet.publish(post(), attempt());
    expect((await outlet.status()).engine?.abilities.readBack).toEqual({ can: "yes", why: "worked" });
    expect(fake.requests.filter((r) => r.startsWith(`GET /api/default/chats/${fake.channelId}/messages`))).toHaveLength(
      2,
    );
  });

  it("an engine whose table says read-back but which answers 501 is probed to 'no' and says why", async () => {
    const { fake, outlet } = await wahaOn("WPP");
    fake.can.readBack = false;
    await outlet.health();
    expect((await outlet.status()).engine?.abilities.readBack).toEqual({ can: "no", why: "refused" });
    expect(await outlet.readBack(post(), attempt())).toMatchObject({ state: "unavailable" });
  });

  it("the configuration overrides the engine, both ways, and is named as the reason", async () => {
    const { outlet } = await wahaOn("NOWEB", { canReadBack: "off", canPoll: "off", canEdit: "on" });
    expect((await outlet.status()).engine?.abilities).toEqual({
      readBack: { can: "no", why: "config" },
      poll: { can: "no", why: "config" },
      edit: { can: "yes", why: "config" },
    });
  });

  it("forgets what one engine taught when WAHA comes back with another", async () => {
    const { fake, outlet } = await wahaOn("WEBJS");
    await outlet.health();
    await outlet.publish(post({ poll: POLL }), attempt());
    expect((await outlet.status()).engine?.abilities.poll).toEqual({ can: "no", why: "refused" });
    fake.engine = "NOWEB";
    expect((await outlet.status()).engine?.abilities.poll).toEqual({ can: "yes", why: "engine_default" });
  });
});

describe("WAHA remembers the engine's first answer", () => {
  it("WEBJS: a poll refused as not implemented is handed on as not_supported, and polls stay off", async () => {
    const { fake, outlet } = await wahaOn("WEBJS");
    await outlet.health();
    expect((await outlet.status()).engine?.abilities.poll).toEqual({ can: "unknown", why: "engine_unconfirmed" });
    const first = await outlet.publish(post({ poll: POLL }), attempt());
    expect(first).toMatchObject({ state: "failed", code: "not_supported", retryable: false });
    expect(fake.sends).toBe(1);
    const second = await outlet.publish(post({ poll: POLL }), attempt());
    expect(second).toMatchObject({ state: "failed", code: "not_supported", retryable: false });
    expect(fake.sends).toBe(1);
    expect(await outlet.publish(post(), attempt())).toMatchObject({ state: "sent" });
  });

  it("GOWS: an edit refused as not implemented turns edits off; an accepted poll confirms polls", async () => {
    const { fake, outlet } = await wahaOn("GOWS");
    await outlet.health();
    const sent = await outlet.publish(post({ poll: POLL }), attempt());
    expect(sent).toMatchObject({ state: "sent" });
    expect((await outlet.status()).engine?.abilities.poll).toEqual({ can: "yes", why: "worked" });
    const ref = { remoteId: sent.state === "sent" ? (sent.remoteId ?? "") : "" };
    expect(await outlet.edit(ref, post({ text: "Korrigiert" }))).toMatchObject({ code: "not_supported" });
    const puts = () => fake.requests.filter((r) => r.startsWith("PUT")).length;
    expect(puts()).toBe(1);
    expect(await outlet.edit(ref, post({ text: "Nochmal" }))).toMatchObject({ code: "not_supported" });
    expect(puts()).toBe(1);
    expect((await outlet.status()).engine?.abilities.edit).toEqual({ can: "no", why: "refused" });
  });

  it("NOWEB: an edit goes through and confirms edits", async () => {
    const { fake, outlet } = await wahaOn("NOWEB");
    const sent = await outlet.publish(post(), attempt());
    const remoteId = sent.state === "sent" ? (sent.remoteId ?? "") : "";
    expect(await outlet.edit({ remoteId }, post({ text: "Korrigiert" }))).toEqual({ state: "sent", remoteId });
    expect(fake.edits).toEqual([{ id: remoteId, text: "Korrigiert" }]);
    expect((await outlet.status()).engine?.abilities.edit).toEqual({ can: "yes", why: "worked" });
  });

  it("an older WAHA's 422 'not implemented' is a refusal too, not a session that is not ready", () => {
    const ex = {
      kind: "response" as const,
      status: 422,
      body: { statusCode: 422, message: "The method is not implemented by the engine.", error: "Unprocessable Entity" },
      headers: new Headers(),
    };
    expect(notImplemented(ex)).toBe(true);
    const notReady = { ...ex, body: { error: "Session status is not as expected", status: "STARTING" } };
    expect(notImplemented(notReady)).toBe(false);
  });

  it("keeps accepting polls for drafting on every engine: a person can carry what the engine cannot", async () => {
    const { outlet } = await wahaOn("WEBJS", { canPoll: "off" });
    expect(outlet.capabilities.poll).toBe(true);
  });
});

describe("read-back that is not confirmed never allows a re-send", () => {
  it("before the engine is known, an empty read-back is 'unavailable', not 'not found'", async () => {
    const { outlet } = await wahaOn("NOWEB");
    expect(await outlet.readBack(post(), attempt())).toMatchObject({ state: "unavailable" });
  });

  it("an engine that lists posts, but not this one, is 'not found' (a re-send may follow)", async () => {
    const { outlet } = await wahaOn("NOWEB");
    await outlet.health();
    await outlet.publish(post({ text: "Etwas anderes" }), attempt());
    expect(await outlet.readBack(post(), attempt())).toEqual({ state: "not_found" });
  });
});

/** The app's wiring of a WAHA channel with the manual hand-off behind it. */
async function deskWith(engine: WahaEngine) {
  const { fake, outlet } = await wahaOn(engine);
  await outlet.health();
  const store = new MemoryStore();
  const notices = new RecordingNotices();
  const clock = new FixedClock(new Date().toISOString());
  const policy = testPolicy();
  const deps = { store, policy, clock, notices, log: silentLogger };
  const manual = new ManualHandoffOutlet(notices, policy);
  const service = createAnnouncementService({ ...deps, outlets: [outlet] });
  const outbox = new Outbox({ ...deps, outlets: new Map([[outlet.id, outlet]]), handoff: manual });
  const approve = async (content: Content) => {
    const draft = await service.draft("anna", { content, origin: { platform: "t", room: "t" } });
    if (!draft.ok) throw new Error(draft.error.code);
    const approved = await service.approve("carla", draft.value.id, { via: "command" });
    if (!approved.ok) throw new Error(approved.error.code);
    return draft.value.id;
  };
  return { fake, outlet, store, notices, clock, outbox, approve };
}

describe("through the outbox: what the engine cannot do goes to a person, for that post only", () => {
  it("WEBJS: the poll is handed to a person, the text post beside it goes out by the gateway", async () => {
    const d = await deskWith("WEBJS");
    const poll = await d.approve({ text: "Bürgerbefragung", poll: POLL, media: [] });
    const text = await d.approve({ text: "Hauptstraße ab Montag gesperrt.", media: [] });
    await d.outbox.runOnce();
    await d.outbox.runOnce();
    const handed = await d.store.get(poll);
    expect(handed?.deliveries[0]).toMatchObject({ handoff: true, state: "awaiting_confirmation" });
    expect(handed?.deliveries[0]?.lastError).toContain("does not implement");
    expect(d.notices.notices).toContainEqual(
      expect.objectContaining({ kind: "delivery_failed", code: "not_supported", outlet: "whatsapp-waha" }),
    );
    expect(d.notices.notices).toContainEqual(expect.objectContaining({ kind: "handoff", step: "publish" }));
    expect((await d.store.get(text))?.state).toBe("published");
    expect(d.fake.posts.map((p) => p.body)).toEqual(["Hauptstraße ab Montag gesperrt."]);

    const next = await d.approve({ text: "Zweite Befragung", poll: { ...POLL, question: "Und jetzt?" }, media: [] });
    const sendsBefore = d.fake.sends;
    await d.outbox.runOnce();
    await d.outbox.runOnce();
    expect((await d.store.get(next))?.deliveries[0]).toMatchObject({ handoff: true, state: "awaiting_confirmation" });
    expect(d.fake.sends).toBe(sendsBefore);
  });

  it("GOWS: an unclear send (empty 201) goes to a person to check, never re-sent blindly", async () => {
    const d = await deskWith("GOWS");
    d.fake.emptyAnswers = "unposted";
    const id = await d.approve({ text: "Wasserrohrbruch in der Bahnhofstraße.", media: [] });
    await d.outbox.runOnce();
    expect((await d.store.get(id))?.deliveries[0]?.state).toBe("sending");
    d.fake.emptyAnswers = "no";
    for (let i = 0; i < 4; i++) {
      d.clock.advance(30_000);
      await d.outbox.runOnce();
    }
    const a = await d.store.get(id);
    expect(a?.deliveries[0]).toMatchObject({ handoff: true, state: "awaiting_confirmation" });
    expect(a?.events.map((e) => e.event)).toContain("delivery_needs_manual_check");
    expect(d.notices.kinds()).toContain("needs_manual_check");
    expect(d.fake.sends).toBe(1);
    expect(d.fake.requests.filter((r) => r.includes("/messages"))).toEqual([]);
  });

  it("NOWEB: the same unclear send is read back and found: published, sent once, no person needed", async () => {
    const d = await deskWith("NOWEB");
    d.fake.emptyAnswers = "posted";
    const id = await d.approve({ text: "Wasserrohrbruch in der Bahnhofstraße.", media: [] });
    await d.outbox.runOnce();
    d.fake.emptyAnswers = "no";
    d.clock.advance(2_000);
    await d.outbox.runOnce();
    const a = await d.store.get(id);
    expect(a?.state).toBe("published");
    expect(a?.deliveries[0]?.handoff).toBeUndefined();
    expect(d.fake.sends).toBe(1);
  });
});

describe("`whatsapp status` names the engine and each ability, in German and English", () => {
  it("after a refused poll on WEBJS", async () => {
    const { outlet } = await wahaOn("WEBJS");
    await outlet.health();
    await outlet.publish(post({ poll: POLL }), attempt());
    const w = aWorld();
    const o = await dispatch(
      { kind: "text", actor: { platform: "console", userId: "anna" }, origin, text: "whatsapp status" },
      { service: w.service, policy: w.policy, clock: w.clock, log: silentLogger, channel: outlet },
    );
    expect(o.kind === "reply" && o.message.de.split("\n").slice(0, 5)).toEqual([
      "WhatsApp (WAHA): verbunden.",
      "Engine: WEBJS",
      "– Beiträge zurücklesen: ja (bekannt für die Engine WEBJS)",
      "– Beiträge bearbeiten: ja (bekannt für die Engine WEBJS)",
      "– Umfragen: nein (die Engine hat es als nicht unterstützt abgelehnt; aus bis zum Neustart)",
    ]);
    expect(o.kind === "reply" && o.message.en.split("\n").slice(0, 5)).toEqual([
      "WhatsApp (WAHA): connected.",
      "Engine: WEBJS",
      "– read back posts: yes (known for the engine WEBJS)",
      "– edit posts: yes (known for the engine WEBJS)",
      "– polls: no (the engine refused it as not supported; off until restart)",
    ]);
  });

  it("with a setting and an unconfirmed ability on GOWS", async () => {
    const { outlet } = await wahaOn("GOWS", { canPoll: "off" });
    const w = aWorld();
    const o = await dispatch(
      { kind: "text", actor: { platform: "console", userId: "anna" }, origin, text: "whatsapp status" },
      { service: w.service, policy: w.policy, clock: w.clock, log: silentLogger, channel: outlet },
    );
    expect(o.kind === "reply" && o.message.de).toContain("– Umfragen: nein (so eingestellt (WAHA_CAN_POLL))");
    expect(o.kind === "reply" && o.message.en).toContain(
      "– edit posts: unknown (unconfirmed for the engine GOWS; its first answer will tell)",
    );
    expect(o.kind === "reply" && o.message.en).toContain("– read back posts: no (known for the engine GOWS)");
  });
});
