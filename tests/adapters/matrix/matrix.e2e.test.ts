import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_INTAKE_BYTES } from "../../../adapters/media/capped-read.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { parsePolicy } from "../../../adapters/config/policy-file.ts";
import { FakeHomeserver, type SentEvent } from "../../fakes/fake-homeserver.ts";
import {
  APPROVAL_ROOM,
  M,
  MATRIX_POLICY_YAML,
  OPS_ROOM,
  startMatrixBot,
  type MatrixBot,
} from "../../fakes/matrix-bot.ts";
import { validateSentContent } from "../../fakes/matrix-spec.ts";
import { FakeOutlet } from "../../fakes/fixtures.ts";

let hs: FakeHomeserver | undefined;
const bots: MatrixBot[] = [];

afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.stop();
  if (hs) {
    for (const sent of hs.sent)
      expect(validateSentContent(sent.type, sent.content), JSON.stringify(sent.content)).toEqual([]);
  }
  await hs?.stop();
  hs = undefined;
});

async function world(options: { encryptedOps?: boolean } = {}) {
  hs = await FakeHomeserver.start();
  hs.createRoom(APPROVAL_ROOM, { members: Object.values(M) });
  hs.createRoom(OPS_ROOM, { members: Object.values(M), encrypted: options.encryptedOps ?? false });
  return hs;
}

async function start(h: FakeHomeserver, options: Parameters<typeof startMatrixBot>[1] = {}) {
  const bot = await startMatrixBot(h, options);
  bots.push(bot);
  return bot;
}

const previewOf = async (bot: MatrixBot, id: string) => {
  await expect.poll(() => bot.desk.state.post(id as `A-${string}`)).toBeDefined();
  await bot.settled();
  const ref = await bot.desk.state.post(id as `A-${string}`);
  if (!ref) throw new Error(`no preview for ${id}`);
  return ref;
};

const inThreadOf = (h: FakeHomeserver, root: string): SentEvent[] =>
  h.sent.filter(
    (s) =>
      (s.content["m.relates_to"] as { rel_type?: string; event_id?: string } | undefined)?.event_id === root &&
      (s.content["m.relates_to"] as { rel_type?: string }).rel_type === "m.thread",
  );

const bodies = (events: SentEvent[]) => events.map((e) => String(e.content.body)).join("\n");

describe("Matrix with the real matrix-bot-sdk against a local homeserver", () => {
  it("!announce → preview → ✅ by an approver → published once; the preview is edited and the thread logs it", async () => {
    const h = await world();
    const bot = await start(h);
    const [command] = h.push(
      OPS_ROOM,
      h.message(M.anna, "!announce Hauptstraße gesperrt", {
        formattedBody: "!announce <b>Hauptstraße</b> gesperrt &amp; Umleitung",
      }),
    );
    await expect.poll(() => bot.store.openIds()).toEqual(["A-0001"]);
    expect((await bot.service.get("A-0001"))?.versions[0]?.content.text).toBe("*Hauptstraße* gesperrt & Umleitung");
    const preview = await previewOf(bot, "A-0001");
    expect(preview.room).toBe(APPROVAL_ROOM);
    const previewEvent = h.sent.find((s) => s.eventId === preview.id);
    expect(previewEvent?.content).toMatchObject({ msgtype: "m.notice", format: "org.matrix.custom.html" });
    expect(String(previewEvent?.content.formatted_body)).toContain(
      "<blockquote><b>Hauptstraße</b> gesperrt &amp; Umleitung</blockquote>",
    );
    expect(
      h.sent.some((s) => s.roomId === OPS_ROOM && JSON.stringify(s.content).includes(command?.event_id ?? "?")),
    ).toBe(true);

    h.push(APPROVAL_ROOM, h.reaction(M.carla, preview.id, "✅"));
    await expect.poll(() => bot.outlet.published.length).toBe(1);
    await expect.poll(async () => (await bot.service.get("A-0001"))?.state).toBe("published");
    await bot.settled();
    const edits = h.sent.filter(
      (s) => (s.content["m.relates_to"] as { rel_type?: string } | undefined)?.rel_type === "m.replace",
    );
    expect(
      String(
        edits.at(-1)?.content["m.new_content"] && (edits.at(-1)?.content["m.new_content"] as { body: string }).body,
      ),
    ).toMatch(/veröffentlicht/);
    expect(bodies(inThreadOf(h, preview.id))).toMatch(/Carla/);
    expect(bot.outlet.published).toHaveLength(1);
  });

  it("quorum 2: each ✅ and each ✅ taken back shows in the preview and its thread; the second ✅ publishes once", async () => {
    const h = await world();
    const bot = await start(h);
    h.push(OPS_ROOM, h.message(M.anna, "!announce Zwei Freigaben --category baustelle"));
    const preview = await previewOf(bot, "A-0001");
    const shown = () => {
      const edits = h.sent.filter(
        (s) =>
          (s.content["m.relates_to"] as { event_id?: string } | undefined)?.event_id === preview.id &&
          s.content["m.new_content"],
      );
      const last = edits.at(-1)?.content["m.new_content"] as { body?: string } | undefined;
      return last?.body ?? String(h.sent.find((s) => s.eventId === preview.id)?.content.body);
    };
    expect(shown()).toContain("Freigaben: 0/2");
    const [carla] = h.push(APPROVAL_ROOM, h.reaction(M.carla, preview.id, "✅"));
    await expect.poll(shown).toContain("Freigaben: 1/2 (Carla)");
    await expect.poll(() => bodies(inThreadOf(h, preview.id))).toContain("Carla hat A-0001 freigegeben");
    h.push(APPROVAL_ROOM, h.redaction(M.carla, carla?.event_id ?? ""));
    await expect.poll(shown).toContain("Freigaben: 0/2");
    await expect
      .poll(() => bodies(inThreadOf(h, preview.id)))
      .toContain("Carla hat die Freigabe für A-0001 zurückgenommen");
    h.push(APPROVAL_ROOM, h.reaction(M.carla, preview.id, "✅"), h.reaction(M.dieter, preview.id, "✅"));
    await expect.poll(() => bot.outlet.published.length).toBe(1);
    await bot.settled();
    await expect.poll(async () => (await bot.service.get("A-0001"))?.state).toBe("published");
    await bot.settled();
    expect(shown()).toContain("Freigaben: 2/2");
    expect(shown()).toContain("→ WhatsApp: veröffentlicht");
    expect(bot.outlet.published).toHaveLength(1);
    // The author hears it in a direct room, not in the room where the draft was written.
    const direct = h.directRooms(M.anna);
    expect(direct).toHaveLength(1);
    expect(h.sent.filter((s) => s.roomId === direct[0]).map((s) => String(s.content.body))).toEqual([
      expect.stringContaining("A-0001 wurde von Dieter freigegeben"),
      expect.stringContaining("A-0001 ist veröffentlicht"),
    ]);
    expect(h.sent.filter((s) => s.roomId === OPS_ROOM && String(s.content.body).includes("freigegeben"))).toEqual([]);
  });

  it("reconciliation of 1,000 waiting previews reads the room's reactions in a few pages, not one call per preview", async () => {
    const h = await world();
    const store = new MemoryStore();
    const first = await start(h, { store });
    const WAITING = 1000;
    for (let i = 0; i < WAITING; i += 1) {
      const drafted = await first.service.draft("anna", {
        content: { text: `Meldung ${i + 1}`, media: [] },
        category: "baustelle",
        origin: { platform: "matrix", room: OPS_ROOM },
      });
      expect(drafted.ok).toBe(true);
    }
    await first.settled();
    const p1 = await previewOf(first, "A-0001");
    const p2 = await previewOf(first, "A-0002");
    const [counted] = h.push(APPROVAL_ROOM, h.reaction(M.carla, p1.id, "✅"));
    await expect.poll(async () => (await first.service.get("A-0001"))?.approvals.length).toBe(1);
    await first.stop();
    bots.splice(bots.indexOf(first), 1);

    h.push(APPROVAL_ROOM, h.redaction(M.carla, counted?.event_id ?? ""));
    h.push(APPROVAL_ROOM, h.reaction(M.dieter, p2.id, "✅"), h.reaction(M.erik, p2.id, "✔️"));
    h.nextSyncLimited(APPROVAL_ROOM, 0);
    const before = h.requests.length;
    const second = await start(h, { store });
    await expect.poll(() => second.outlet.published.length, { timeout: 20_000 }).toBe(1);
    await expect.poll(async () => (await second.service.get("A-0001"))?.approvals.length).toBe(0);
    const routes = h.requests.slice(before).map((r) => r.route);
    const history = routes.filter((r) => r === "messages" || r === "relations");
    expect(history.length).toBeGreaterThan(0);
    expect(history.length).toBeLessThanOrEqual(10);
    expect((await second.service.get("A-0002"))?.approvals.map((a) => a.by).sort()).toEqual(["dieter", "erik"]);
    expect(second.outlet.published.map((p) => p.post.announcementId)).toEqual(["A-0002"]);
  }, 120_000);

  it("a preview the bot lost track of is found again among its own messages, or read from an earlier version's note", async () => {
    const h = await world();
    const store = new MemoryStore();
    const first = await start(h, { store });
    h.push(OPS_ROOM, h.message(M.anna, "!announce Erste --category baustelle"));
    const p1 = await previewOf(first, "A-0001");
    h.push(OPS_ROOM, h.message(M.anna, "!announce Zweite --category baustelle"));
    const p2 = await previewOf(first, "A-0002");
    await first.stop();
    bots.splice(bots.indexOf(first), 1);
    await store.deleteChatState("post:matrix:A-0001");
    await store.deleteChatState("post:matrix:A-0002");
    await store.putSetting("matrix-preview:A-0002", { room: p2.room, eventId: p2.id });
    const previews = () => h.sent.filter((s) => s.roomId === APPROVAL_ROOM && !s.content["m.relates_to"]).length;
    const before = previews();

    const second = await start(h, { store });
    expect(await second.desk.state.post("A-0001")).toMatchObject({ room: p1.room, id: p1.id });
    expect(await second.desk.state.post("A-0002")).toMatchObject({ room: p2.room, id: p2.id });
    expect(previews()).toBe(before);
    h.push(APPROVAL_ROOM, h.reaction(M.carla, p1.id, "✅"), h.reaction(M.dieter, p1.id, "✅"));
    await expect.poll(() => second.outlet.published.map((p) => p.post.announcementId)).toEqual(["A-0001"]);
  });

  it("the preview shows plain-language hints under the post", async () => {
    const h = await world();
    const bot = await start(h);
    h.push(
      OPS_ROOM,
      h.message(
        M.anna,
        "!announce Aufgrund der umfangreichen Sanierungsarbeiten an der Wasserleitung in der Hauptstraße wird die Straße ab Montag bis voraussichtlich Freitag zwischen der Bergstraße und dem Marktplatz für den gesamten Durchgangsverkehr voll gesperrt.",
      ),
    );
    const preview = await previewOf(bot, "A-0001");
    const content = h.sent.find((s) => s.eventId === preview.id)?.content;
    expect(String(content?.body)).toMatch(/💡 Hinweise:[\s\S]*Satz mit \d+ Wörtern/);
    expect(String(content?.formatted_body)).toContain("💡 Hinweise:");
  });

  it("self-approval and a non-approver's ✅ are refused with a short notice and change nothing", async () => {
    const h = await world();
    const bot = await start(h);
    h.push(OPS_ROOM, h.message(M.carla, "!announce Carlas eigene Meldung"));
    const preview = await previewOf(bot, "A-0001");
    h.push(APPROVAL_ROOM, h.reaction(M.carla, preview.id, "✅"), h.reaction(M.zora, preview.id, "✔️"));
    await expect
      .poll(() => inThreadOf(h, preview.id).filter((s) => String(s.content.body).includes("⚠️")))
      .toHaveLength(2);
    expect((await bot.service.get("A-0001"))?.approvals).toEqual([]);
    expect(bot.outlet.published).toEqual([]);
  });

  it("a redacted ✅ withdraws the approval; editing the command message makes a new version and voids approvals", async () => {
    const h = await world();
    const bot = await start(h);
    const [command] = h.push(OPS_ROOM, h.message(M.anna, "!announce Erster Text --category baustelle"));
    const preview = await previewOf(bot, "A-0001");
    const [reaction] = h.push(APPROVAL_ROOM, h.reaction(M.carla, preview.id, "✅"));
    await expect.poll(async () => (await bot.service.get("A-0001"))?.approvals.length).toBe(1);
    h.push(APPROVAL_ROOM, h.redaction(M.carla, reaction?.event_id ?? ""));
    await expect.poll(async () => (await bot.service.get("A-0001"))?.approvals.length).toBe(0);
    h.push(APPROVAL_ROOM, h.reaction(M.dieter, preview.id, "✅"));
    await expect.poll(async () => (await bot.service.get("A-0001"))?.approvals.length).toBe(1);
    h.push(
      OPS_ROOM,
      h.message(M.anna, "!announce Erster Text --category baustelle", {
        replaces: command?.event_id ?? "",
        newBody: "!announce Zweiter Text --category baustelle",
      }),
    );
    await expect.poll(async () => (await bot.service.get("A-0001"))?.versions.length).toBe(2);
    const a = await bot.service.get("A-0001");
    expect(a?.versions[1]?.content.text).toBe("Zweiter Text");
    expect(a?.approvals.filter((x) => x.versionHash === a.versions[1]?.hash)).toEqual([]);
    expect(bot.outlet.published).toEqual([]);
  });

  it("editing a command whose draft is not its text (a poll) leaves the draft as it is", async () => {
    const h = await world();
    const bot = await start(h);
    const poll = '!announce poll "Neuer Spielplatz?" "Ja" "Nein"';
    const [command] = h.push(OPS_ROOM, h.message(M.anna, poll));
    await previewOf(bot, "A-0001");
    const before = await bot.service.get("A-0001");
    h.push(OPS_ROOM, h.message(M.anna, poll, { replaces: command?.event_id ?? "", newBody: `${poll} "Egal"` }));
    const [status] = h.push(OPS_ROOM, h.message(M.anna, "!announce status A-0001"));
    await h.waitFor(() => h.sent.some((s) => s.txnId === `amtsbote-reply-${status?.event_id ?? "?"}`));
    await bot.settled();
    expect((await bot.service.get("A-0001"))?.versions).toEqual(before?.versions);
  });

  it("❌ asks for the reason in the thread; the approver's reply there rejects, and the author hears why", async () => {
    const h = await world();
    const bot = await start(h);
    h.push(OPS_ROOM, h.message(M.anna, "!announce Bitte ablehnen"));
    const preview = await previewOf(bot, "A-0001");
    h.push(APPROVAL_ROOM, h.reaction(M.carla, preview.id, "❌"));
    await expect.poll(() => bodies(inThreadOf(h, preview.id))).toMatch(/Warum wird A-0001 abgelehnt/);
    h.push(APPROVAL_ROOM, h.message(M.carla, "Falsche Straße", { threadRoot: preview.id }));
    await expect.poll(async () => (await bot.service.get("A-0001"))?.state).toBe("rejected");
    expect((await bot.service.get("A-0001"))?.decision?.reason).toBe("Falsche Straße");
    await bot.settled();
    const told = h.sent.filter((s) => String(s.content.body).includes("Falsche Straße"));
    expect(told.map((s) => s.roomId)).toHaveLength(1);
    expect([OPS_ROOM, APPROVAL_ROOM]).not.toContain(told[0]?.roomId);
    const direct = h.requests.find((r) => r.route === "createRoom");
    expect(direct).toBeDefined();
  });

  it("reactions given and taken back while the bot was down count after its restart, even past a gappy sync", async () => {
    const h = await world();
    const store = new MemoryStore();
    const first = await start(h, { store });
    h.push(OPS_ROOM, h.message(M.anna, "!announce Zwei Freigaben --category baustelle"));
    const preview = await previewOf(first, "A-0001");
    const [early] = h.push(APPROVAL_ROOM, h.reaction(M.erik, preview.id, "✅"));
    await expect.poll(async () => (await first.service.get("A-0001"))?.approvals.length).toBe(1);
    await first.stop();
    bots.splice(bots.indexOf(first), 1);

    h.push(APPROVAL_ROOM, h.redaction(M.erik, early?.event_id ?? ""));
    h.push(APPROVAL_ROOM, h.reaction(M.carla, preview.id, "✅"), h.reaction(M.dieter, preview.id, "✅"));
    // A gappy sync after the downtime skips them all: only re-reading the preview's reactions finds them.
    h.nextSyncLimited(APPROVAL_ROOM, 0);
    const second = await start(h, { store });
    await expect.poll(() => second.outlet.published.length).toBe(1);
    const a = await second.service.get("A-0001");
    expect(a?.approvals.map((x) => x.by).sort()).toEqual(["carla", "dieter"]);
    expect(second.outlet.published).toHaveLength(1);
  });

  it("with MATRIX_E2EE=off an encrypted room is refused: said in the room, nothing drafted", async () => {
    const h = await world({ encryptedOps: true });
    const bot = await start(h);
    await expect
      .poll(() => h.sent.filter((s) => s.roomId === OPS_ROOM && String(s.content.body).includes("verschlüsselt")))
      .toHaveLength(1);
    h.push(OPS_ROOM, h.encrypted(M.anna));
    h.push(APPROVAL_ROOM, h.message(M.anna, "!announce Im Freigaberaum geht es"));
    await expect.poll(() => bot.store.openIds()).toEqual(["A-0001"]);
    expect(h.sent.filter((s) => s.roomId === OPS_ROOM)).toHaveLength(1);
  });

  it("joins only configured rooms on invite; an unknown invite is ignored", async () => {
    const h = await world();
    await start(h);
    h.invite("!fremd:rathaus.example.de", M.zora);
    const configured = "!spaeter:rathaus.example.de";
    h.createRoom(configured, { botJoined: false });
    await h.waitFor(() => h.requests.some((r) => r.route === "sync" && typeof r.query.since === "string"));
    expect(h.joins.map((j) => j.roomId)).not.toContain("!fremd:rathaus.example.de");
    expect(h.membership("!fremd:rathaus.example.de")).toBe("invite");
  });

  it("approvers by power level: room v12 creators count as highest, the bot sends with stable transaction ids", async () => {
    hs = await FakeHomeserver.start();
    const h = hs;
    h.createRoom(APPROVAL_ROOM, {
      creator: "@buergermeister:rathaus.example.de",
      members: Object.values(M),
      powerLevels: { users: { [M.zora]: 50 } },
    });
    h.createRoom(OPS_ROOM, { members: Object.values(M) });
    const policy = parsePolicy(
      MATRIX_POLICY_YAML.replace("groups:\n", "groups:\n  raumleitung: []\n")
        .replace("editors:", "matrixPowerLevels:\n  raumleitung: 50\neditors:")
        .replace('approvers: ["@leitung"]\n    quorum: 1', 'approvers: ["@leitung", "@raumleitung"]\n    quorum: 1'),
      "pl.yaml",
    );
    const bot = await start(h, { policy });
    expect(policy.people.get("zora")).toBeDefined();
    expect(bot.policy.categories.get("allgemein")?.approvers).toEqual(
      expect.arrayContaining(["zora", "matrix-@buergermeister:rathaus.example.de"]),
    );
    h.failNext("send", 429, { errcode: "M_LIMIT_EXCEEDED", error: "Too Many Requests", retry_after_ms: 50 });
    h.push(OPS_ROOM, h.message(M.anna, "!announce Bürgermeister gibt frei"));
    const preview = await previewOf(bot, "A-0001");
    h.push(APPROVAL_ROOM, h.reaction("@buergermeister:rathaus.example.de", preview.id, "✅"));
    await expect.poll(() => bot.outlet.published.length).toBe(1);
    const txnIds = h.sent.map((s) => s.txnId);
    expect(new Set(txnIds).size).toBe(txnIds.length);
  });

  it("history from before the start is not acted on; a slow outlet never holds up the next command", async () => {
    const h = await world();
    h.push(OPS_ROOM, {
      ...h.message(M.anna, "!announce Alte Meldung von gestern"),
      origin_server_ts: Date.now() - 86_400_000,
    });
    const stuck = new FakeOutlet("whatsapp");
    let release = () => undefined as void;
    stuck.publish = () => new Promise((resolve) => (release = () => resolve({ state: "sent", remoteId: "late" })));
    const bot = await start(h, { outlet: stuck });
    await h.waitFor(() => h.requests.some((r) => r.route === "sync" && typeof r.query.since === "string"));
    expect(await bot.store.openIds()).toEqual([]);
    h.push(OPS_ROOM, h.message(M.anna, "!announce Erste"));
    const preview = await previewOf(bot, "A-0001");
    h.push(APPROVAL_ROOM, h.reaction(M.carla, preview.id, "✅"));
    await expect.poll(async () => (await bot.service.get("A-0001"))?.state).toBe("publishing");
    h.push(OPS_ROOM, h.message(M.anna, "!announce Zweite, während die erste hängt"));
    await expect.poll(() => bot.store.openIds()).toEqual(["A-0001", "A-0002"]);
    release();
  });

  it("a refused access token (401) stops the bot with a clear message", async () => {
    const h = await world();
    const fatal: string[] = [];
    await start(h, { onFatal: (message) => fatal.push(message) });
    h.revokeToken();
    await expect.poll(() => fatal, { timeout: 5000 }).toEqual([expect.stringContaining("MATRIX_ACCESS_TOKEN")]);
  });

  it("a picture replied to by !announce is fetched from the authenticated media endpoint and goes with the draft", async () => {
    const h = await world();
    const bot = await start(h);
    const png = await sharp({ create: { width: 30, height: 20, channels: 3, background: "#06c" } })
      .png()
      .toBuffer();
    const mxc = h.addMedia(png, "image/png");
    const [image] = h.push(
      OPS_ROOM,
      h.message(M.anna, "umleitung.png", { msgtype: "m.image", url: mxc, info: { mimetype: "image/png" } }),
    );
    h.push(OPS_ROOM, h.message(M.anna, "!announce Umleitung wie im Bild", { inReplyTo: image?.event_id ?? "" }));
    // Without a description the author is asked first, and nothing is drafted.
    await expect.poll(() => bodies(h.sent.filter((s) => s.roomId === OPS_ROOM))).toMatch(/ohne Beschreibung/);
    expect(await bot.store.openIds()).toEqual([]);
    h.push(
      OPS_ROOM,
      h.message(M.anna, '!announce Umleitung wie im Bild --alt "Karte der Umleitung über die Bergstraße"', {
        inReplyTo: image?.event_id ?? "",
      }),
    );
    await expect.poll(() => bot.store.openIds()).toEqual(["A-0001"]);
    expect((await bot.service.get("A-0001"))?.versions[0]?.content.media).toMatchObject([
      { mimeType: "image/jpeg", altText: "Karte der Umleitung über die Bergstraße" },
    ]);
    expect(h.requests.some((r) => r.route === "media" && r.path.startsWith("/_matrix/client/v1/media/download/"))).toBe(
      true,
    );
  });

  it("media over the cap — endless, or too large by its info.size — is refused in the room and nothing is stored", async () => {
    const h = await world();
    const store = new MemoryStore();
    const stored: string[] = [];
    const putMedia = store.putMedia.bind(store);
    store.putMedia = (sha256, bytes) => {
      stored.push(sha256);
      return putMedia(sha256, bytes);
    };
    const bot = await start(h, { store });
    const replies = () => bodies(h.sent.filter((s) => s.roomId === OPS_ROOM));
    const [endless] = h.push(
      OPS_ROOM,
      h.message(M.anna, "endlos.png", {
        msgtype: "m.image",
        url: h.addEndlessMedia("image/png"),
        info: { mimetype: "image/png" },
      }),
    );
    h.push(OPS_ROOM, h.message(M.anna, '!announce Bild --alt "Plan"', { inReplyTo: endless?.event_id ?? "" }));
    await expect
      .poll(replies)
      .toContain("Die Datei „endlos.png“ ist größer als 20.00 MB und wurde nicht ganz gelesen; erlaubt sind 16.00 MB.");
    expect(h.endlessBytesServed).toBeLessThan(2 * MAX_INTAKE_BYTES);

    const png = await sharp({ create: { width: 30, height: 20, channels: 3, background: "#06c" } })
      .png()
      .toBuffer();
    const downloads = () => h.requests.filter((r) => r.route === "media").length;
    const before = downloads();
    const [claimed] = h.push(
      OPS_ROOM,
      h.message(M.anna, "riesig.mp4", {
        msgtype: "m.video",
        url: h.addMedia(png, "video/mp4"),
        info: { mimetype: "video/mp4", size: 2 * 1024 ** 3 },
      }),
    );
    h.push(OPS_ROOM, h.message(M.anna, '!announce Film --alt "Film"', { inReplyTo: claimed?.event_id ?? "" }));
    await expect.poll(replies).toContain("Die Datei „riesig.mp4“ ist 2048.00 MB groß, erlaubt sind 16.00 MB.");
    expect(downloads()).toBe(before);
    expect(await bot.store.openIds()).toEqual([]);
    expect(stored).toEqual([]);

    const [picture] = h.push(
      OPS_ROOM,
      h.message(M.anna, "plan.png", {
        msgtype: "m.image",
        url: h.addMedia(png, "image/png"),
        info: { size: png.length },
      }),
    );
    h.push(OPS_ROOM, h.message(M.anna, '!announce Plan --alt "Plan"', { inReplyTo: picture?.event_id ?? "" }));
    await expect.poll(() => bot.store.openIds()).toEqual(["A-0001"]);
    expect(stored).toHaveLength(1);
  });

  it("a send whose answer is lost is repeated with the same transaction id: one event, not two", async () => {
    const h = await world();
    const bot = await start(h);
    h.dropNext("send");
    h.push(OPS_ROOM, h.message(M.anna, "!announce Antwort geht verloren"));
    await previewOf(bot, "A-0001");
    await bot.settled();
    const previews = h
      .roomEvents(APPROVAL_ROOM)
      .filter(
        (e) =>
          e.sender === h.botUserId &&
          String(e.content.body).includes("Antwort geht verloren") &&
          !e.content["m.relates_to"],
      );
    expect(previews).toHaveLength(1);
    const replies = h.roomEvents(OPS_ROOM).filter((e) => e.sender === h.botUserId);
    expect(replies).toHaveLength(1);
  });

  it("a gappy sync while running is reconciled: reactions it skipped still count", async () => {
    const h = await world();
    const bot = await start(h);
    h.push(OPS_ROOM, h.message(M.anna, "!announce Lücke im Sync --category baustelle"));
    const preview = await previewOf(bot, "A-0001");
    // Everything so far delivered, so the gap swallows exactly the two reactions.
    await h.waitFor(() => h.roomEvents(APPROVAL_ROOM).every((e) => h.delivered(e.event_id)));
    h.nextSyncLimited(APPROVAL_ROOM, 0);
    h.push(APPROVAL_ROOM, h.reaction(M.carla, preview.id, "✅"), h.reaction(M.dieter, preview.id, "✅"));
    await expect.poll(() => bot.outlet.published.length).toBe(1);
    expect((await bot.service.get("A-0001"))?.approvals.map((x) => x.by).sort()).toEqual(["carla", "dieter"]);
  });
});
