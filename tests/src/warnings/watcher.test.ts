import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../adapters/config/policy-file.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import type { CardNews, WarningBoard } from "../../../src/ports/warning-board.ts";
import type { WarningSource } from "../../../src/ports/warning-source.ts";
import { decide, wanted } from "../../../src/warnings/decide.ts";
import { allClearText, categoryFor, plainCapText, relayText } from "../../../src/warnings/relay-text.ts";
import {
  officialLink,
  parseWarningHandle,
  type DashboardItem,
  type WarningDetails,
  type WarningRecord,
} from "../../../src/warnings/warning.ts";
import { createWarningWatcher } from "../../../src/warnings/watcher.ts";
import { TEST_POLICY_YAML } from "../../fakes/fixtures.ts";
import { aWorld, origin, type World } from "../../fakes/world.ts";

const storm = (change: Partial<DashboardItem> = {}): DashboardItem => ({
  id: "dwd.2.49.0.0.276.0.DWD.PVW.1.a",
  version: 1,
  hash: "h1",
  provider: "DWD",
  severity: "Severe",
  msgType: "Alert",
  eventCode: "BBK-EVC-040",
  headline: "Amtliche UNWETTERWARNUNG vor ORKANBÖEN",
  sent: "2026-11-30T08:00:00+01:00",
  ...change,
});

const INSTRUCTION = "Fenster und Türen schließen!<br/>Aufenthalt im Freien vermeiden.";

const detailsOf = (item: DashboardItem): WarningDetails => ({
  id: item.id,
  headline: item.headline,
  senderName: "Deutscher Wetterdienst",
  description: `Es tritt Orkan auf (Version ${item.version}).<br/>Böen bis 120 km/h.`,
  instruction: INSTRUCTION,
  effective: "2026-11-30T08:00:00+01:00",
  expires: "2026-11-30T20:00:00+01:00",
  area: "Landkreis Verden",
});

class StubSource implements WarningSource {
  items: DashboardItem[] = [];
  down = false;
  detailCalls = 0;
  async dashboard() {
    if (this.down) throw new Error("503");
    return { changed: true as const, items: this.items };
  }
  async details(id: string) {
    this.detailCalls += 1;
    const item = this.items.find((i) => i.id === id);
    if (!item || this.down) throw new Error("404");
    return detailsOf(item);
  }
}

class RecordingBoard implements WarningBoard {
  shown: WarningRecord[] = [];
  refreshed: { record: WarningRecord; news: CardNews }[] = [];
  service: ("down" | "back")[] = [];
  async show(record: WarningRecord) {
    this.shown.push(record);
    return { room: "room", id: `card-${this.shown.length}` };
  }
  async refresh(_ref: unknown, record: WarningRecord, news: CardNews) {
    this.refreshed.push({ record, news });
  }
  async serviceChanged(state: "down" | "back") {
    this.service.push(state);
  }
}

function setUp(world: World = aWorld(), source = new StubSource(), board = new RecordingBoard()) {
  const watcher = createWarningWatcher({
    store: world.store,
    source,
    board,
    service: world.service,
    policy: world.policy,
    clock: world.clock,
    log: silentLogger,
    filter: { minSeverity: "Moderate", providers: [] },
    ars: "033610000000",
  });
  return { world, source, board, watcher };
}

async function publish(world: World, id: `A-${string}`) {
  const approved = await world.service.approve("carla", id, { via: "command" });
  expect(approved.ok).toBe(true);
  await world.outbox.runOnce();
}

describe("what the watcher decides about a dashboard entry", () => {
  const filter = { minSeverity: "Moderate" as const, providers: [] };
  it("offers a new warning at or above the threshold, skips one below it or from a sender not chosen", () => {
    expect(decide(undefined, storm(), filter)).toEqual({ kind: "offer" });
    expect(decide(undefined, storm({ severity: "Minor" }), filter)).toEqual({ kind: "skip", why: "below_threshold" });
    expect(decide(undefined, storm({ severity: undefined }), filter)).toEqual({ kind: "skip", why: "below_threshold" });
    expect(wanted(storm(), { minSeverity: "Minor", providers: ["MOWAS"] })).toBe("provider_filtered");
    expect(wanted(storm({ provider: "dwd" }), { minSeverity: "Minor", providers: ["DWD"] })).toBe("yes");
  });

  it("sees a change in a higher version or a new hash, and a Cancel as the end", () => {
    const known = { item: storm() } as WarningRecord;
    expect(decide(known, storm(), filter)).toEqual({ kind: "same" });
    expect(decide(known, storm({ hash: "h2" }), filter)).toMatchObject({ kind: "changed", cancelled: false });
    expect(decide(known, storm({ version: 2, msgType: "Cancel" }), filter)).toMatchObject({ cancelled: true });
  });
});

describe("the relay text", () => {
  it("attributes the warning, keeps the instructions unchanged and links the official warning", () => {
    const text = relayText(storm(), detailsOf(storm()), "Europe/Berlin");
    expect(text).toContain("Quelle: NINA / DWD (Deutscher Wetterdienst), Deutscher Wetterdienst");
    expect(text).toContain("Fenster und Türen schließen!\nAufenthalt im Freien vermeiden.");
    expect(text).toContain(officialLink(storm().id));
    expect(officialLink("mow.DE-NI-VER-1")).toBe("https://warnung.bund.de/meldungen/mow.DE-NI-VER-1/");
    expect(text).toContain("Gültig von 30.11.2026, 08:00 Uhr bis 30.11.2026, 20:00 Uhr");
    expect(allClearText(storm(), detailsOf(storm()), true)).toContain("ist aufgehoben");
    expect(plainCapText("a<br>b &amp; <b>c</b>")).toBe("a\nb & c");
  });

  it("maps the category by event code, then severity, then the default, else the first emergency category", () => {
    const mapped = parsePolicy(
      `${TEST_POLICY_YAML}warnings:\n  categories:\n    byEventCode: { BBK-EVC-040: sturm }\n    bySeverity: { Extreme: krise }\n    default: allgemein\n`,
      "p.yaml",
    );
    expect(categoryFor(mapped, storm())).toBe("sturm");
    expect(categoryFor(mapped, storm({ eventCode: "BBK-EVC-001", severity: "Extreme" }))).toBe("krise");
    expect(categoryFor(mapped, storm({ eventCode: "BBK-EVC-001" }))).toBe("allgemein");
    expect(categoryFor(aWorld().policy, storm())).toBe("krise");
  });

  it("refuses a policy whose warnings section names a category that does not exist", () => {
    expect(() =>
      parsePolicy(`${TEST_POLICY_YAML}warnings:\n  categories:\n    bySeverity: { Severe: nope }\n`, "p.yaml"),
    ).toThrow(/warnings\.categories\.bySeverity\.Severe.*no category "nope"/s);
  });

  it("reads handles as people type them", () => {
    expect(parseWarningHandle("w-7")).toBe("W-0007");
    expect(parseWarningHandle("W-0012")).toBe("W-0012");
    expect(parseWarningHandle("A-0001")).toBeUndefined();
  });
});

describe("the warning watcher", () => {
  it("offers a new Severe warning once, and nothing for a Minor one, across a restart", async () => {
    const { world, source, board, watcher } = setUp();
    source.items = [storm(), storm({ id: "minor", severity: "Minor", headline: "Glätte" })];
    expect(await watcher.poll()).toBe("ok");
    expect(await watcher.poll()).toBe("ok");
    expect(board.shown.map((r) => r.handle)).toEqual(["W-0001"]);
    const again = setUp(world, source, board).watcher;
    await again.poll();
    expect(board.shown).toHaveLength(1);
    expect((await again.current()).map((r) => [r.handle, r.state])).toEqual([
      ["W-0001", "offered"],
      ["W-0002", "below_threshold"],
    ]);
  });

  it("relay → draft with attribution awaiting approval; update → update offered in the chain; gone → all-clear", async () => {
    const { world, source, board, watcher } = setUp();
    source.items = [storm()];
    await watcher.poll();
    const relayed = await watcher.relay("anna", "W-0001", origin);
    if (!relayed.ok) throw new Error(relayed.error.code);
    const a = relayed.value.value;
    expect(a.state).toBe("pending");
    expect(a.category).toBe("krise");
    expect(a.versions[0]?.content.text).toContain("Quelle: NINA / DWD");
    expect((await watcher.relay("ben", "W-0001", origin)).ok).toBe(false);
    await publish(world, a.id);
    expect(world.outlet.published).toHaveLength(1);

    source.items = [storm({ version: 2, hash: "h2", msgType: "Update" })];
    await watcher.poll();
    expect(board.refreshed.at(-1)?.news).toBe("update_offered");
    const update = await watcher.relay("anna", "W-0001", origin);
    if (!update.ok) throw new Error(update.error.code);
    expect(update.value.value.incident).toEqual({ root: a.id, kind: "update" });
    expect(update.value.value.versions[0]?.content.text).toContain("Version 2");
    await publish(world, update.value.value.id);

    source.items = [];
    const offered = board.refreshed.length;
    await watcher.poll();
    // One answer without it may be a glitch of the service: nothing ends yet, and it is still listed.
    expect(board.refreshed.length).toBe(offered);
    expect((await watcher.current()).map((r) => r.item.id)).toContain(storm().id);
    expect((await watcher.get("W-0001"))?.ended).toBeUndefined();
    await watcher.poll();
    expect(board.refreshed.at(-1)?.news).toBe("allclear_offered");
    const allClear = await watcher.relay("anna", "W-0001", origin);
    if (!allClear.ok) throw new Error(allClear.error.code);
    expect(allClear.value.value.incident).toEqual({ root: a.id, kind: "cancel" });
    await publish(world, allClear.value.value.id);
    expect((await world.service.get(a.id))?.incident?.closed).toBe(true);
    expect(world.outlet.published).toHaveLength(3);
    const record = await watcher.get("W-0001");
    expect(record?.decisions.map((d) => [d.action, d.by])).toEqual([
      ["relay", "anna"],
      ["relay_update", "anna"],
      ["relay_allclear", "anna"],
    ]);
  });

  it("a dismissed warning offers nothing more: not its update, not its end", async () => {
    const { source, board, watcher } = setUp();
    source.items = [storm()];
    await watcher.poll();
    expect((await watcher.dismiss("anna", "W-0001")).ok).toBe(true);
    const before = board.refreshed.length;
    source.items = [storm({ version: 2, hash: "h2" })];
    await watcher.poll();
    source.items = [];
    await watcher.poll();
    await watcher.poll();
    expect(board.refreshed.length).toBe(before);
    const record = await watcher.get("W-0001");
    expect(record?.state).toBe("dismissed");
    expect(record?.dismissed?.by).toBe("anna");
    expect(record?.ended?.how).toBe("gone");
  });

  it("refuses relaying by someone who may not draft, and unknown handles", async () => {
    const { source, watcher } = setUp();
    source.items = [storm()];
    await watcher.poll();
    expect(await watcher.relay("zora", "W-0001", origin)).toMatchObject({
      ok: false,
      error: { code: "NOT_ALLOWED_TO_RELAY" },
    });
    expect(await watcher.dismiss("zora", "W-0001")).toMatchObject({
      ok: false,
      error: { code: "NOT_ALLOWED_TO_RELAY" },
    });
    expect(await watcher.relay("anna", "W-0099", origin)).toMatchObject({
      ok: false,
      error: { code: "WARNING_NOT_FOUND" },
    });
  });

  it("offers a warning once it is raised above the threshold by an update", async () => {
    const { source, board, watcher } = setUp();
    source.items = [storm({ severity: "Minor" })];
    await watcher.poll();
    expect(board.shown).toHaveLength(0);
    source.items = [storm({ severity: "Severe", version: 2, hash: "h2" })];
    await watcher.poll();
    expect(board.shown.map((r) => r.handle)).toEqual(["W-0001"]);
  });

  it("a Cancel ends a relayed warning and offers the all-clear", async () => {
    const { world, source, board, watcher } = setUp();
    source.items = [storm()];
    await watcher.poll();
    const relayed = await watcher.relay("anna", "W-0001", origin);
    if (!relayed.ok) throw new Error(relayed.error.code);
    await publish(world, relayed.value.value.id);
    source.items = [storm({ version: 2, hash: "h2", msgType: "Cancel" })];
    await watcher.poll();
    expect(board.refreshed.at(-1)?.news).toBe("allclear_offered");
    expect((await watcher.get("W-0001"))?.ended?.how).toBe("cancelled");
  });

  it("ten failed polls: one down notice; the next answer: one back notice", async () => {
    const { source, board, watcher } = setUp();
    source.down = true;
    for (let i = 0; i < 10; i += 1) expect(await watcher.poll()).toBe("failed");
    expect(board.service).toEqual(["down"]);
    source.down = false;
    await watcher.poll();
    await watcher.poll();
    expect(board.service).toEqual(["down", "back"]);
    expect(await watcher.serviceDown()).toBe(false);
  });

  it("two failed polls are a blip, not an outage", async () => {
    const { source, board, watcher } = setUp();
    source.down = true;
    await watcher.poll();
    await watcher.poll();
    source.down = false;
    await watcher.poll();
    expect(board.service).toEqual([]);
  });

  it("two instances sharing a store offer a warning once", async () => {
    const store = new MemoryStore();
    const source = new StubSource();
    source.items = [storm()];
    const board = new RecordingBoard();
    const one = setUp(aWorld(store), source, board).watcher;
    const two = setUp(aWorld(store), source, board).watcher;
    await Promise.all([one.poll(), two.poll(), one.poll(), two.poll()]);
    expect(board.shown).toHaveLength(1);
  });

  it("exercise mode marks the card; crisis mode does not hold it", async () => {
    const { world, source, board, watcher } = setUp();
    expect((await world.service.setMode("carla", "crisis", true)).ok).toBe(true);
    expect((await world.service.setMode("carla", "exercise", true)).ok).toBe(true);
    source.items = [storm()];
    await watcher.poll();
    expect(board.shown[0]?.exercise).toBe(true);
  });
});
