// A second (third, …) process for the cross-process tests: opens the shared store, waits for "go"
// on stdin, approves as the given people in parallel, runs the outbox, prints what happened as JSON.
import { createInterface } from "node:readline";
import { createAnnouncementService } from "../../src/announcement/service.ts";
import type { AnnouncementId } from "../../src/announcement/announcement.ts";
import { Outbox } from "../../src/outbox/outbox.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import { systemClock } from "../../src/ports/clock.ts";
import { openStore } from "../../adapters/store/open-store.ts";
import { CROWD_POLICY, FakeOutlet, RecordingNotices } from "./fixtures.ts";

const [url = "", namespace = "", id = "", people = ""] = process.argv.slice(2);
const store = await openStore(url, { namespace });
const outlet = new FakeOutlet();
const deps = { store, policy: CROWD_POLICY, clock: systemClock, notices: new RecordingNotices(), log: silentLogger };
const service = createAnnouncementService({ ...deps, outlets: [outlet] });
const outbox = new Outbox({ ...deps, outlets: new Map([[outlet.id, outlet]]) });

process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "go") break;
}
const results = await Promise.all(
  people.split(",").map((p) => service.approve(p, id as AnnouncementId, { via: "reaction" })),
);
await Promise.all([outbox.runOnce(), outbox.runOnce()]);
process.stdout.write(
  `${JSON.stringify({ results: results.map((r) => (r.ok ? "ok" : r.error.code)), published: outlet.published.length })}\n`,
);
await store.close();
