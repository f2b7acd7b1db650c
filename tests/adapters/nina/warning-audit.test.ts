import { describe, expect, it } from "vitest";
import { parseAuditArgs } from "../../../adapters/audit/cli.ts";
import { scanWarnings, toJsonl, warningAuditRows, warningsToCsv } from "../../../adapters/audit/export.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import type { WarningBoard } from "../../../src/ports/warning-board.ts";
import { createWarningWatcher } from "../../../src/warnings/watcher.ts";
import { aWorld, origin } from "../../fakes/world.ts";

const board: WarningBoard = {
  show: async () => undefined,
  refresh: async () => undefined,
  serviceChanged: async () => undefined,
};

const item = (id: string, headline: string) => ({
  id,
  version: 1,
  hash: `h-${id}`,
  provider: "MOWAS",
  severity: "Severe" as const,
  msgType: "Alert",
  headline,
});

describe("the audit export of warning decisions", () => {
  it("carries who relayed or dismissed which warning, when, and the announcement drafted", async () => {
    const world = aWorld();
    const items = [item("mow.1", "=Großbrand"), item("mow.2", "Gasaustritt")];
    const watcher = createWarningWatcher({
      store: world.store,
      source: {
        dashboard: async () => ({ changed: true, items }),
        details: async (id) => ({ id, headline: id === "mow.1" ? "=Großbrand" : "Gasaustritt", description: "" }),
      },
      board,
      service: world.service,
      policy: world.policy,
      clock: world.clock,
      log: silentLogger,
      filter: { minSeverity: "Moderate", providers: [] },
      ars: "033610000000",
    });
    await watcher.poll();
    expect((await watcher.relay("anna", "W-0001", origin)).ok).toBe(true);
    world.clock.advance(60_000);
    expect((await watcher.dismiss("carla", "W-0002")).ok).toBe(true);

    const rows = warningAuditRows(await scanWarnings(world.store));
    expect(rows).toEqual([
      {
        warning: "W-0001",
        officialId: "mow.1",
        provider: "MOWAS",
        severity: "Severe",
        headline: "=Großbrand",
        exercise: false,
        at: "2026-11-30T09:00:00.000Z",
        actor: "anna",
        action: "relay",
        version: 1,
        announcement: "A-0001",
      },
      expect.objectContaining({ warning: "W-0002", actor: "carla", action: "dismiss", announcement: null }),
    ]);
    expect(warningAuditRows(await scanWarnings(world.store), { since: new Date("2026-11-30T09:00:30Z") })).toHaveLength(
      1,
    );
    expect(toJsonl(rows).split("\n")[0]).toContain('"action":"relay"');
    const csv = warningsToCsv(rows);
    expect(csv.split("\r\n")[0]).toBe(
      "warning,officialId,provider,severity,headline,exercise,at,actor,action,version,announcement",
    );
    expect(csv).toContain("W-0001,mow.1,MOWAS,Severe,'=Großbrand,false,");
  });

  it("is asked for with --warnings, and not together with a bundle", () => {
    expect(parseAuditArgs(["--warnings", "--format", "csv"])).toEqual({
      ok: true,
      value: { kind: "rows", format: "csv", days: {}, warnings: true },
    });
    expect(parseAuditArgs(["--warnings", "--bundle", "A-0001"])).toMatchObject({ ok: false });
  });
});
