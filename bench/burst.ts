// A burst of 500 drafts and 1,000 approvals (quorum 2: two distinct approvers per draft), published through the
// real WahaOutlet (no pacing) to FakeWaha on loopback, per store. Reports lost and doubled posts, peak RSS,
// outbox drain time and the burst's own duration. Lost or doubled posts (or failed commands) exit non-zero:
// that is a real failure, unlike the latency targets elsewhere. Not part of `npm test`.
//
// Each store runs in a child process of its own (this script with `--store <name> <url>`), so one store's
// memory does not carry over into the next one's peak.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parsePolicy } from "../adapters/config/policy-file.ts";
import { openStore } from "../adapters/store/open-store.ts";
import { startWorker } from "../adapters/worker.ts";
import type { AnnouncementId } from "../src/announcement/announcement.ts";
import { createAnnouncementService } from "../src/announcement/service.ts";
import { Outbox } from "../src/outbox/outbox.ts";
import { systemClock } from "../src/ports/clock.ts";
import { silentLogger } from "../src/ports/logger.ts";
import type { Notice } from "../src/ports/notices.ts";
import { childEnv } from "../tests/fakes/child-env.ts";
import {
  benchNamespace,
  benchStores,
  dropNamespace,
  loopbackWaha,
  machineLine,
  mb,
  ms,
  sleep,
  table,
  tempDir,
} from "./lib/common.ts";

const DRAFTS = Number(process.env.BENCH_BURST_DRAFTS ?? 500);
/** Drafts per batch; the previous batch's approvals are fired while this one is drafted. */
const BATCH = Number(process.env.BENCH_BURST_BATCH ?? 25);
const DRAIN_TIMEOUT_MS = 120_000;
const APPROVERS = ["p0", "p1", "p2", "p3", "p4", "p5"];
const AUTHORS = ["a0", "a1", "a2", "a3", "a4"];

const policy = parsePolicy(
  `
people:
${[...AUTHORS, ...APPROVERS].map((p) => `  ${p}: { name: ${p.toUpperCase()} }`).join("\n")}
editors: [${AUTHORS.join(", ")}]
defaultCategory: baustelle
categories:
  baustelle: { label: Baustelle, approvers: [${APPROVERS.join(", ")}], quorum: 2, deadline: 2h }
`,
  "burst.yaml",
);

interface Result {
  store: string;
  drafts: number;
  approvals: number;
  failedCommands: number;
  approved: number;
  published: number;
  lost: number;
  doubled: number;
  startRss: number;
  peakRss: number;
  burstMs: number;
  drainMs: number;
  drained: boolean;
}

/** The burst against one store, in this process. */
async function burst(name: string, url: string): Promise<Result> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const namespace = benchNamespace("burst");
  const store = await openStore(url, { namespace });
  const { waha, outlet } = await loopbackWaha();
  /** Settled deliveries: the outbox tells "published" after the record write that settles the last one. */
  const settled = new Set<AnnouncementId>();
  let onSettled = () => {};
  const notices = {
    emit: async (notice: Notice) => {
      if (notice.kind === "published") {
        settled.add(notice.announcement.id);
        onSettled();
      }
    },
  };
  const outbox = new Outbox({
    store,
    outlets: new Map([[outlet.id, outlet]]),
    clock: systemClock,
    notices,
    log: silentLogger,
  });
  const service = createAnnouncementService({
    store,
    policy,
    clock: systemClock,
    outlets: [outlet],
    notices,
    log: silentLogger,
    onDue: () => worker.wake(),
  });
  // As the composition root wires it: woken by each deciding approval, polling every second, then the tick tasks.
  const worker = startWorker(outbox, 1000, silentLogger, [() => service.tick()]);

  const textOf = (i: number) =>
    `Baustelle ${i}: Die Straße ${i} ist ab Montag, 7 Uhr, voll gesperrt. Umleitung über die Bergstraße. [#${i}]`;
  const ids: AnnouncementId[] = [];
  const byIndex = new Map<number, AnnouncementId>();
  const approved = new Set<AnnouncementId>();
  let failedCommands = 0;
  let approvals = 0;

  const draftBatch = (from: number, to: number) =>
    Promise.all(
      Array.from({ length: to - from }, async (_, k) => {
        const i = from + k;
        const r = await service.draft(AUTHORS[i % AUTHORS.length] ?? "a0", {
          content: { text: textOf(i), media: [] },
          origin: { platform: "bench", room: "r" },
        });
        if (!r.ok) failedCommands++;
        else {
          ids.push(r.value.id);
          byIndex.set(i, r.value.id);
        }
      }),
    );
  /** Both approvals of every draft in [from, to), all at once: the two of one draft race each other. */
  const approveBatch = (from: number, to: number) =>
    Promise.all(
      Array.from({ length: to - from }).flatMap((_, k) => {
        const i = from + k;
        const id = byIndex.get(i);
        if (!id) return [];
        const pair = [APPROVERS[i % APPROVERS.length], APPROVERS[(i + 1) % APPROVERS.length]];
        return pair.map(async (approver) => {
          const r = await service.approve(approver ?? "p0", id, { via: "reaction" });
          approvals++;
          if (!r.ok) failedCommands++;
          else if (r.value.state !== "pending") approved.add(id);
        });
      }),
    );

  const startRss = process.memoryUsage().rss;
  const started = performance.now();
  let previous: [number, number] | undefined;
  for (let from = 0; from < DRAFTS; from += BATCH) {
    const to = Math.min(DRAFTS, from + BATCH);
    await Promise.all([draftBatch(from, to), previous ? approveBatch(...previous) : undefined]);
    previous = [from, to];
  }
  if (previous) await approveBatch(...previous);
  const lastApproval = performance.now();

  const allSettled = () => [...approved].every((id) => settled.has(id));
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
    onSettled = () => allSettled() && resolve();
    onSettled();
  });
  clearTimeout(timer);
  const drained = allSettled();
  const drainMs = performance.now() - lastApproval;
  // One more poll interval, so a late second send would still be seen.
  await sleep(1200);
  await worker.stop();

  const received = new Map<AnnouncementId, number>();
  for (const post of waha.posts) {
    const index = Number(/\[#(\d+)\]$/.exec(post.body)?.[1]);
    const id = byIndex.get(index);
    if (id) received.set(id, (received.get(id) ?? 0) + 1);
  }
  let lost = 0;
  let published = 0;
  for (const id of approved) {
    const a = await store.get(id);
    const count = received.get(id) ?? 0;
    if (count === 0 || a?.state !== "published") lost++;
    if (a?.state === "published") published++;
  }
  const doubled = [...received.values()].filter((n) => n > 1).length;
  clearInterval(sampler);
  await store.close();
  await waha.stop();
  await dropNamespace(url, namespace).catch(() => undefined);
  return {
    store: name,
    drafts: ids.length,
    approvals,
    failedCommands,
    approved: approved.size,
    published,
    lost,
    doubled,
    startRss,
    peakRss,
    burstMs: lastApproval - started,
    drainMs,
    drained,
  };
}

const childIndex = process.argv.indexOf("--store");
if (childIndex >= 0) {
  const [name = "", url = ""] = process.argv.slice(childIndex + 1);
  process.stdout.write(`${JSON.stringify(await burst(name, url))}\n`);
} else {
  console.log(`## Burst: ${DRAFTS} drafts and ${DRAFTS * 2} approvals (quorum 2) → WahaOutlet → FakeWaha, no pacing`);
  console.log(machineLine());
  console.log(
    `drafts in batches of ${BATCH}, each batch's ${BATCH * 2} approvals fired at once while the next batch is ` +
      `drafted; one store per child process (its RSS: service, outbox, store client and FakeWaha together)`,
  );
  const rows: string[][] = [];
  const failures: string[] = [];
  for (const [name, url] of benchStores(tempDir("burst"))) {
    if (!url) {
      rows.push([name, "skipped (no URL)", ...Array<string>(10).fill("")]);
      continue;
    }
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--store", name, url], {
      env: childEnv(),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    if (code !== 0) {
      failures.push(`${name}: the burst process exited with ${code}`);
      rows.push([name, `failed (exit ${code})`, ...Array<string>(10).fill("")]);
      continue;
    }
    const r = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Result;
    if (r.lost !== 0 || r.doubled !== 0) failures.push(`${name}: lost ${r.lost}, doubled ${r.doubled}`);
    if (r.failedCommands !== 0) failures.push(`${name}: ${r.failedCommands} drafts or approvals failed`);
    if (!r.drained) failures.push(`${name}: not every delivery settled within ${DRAIN_TIMEOUT_MS / 1000} s`);
    rows.push([
      name,
      String(r.drafts),
      String(r.approvals),
      String(r.published),
      `**${r.lost}**`,
      `**${r.doubled}**`,
      String(r.failedCommands),
      mb(r.startRss),
      mb(r.peakRss),
      ms(r.burstMs / 1000, 1),
      r.drained ? ms(r.drainMs / 1000, 2) : `> ${DRAIN_TIMEOUT_MS / 1000}`,
      ((r.drafts + r.approvals) / (r.burstMs / 1000)).toFixed(0),
    ]);
  }
  console.log("");
  console.log(
    table(
      [
        "store",
        "drafts",
        "approvals",
        "published",
        "lost",
        "doubled",
        "failed cmds",
        "RSS before MB",
        "peak RSS MB",
        "burst s",
        "drain s",
        "cmds/s",
      ],
      rows,
    ),
  );
  console.log("");
  if (failures.length) {
    console.log(`FAILED — ${failures.join("; ")}`);
    process.exitCode = 1;
  } else {
    console.log("LOST 0, DOUBLED 0 on every store run: nothing lost, nothing published twice.");
  }
}
