// Deciding approval → the gateway receiving the send request, per store. Prints a table; not part of `npm test`.
// The outlet is the real WahaOutlet (no pacing) talking to FakeWaha on loopback; the moment FakeWaha receives
// `POST /api/sendText` is taken from node:http's `http.server.request.start` diagnostics channel (the request
// has arrived and been parsed, before its body is read). Redis and PostgreSQL rows need TEST_REDIS_URL /
// TEST_POSTGRES_URL (scripts/test-services.sh start).
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { parsePolicy } from "../adapters/config/policy-file.ts";
import { openStore } from "../adapters/store/open-store.ts";
import type { AnnouncementId } from "../src/announcement/announcement.ts";
import { createAnnouncementService } from "../src/announcement/service.ts";
import { Outbox } from "../src/outbox/outbox.ts";
import { systemClock } from "../src/ports/clock.ts";
import { silentLogger } from "../src/ports/logger.ts";
import {
  benchNamespace,
  benchStores,
  dropNamespace,
  loopbackWaha,
  machineLine,
  met,
  ms,
  stats,
  table,
  tempDir,
  type Stats,
} from "./lib/common.ts";

const OPEN = Number(process.env.BENCH_OPEN ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const TARGET_P99_MS = 25;

const policy = parsePolicy(
  `
people: { author: { name: A }, approver: { name: B } }
editors: [author]
defaultCategory: c
categories: { c: { label: C, approvers: [approver] } }
`,
  "bench.yaml",
);

/** When the gateway received each send request (performance.now()), in arrival order. */
const arrivals: number[] = [];
const onRequest = (message: unknown) => {
  const { request } = message as { request: IncomingMessage };
  if (request.method === "POST" && request.url === "/api/sendText") arrivals.push(performance.now());
};

async function measure(url: string): Promise<Stats> {
  const namespace = benchNamespace("outlet");
  const store = await openStore(url, { namespace });
  const { waha, outlet } = await loopbackWaha();
  const notices = { emit: async () => undefined };
  const outbox = new Outbox({
    store,
    outlets: new Map([[outlet.id, outlet]]),
    clock: systemClock,
    notices,
    log: silentLogger,
  });
  // The deciding approval wakes the outbox at once, as the composition root's worker does.
  let pass: Promise<void> = Promise.resolve();
  const service = createAnnouncementService({
    store,
    policy,
    clock: systemClock,
    outlets: [outlet],
    notices,
    log: silentLogger,
    onDue: () => void (pass = outbox.runOnce()),
  });
  try {
    const origin = { platform: "bench", room: "r" };
    const ids: AnnouncementId[] = [];
    for (let i = 0; i < WARMUP + ROUNDS + OPEN; i++) {
      const r = await service.draft("author", {
        content: { text: `Wochenmarkt am Samstag auf dem Rathausplatz, 8 bis 13 Uhr (Meldung ${i}).`, media: [] },
        origin,
      });
      if (!r.ok) throw new Error(r.error.code);
      ids.push(r.value.id);
    }
    const latencies: number[] = [];
    for (const [i, id] of ids.slice(0, WARMUP + ROUNDS).entries()) {
      const before = arrivals.length;
      const started = performance.now();
      const r = await service.approve("approver", id, { via: "reaction" });
      if (!r.ok) throw new Error(r.error.code);
      // The whole outbox pass, so the next round starts from a quiet outbox.
      await pass;
      if ((await store.get(id))?.state !== "published") throw new Error(`${id} was not published`);
      const arrived = arrivals[before];
      if (arrived === undefined || arrivals.length !== before + 1) {
        throw new Error(`${id}: expected one send request, saw ${arrivals.length - before}`);
      }
      if (i >= WARMUP) latencies.push(arrived - started);
    }
    if (waha.posts.length !== WARMUP + ROUNDS) throw new Error(`FakeWaha got ${waha.posts.length} posts`);
    return stats(latencies);
  } finally {
    await pass;
    await store.close();
    await waha.stop();
    await dropNamespace(url, namespace).catch(() => undefined);
  }
}

console.log("## Deciding approval → gateway receives the send request (WahaOutlet → FakeWaha on loopback)");
console.log(machineLine());
console.log(
  `${ROUNDS} approvals measured one at a time (after ${WARMUP} warm-up), ${OPEN} other announcements pending; ` +
    `no pacing`,
);
subscribe("http.server.request.start", onRequest);
const rows: string[][] = [];
let sqliteP99 = NaN;
for (const [name, url] of benchStores(tempDir("outlet"))) {
  if (!url) {
    rows.push([name, "skipped (no URL)", "", "", "", "", ""]);
    continue;
  }
  const s = await measure(url);
  if (name === "sqlite") sqliteP99 = s.p99;
  rows.push([name, String(s.n), ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max), ms(s.mean)]);
}
unsubscribe("http.server.request.start", onRequest);
console.log("");
console.log(table(["store", "approvals", "p50 ms", "p90 ms", "p99 ms", "max ms", "mean ms"], rows));
console.log("");
console.log(`target: p99 < ${TARGET_P99_MS} ms with SQLite — ${ms(sqliteP99)} ms: ${met(sqliteP99 < TARGET_P99_MS)}`);
