import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConsoleChat } from "../../../adapters/console/console-chat.ts";
import { NinaClient } from "../../../adapters/nina/nina-client.ts";
import { textWarningBoard } from "../../../adapters/nina/text-board.ts";
import { dispatch } from "../../../commands/dispatch.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import { createWarningWatcher, type WarningWatcher } from "../../../src/warnings/watcher.ts";
import { FakeNina } from "../../fakes/fake-nina.ts";
import { aWorld, type World } from "../../fakes/world.ts";

const ARS = "033610000000";
const INSTRUCTION = "Gebiet um den Brand meiden. Fenster und Türen geschlossen halten.";
const FIRE = {
  id: "mow.DE-NI-VER-W003-20261130-000",
  provider: "MOWAS" as const,
  severity: "Severe" as const,
  eventCode: "BBK-EVC-031",
  headline: "Rauchentwicklung nach Großbrand in Achim-Uphusen",
  description: "Bei einem Brand in einer Lagerhalle entsteht starker Rauch.",
  instruction: INSTRUCTION,
  senderName: "Landkreis Verden",
  area: "Stadt Achim",
  sent: "2026-11-30T09:30:00+01:00",
};

let nina: FakeNina;
let world: World;
let printed: string;
let input: PassThrough;
let running: Promise<void>;
let watcher: WarningWatcher;

/** A new watcher with a new client (no validators kept), as after a restart. */
function newWatcher(chat: ConsoleChat): WarningWatcher {
  return createWarningWatcher({
    store: world.store,
    source: new NinaClient({ baseUrl: nina.url, ars: ARS, userAgent: "amtsbote-test", timeoutMs: 500 }),
    board: textWarningBoard(chat, world.policy, ""),
    service: world.service,
    policy: world.policy,
    clock: world.clock,
    log: silentLogger,
    filter: { minSeverity: "Moderate", providers: [] },
    ars: ARS,
  });
}

beforeEach(async () => {
  nina = await FakeNina.start();
  world = aWorld();
  printed = "";
  input = new PassThrough();
  const output = new PassThrough();
  output.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  const chat = new ConsoleChat({ input, output, policy: world.policy, user: "anna" });
  watcher = newWatcher(chat);
  running = chat.run((i) =>
    dispatch(i, {
      service: world.service,
      policy: world.policy,
      clock: world.clock,
      log: silentLogger,
      warnings: watcher,
    }),
  );
  restart = () => {
    watcher = newWatcher(chat);
  };
});

let restart: () => void;

afterEach(async () => {
  input.end();
  await running;
  await nina.stop();
});

/** Types a line and waits until the console printed `expected`; returns what that line printed. */
async function type(line: string, expected: string): Promise<string> {
  const from = printed.length;
  input.write(`${line}\n`);
  await expect.poll(() => printed.slice(from)).toContain(expected);
  return printed.slice(from);
}

async function poll(): Promise<string> {
  const from = printed.length;
  await watcher.poll();
  return printed.slice(from);
}

describe("official warnings in the console", () => {
  it("card with the commands → relay → approval → published; update and all-clear in the chain; nothing twice after a restart", async () => {
    nina.add(ARS, FIRE);
    const card = await poll();
    expect(card).toContain("[Freigabe-Raum] ⚠️ Amtliche Warnung W-0001 · BBK (MoWaS) · schwer");
    expect(card).toContain(INSTRUCTION);
    expect(card).toContain(`https://warnung.bund.de/meldungen/${FIRE.id}/`);
    expect(card).toContain("`relay W-0001` weitergeben · `dismiss W-0001` ignorieren");

    expect(await type("relay W-0001", "W-0001 ist als A-0001 angelegt")).toContain("wartet auf Freigabe");
    expect(await poll()).toBe("");
    const relayed = await world.service.get("A-0001");
    expect(relayed?.versions[0]?.content.text).toContain("Quelle: NINA / BBK (MoWaS), Landkreis Verden");
    await type("as carla approve A-0001", "A-0001 ist freigegeben");
    await world.outbox.runOnce();

    restart();
    expect(await poll()).toBe("");
    expect(await type("warnings", "W-0001")).toContain("Weitergegeben als A-0001 von Anna");

    nina.update(ARS, FIRE.id, { description: "Der Rauch zieht nach Osten." });
    const news = await poll();
    expect(news).toContain("🔄 W-0001 wurde vom Absender aktualisiert.");
    expect(news).toContain("`relay W-0001` Update weitergeben");
    await type("relay W-0001", "W-0001 ist als A-0002 angelegt");
    await type("as carla approve A-0002", "A-0002 ist freigegeben");
    await world.outbox.runOnce();

    nina.remove(ARS, FIRE.id);
    expect(await poll()).not.toContain("Entwarnung");
    expect(await poll()).toContain("`relay W-0001` Entwarnung weitergeben");
    await type("relay W-0001", "W-0001 ist als A-0003 angelegt");
    await type("as carla approve A-0003", "A-0003 ist freigegeben");
    await world.outbox.runOnce();
    expect(world.outlet.published.map((p) => p.post.announcementId)).toEqual(["A-0001", "A-0002", "A-0003"]);
    expect(world.outlet.published[2]?.post.text).toContain("Entwarnung");
    expect(await type("relay W-0001", "W-0001 ist schon als A-0001 weitergegeben")).not.toContain("A-0004");
  });

  it("a Minor warning is only listed; ten failed polls bring one notice, recovery one more", async () => {
    nina.add(ARS, { ...FIRE, severity: "Minor" });
    expect(await poll()).toBe("");
    expect(await type("warnings", "W-0001")).toContain("Unter der Schwelle: nicht angeboten");
    nina.failNext(10, 500);
    let said = "";
    for (let i = 0; i < 10; i += 1) said += await poll();
    expect(said.match(/nicht erreichbar/g)).toHaveLength(1);
    expect(await poll()).toContain("antwortet wieder");
    expect(await poll()).toBe("");
    expect(await type("relay W-7", "Eine Warnung W-0007 gibt es nicht")).toBeTruthy();
    expect(await type("relay A-0001", "ist keine Warnungsnummer")).toBeTruthy();
    expect(await type("as zora dismiss W-0001", "nur, wer Meldungen entwerfen darf")).toBeTruthy();
  });

  it("help lists the commands", async () => {
    const help = await type("help", "warnings");
    expect(help).toContain("relay W-0007");
    expect(help).toContain("dismiss W-0007");
  });
});
