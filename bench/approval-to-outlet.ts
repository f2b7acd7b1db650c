// Deciding approval → outlet call latency, per store. Prints a table; not part of `npm test`.
// Redis and PostgreSQL rows need TEST_REDIS_URL / TEST_POSTGRES_URL (scripts/test-services.sh start).
import { mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { AnnouncementId, DeliveryAttempt } from "../src/announcement/announcement.ts";
import { createAnnouncementService } from "../src/announcement/service.ts";
import { Outbox } from "../src/outbox/outbox.ts";
import { systemClock } from "../src/ports/clock.ts";
import { silentLogger } from "../src/ports/logger.ts";
import type { OutboundPost } from "../src/ports/outlet.ts";
import { parsePolicy } from "../adapters/config/policy-file.ts";
import { openStore } from "../adapters/store/open-store.ts";
import { FakeOutlet } from "../tests/fakes/fixtures.ts";

const OPEN = Number(process.env.BENCH_OPEN ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);

const policy = parsePolicy(
  `
people: { author: { name: A }, approver: { name: B } }
editors: [author]
defaultCategory: c
categories: { c: { label: C, approvers: [approver] } }
`,
  "bench.yaml",
);

/** Notes when the outbox called the outlet. */
class TimingOutlet extends FakeOutlet {
  readonly calledAt = new Map<AnnouncementId, number>();
  override async publish(post: OutboundPost, attempt: DeliveryAttempt) {
    this.calledAt.set(post.announcementId, performance.now());
    return super.publish(post, attempt);
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function measure(name: string, url: string) {
  const store = await openStore(url, { namespace: `bench_${Date.now().toString(36)}` });
  const outlet = new TimingOutlet();
  const notices = { emit: async () => undefined };
  const outbox = new Outbox({
    store,
    outlets: new Map([[outlet.id, outlet]]),
    clock: systemClock,
    notices,
    log: silentLogger,
  });
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
  const origin = { platform: "bench", room: "r" };
  const ids: AnnouncementId[] = [];
  for (let i = 0; i < OPEN + ROUNDS; i++) {
    const r = await service.draft("author", { content: { text: `Meldung ${i}`, media: [] }, origin });
    if (!r.ok) throw new Error(r.error.code);
    ids.push(r.value.id);
  }
  const latencies: number[] = [];
  for (const id of ids.slice(0, ROUNDS)) {
    const started = performance.now();
    const r = await service.approve("approver", id, { via: "reaction" });
    if (!r.ok) throw new Error(r.error.code);
    await pass;
    const called = outlet.calledAt.get(id);
    if (called === undefined) throw new Error(`${id} not delivered`);
    latencies.push(called - started);
  }
  await store.close();
  latencies.sort((a, b) => a - b);
  return { name, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN };
}

const stores: [string, string | undefined][] = [
  ["sqlite", `sqlite://${join(mkdtempSync(join(tmpdir(), "amtsbote-bench-")), "bench.sqlite")}`],
  ["redis", process.env.TEST_REDIS_URL],
  ["postgres", process.env.TEST_POSTGRES_URL],
];

console.log(`deciding approval → outlet call; ${ROUNDS} approvals, ${OPEN} other announcements pending`);
console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`);
console.log("| store | p50 ms | p99 ms | max ms |\n|---|---|---|---|");
for (const [name, url] of stores) {
  if (!url) {
    console.log(`| ${name} | – | – | – | (no URL)`);
    continue;
  }
  const r = await measure(name, url);
  console.log(`| ${r.name} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} |`);
}
