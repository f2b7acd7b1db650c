import { NinaClient } from "../../adapters/nina/nina-client.ts";
import type { AnnouncementService } from "../../src/announcement/service.ts";
import type { Policy } from "../../src/policy/policy.ts";
import { systemClock } from "../../src/ports/clock.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import type { WarningBoard } from "../../src/ports/warning-board.ts";
import type { WarningSource } from "../../src/ports/warning-source.ts";
import type { WarningFilter } from "../../src/warnings/decide.ts";
import { createWarningWatcher, type WarningWatcher } from "../../src/warnings/watcher.ts";
import type { FakeNina, FakeWarning } from "./fake-nina.ts";

/** Landkreis Verden, Achim's district: the dashboard key the tests poll. */
export const DISTRICT_ARS = "033610000000";

export const STORM_INSTRUCTION = "Fenster und Türen schließen! Aufenthalt im Freien vermeiden.";

/** A Severe DWD storm warning for the district. */
export const STORM: Omit<FakeWarning, "version" | "msgType"> = {
  id: "dwd.2.49.0.0.276.0.DWD.PVW.1789822740000.storm",
  provider: "DWD",
  severity: "Severe",
  eventCode: "BBK-EVC-040",
  headline: "Amtliche UNWETTERWARNUNG vor ORKANBÖEN",
  description: "Es treten Orkanböen bis 120 km/h auf.",
  instruction: STORM_INSTRUCTION,
  senderName: "Deutscher Wetterdienst",
  area: "Landkreis Verden",
  sent: "2026-11-30T08:00:00+01:00",
};

/** The client of the real adapter, pointed at the fake, quick to give up. */
export const ninaSource = (nina: FakeNina): WarningSource =>
  new NinaClient({ baseUrl: nina.url, ars: DISTRICT_ARS, userAgent: "amtsbote-test", timeoutMs: 500 });

/** The watcher as the composition root builds it, for a test bot's chat. */
export function testWarningWatcher(
  options: { source: WarningSource; filter?: WarningFilter },
  deps: { store: Store; board: WarningBoard; service: AnnouncementService; policy: Policy; log: Logger },
): WarningWatcher {
  return createWarningWatcher({
    ...deps,
    source: options.source,
    clock: systemClock,
    filter: options.filter ?? { minSeverity: "Moderate", providers: [] },
    ars: DISTRICT_ARS,
  });
}
