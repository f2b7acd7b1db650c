// Slash-command acknowledgement latency of amtsbote in Slack HTTP mode, side by side with a bare Bolt app that
// only acks, at 1, 4 and 50 commands in flight. Prints tables; never asserts (not part of `npm test`).
//
// Four processes: this one only sends requests and measures; amtsbote (`node adapters/main.ts`, CHAT=slack,
// SLACK_MODE=http, SQLite in a temp dir, SLACK_POST_GAP_MS=0, started afresh for each level); the bare Bolt app
// (bench/lib/bare-bolt.ts); the local fake Slack both talk to (bench/lib/fake-slack-server.ts). Requests are
// correctly signed, form-encoded `/announce <realistic draft>` bodies with the exact content-type Bolt decodes.
//
// Load: each level runs N lanes. A lane sends a command to both targets at the same moment and waits for both
// answers before its next pair, so both targets see the same request stream at the same time, at most N in
// flight each. Latency runs from the start of the request (connecting included) to the end of the response.
//   1 and 4 in flight: one keep-alive pool per target for the whole level, as Slack keeps connections open.
//   50 in flight: 10 runs of 1,000 commands, each begun once the one before is drafted and answered (so open
//     announcements grow by 1,000 a run, and timed work such as the tick tasks meets the acks), each with a new
//     pool, so its first 50 requests
//     open 50 connections at once (as a load tool such as autocannon does per run); within a run every 10th
//     request of a lane asks to close its connection, so connections are also opened while others are busy.
// amtsbote acks first and drafts afterwards, so after each level the bench waits until every draft is
// answered on its `response_url` and its card is posted ("drained"); amtsbote's CPU per draft counts up to
// then. Node 24's libuv accepts one pending connection per event-loop turn, so a new connection's first request
// waits as many turns as there are connections ahead of it: the "new conn" columns and the loop-delay line show
// whether that wait stays short.
//
// BENCH_ACK_LEVELS=1,4,50 picks levels; BENCH_NODE_FLAGS replaces amtsbote's Node flags (default: the start
// script's); BENCH_ACK_PROFILE=<dir> writes a CPU profile of amtsbote per level, from the level's first request
// until drained (summarise it with bench/profile-summary.ts).
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { payloadsFor } from "../tests/fakes/slack-payloads.ts";
import { APPROVALS, PRESS_DESK, SLACK_POLICY_YAML, U } from "../tests/fakes/slack-bot.ts";
import { AmtsboteProcess, BENCH_FLAGS, metricValue, startHelper } from "./lib/children.ts";
import { freePort, machineLine, mb, met, ms, sleep, stats, table, tempDir, type Stats } from "./lib/common.ts";

const env = process.env;
const LEVELS = (env.BENCH_ACK_LEVELS ?? "1,4,50").split(",").map(Number);
const WARMUP = Number(env.BENCH_ACK_WARMUP ?? 200);
const SERIAL = Number(env.BENCH_ACK_SERIAL ?? 500);
const FOUR = Number(env.BENCH_ACKS ?? 2000);
const RUNS = Number(env.BENCH_ACK_RUNS ?? 10);
const RUN_SIZE = Number(env.BENCH_ACK_RUN_SIZE ?? 1000);
/** Every this many requests, a lane at 50 in flight asks for its connection to be closed. */
const CLOSE_EVERY = 10;
const PROFILE_DIR = env.BENCH_ACK_PROFILE;
const NODE_FLAGS = [
  ...BENCH_FLAGS,
  ...(PROFILE_DIR ? ["--import", fileURLToPath(new URL("lib/profile-window.ts", import.meta.url))] : []),
];
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const TARGET_RATIO = 1.2;
const TARGET_SLOW_MS = 1000;
const TARGET_CPU_MS = 1.5;

interface SlackInfo {
  apiUrl: string;
  baseUrl: string;
  botToken: string;
  appId: string;
  teamId: string;
  botId: string;
  botUserId: string;
}
interface SlackStats {
  calls: number;
  methods: Record<string, number>;
  responses: number;
  messages: number;
}

const load = () => loadavg()[0]?.toFixed(2) ?? "?";

console.log("## Slash command → HTTP ack at 1, 4 and 50 in flight: amtsbote (HTTP mode, SQLite) vs a bare Bolt app");
console.log(machineLine());
console.log(`amtsbote's Node flags: ${NODE_FLAGS.join(" ") || "(none)"}; load average at start ${load()}`);

const slack = await startHelper<SlackInfo>("../lib/fake-slack-server.ts");
const bare = await startHelper<{ port: number }>("../lib/bare-bolt.ts", {
  SIGNING_SECRET: SECRET,
  SLACK_BOT_TOKEN: slack.info.botToken,
  SLACK_API_URL: slack.info.apiUrl,
  BOT_ID: slack.info.botId,
  BOT_USER_ID: slack.info.botUserId,
});
const payloads = payloadsFor({
  hooksUrl: `${slack.info.baseUrl}/hooks`,
  appId: slack.info.appId,
  teamId: slack.info.teamId,
  teamDomain: "townhall",
  botUserId: slack.info.botUserId,
  botId: slack.info.botId,
});

/** A fresh amtsbote with its own SQLite file, listening for Slack on `port`. */
async function startAmtsbote(): Promise<{ bot: AmtsboteProcess; port: number }> {
  const dir = tempDir("ack");
  writeFileSync(join(dir, "policy.yaml"), SLACK_POLICY_YAML);
  const port = await freePort();
  const bot = new AmtsboteProcess(
    dir,
    await freePort(),
    {
      CHAT: "slack",
      SLACK_MODE: "http",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: slack.info.botToken,
      SLACK_API_URL: slack.info.apiUrl,
      SLACK_APPROVAL_CHANNEL: APPROVALS,
      SLACK_HTTP_PORT: String(port),
      SLACK_POST_GAP_MS: "0",
      STORE_URL: `sqlite://${join(dir, "amtsbote.sqlite")}`,
      POLICY_FILE: join(dir, "policy.yaml"),
      ...(PROFILE_DIR ? { BENCH_ACK_PROFILE: PROFILE_DIR } : {}),
    },
    NODE_FLAGS,
  );
  await bot.ready();
  return { bot, port };
}

const STREETS = ["Hauptstraße", "Bergstraße", "Obernstraße", "Bremer Straße", "Marktplatz", "Bahnhofstraße"];
/** A realistic draft in Slack's markup: bold, a link, times, three sentences; different each time. */
const draftText = (i: number) => {
  const street = STREETS[i % STREETS.length] ?? "Hauptstraße";
  return (
    `*Vollsperrung ${street}* ab Montag, 7 Uhr, bis voraussichtlich Freitag (Meldung ${i}). ` +
    `Die Umleitung führt über die Bergstraße und ist ausgeschildert; Anlieger frei. ` +
    `Busse halten an der Ersatzhaltestelle am Rathaus. Mehr unter <https://www.stadt-achim.de/baustellen|Baustellen>.`
  );
};

const form = (fields: object) =>
  new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString();

const sign = (body: string) => {
  const ts = Math.floor(Date.now() / 1000);
  return {
    "x-slack-request-timestamp": String(ts),
    "x-slack-signature": "v0=" + createHmac("sha256", SECRET).update(`v0:${ts}:${body}`).digest("hex"),
  };
};

/** CPU time (user + system) in ms from a /proc stat file (Linux); NaN elsewhere. */
function cpuFrom(file: string): number {
  try {
    const fields = readFileSync(file, "utf8").split(") ")[1]?.split(" ") ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in ticks of 1/100 s
  } catch {
    return NaN;
  }
}
/** CPU of the whole process: main thread, libuv's thread pool (SQLite), GC helpers. */
const processCpu = (pid: number | undefined) => cpuFrom(`/proc/${pid}/stat`);
/** CPU of the main thread only: the thread that runs JavaScript, acks included. */
const mainThreadCpu = (pid: number | undefined) => cpuFrom(`/proc/${pid}/task/${pid}/stat`);

const GC_SECONDS = "amtsbote_nodejs_gc_duration_seconds_sum";
const GC_COUNT = "amtsbote_nodejs_gc_duration_seconds_count";
/** The sum of a Prometheus metric over all its label sets. */
function metricSum(text: string, name: string): number {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

/** Resident memory now and at its peak (VmRSS, VmHWM), bytes; NaN where /proc cannot tell. */
function residentMemory(pid: number | undefined): { rss: number; peakRss: number } {
  let status = "";
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    // not Linux
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib("VmRSS"), peakRss: kib("VmHWM") };
}

/** How many connections wait in `port`'s accept queue right now (`ss`), NaN where it cannot tell. */
function listenQueue(port: number): Promise<number> {
  return new Promise((resolve) => {
    execFile("ss", ["-ltnH", `sport = :${port}`], (error, out) => {
      resolve(error ? NaN : Number(out.trim().split(/\s+/)[1]));
    });
  });
}

interface Target {
  name: string;
  port: number;
}
interface Ack {
  ms: number;
  /** The first request on a connection this request opened. */
  newConnection: boolean;
  ok: boolean;
}

/** One signed `/announce` request: its latency (request start, connecting included → end of response). */
function send(t: Target, agent: Agent, body: string, close: boolean): Promise<Ack> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        host: "127.0.0.1",
        port: t.port,
        path: "/slack/events",
        method: "POST",
        agent,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
          ...(close ? { connection: "close" } : {}),
          ...sign(body),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({ ms: performance.now() - started, newConnection: !req.reusedSocket, ok: res.statusCode === 200 }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

let sequence = 0;

/**
 * `count` commands to each target over `lanes` lanes of pairs (one to each target at once), through one
 * keep-alive pool per target; `closeEvery` > 0 makes every n-th request of a lane close its connection.
 */
async function pairs(
  targets: readonly [Target, Target],
  count: number,
  lanes: number,
  closeEvery = 0,
): Promise<[Ack[], Ack[]]> {
  const agents = targets.map(() => new Agent({ keepAlive: true, maxSockets: lanes }));
  const acks: [Ack[], Ack[]] = [[], []];
  const lane = async (share: number, flip: boolean) => {
    for (let i = 0; i < share; i++) {
      const n = sequence++;
      const close = closeEvery > 0 && i % closeEvery === closeEvery - 1;
      // Each target gets its own body (fresh trigger_id and response_url) with the same text; which one goes
      // first on the wire alternates, so neither always has the head start.
      const order = (i % 2 === 0) !== flip ? [0, 1] : [1, 0];
      await Promise.all(
        order.map(async (k) => {
          const body = form(payloads.slashCommand({ text: draftText(n), user_id: U.anna, channel_id: PRESS_DESK }));
          acks[k as 0 | 1].push(await send(targets[k as 0 | 1], agents[k] as Agent, body, close));
        }),
      );
    }
  };
  await Promise.all(
    Array.from({ length: lanes }, (_, l) => lane(Math.floor(count / lanes) + (l < count % lanes ? 1 : 0), l % 2 === 1)),
  );
  for (const agent of agents) agent.destroy();
  return acks;
}

/**
 * Waits until amtsbote has answered `expected` commands on their response_url, posted a card for each and made
 * no Slack call for half a second (cards and notices go out in the background); ms it took from now.
 */
async function drained(expected: number, from: SlackStats): Promise<{ ms: number; answered: number }> {
  const started = performance.now();
  const quietMs = 500;
  let last = await slack.ask<SlackStats>("stats");
  let quietSince = performance.now();
  const cards = (s: SlackStats) => (s.methods["chat.postMessage"] ?? 0) - (from.methods["chat.postMessage"] ?? 0);
  while (performance.now() - started < 300_000) {
    await sleep(50);
    const now = await slack.ask<SlackStats>("stats");
    if (now.calls !== last.calls || now.responses !== last.responses) quietSince = performance.now();
    last = now;
    const done = now.responses - from.responses >= expected && cards(now) >= expected;
    if (done && performance.now() - quietSince >= quietMs) break;
  }
  return { ms: quietSince - started, answered: last.responses - from.responses };
}

interface Level {
  inFlight: number;
  acks: [Ack[], Ack[]];
  /** Per run at 50 in flight. */
  runs: { acks: [Ack[], Ack[]]; load: string; drainMs: number }[];
  /** ms of main-thread CPU per command, from the level's start until drained. */
  cpuPerDraft: number;
  processCpuPerDraft: number;
  boltCpuPerAck: number;
  wallMs: number;
  drainMs: number;
  answered: number;
  slackCallsPerDraft: Record<string, number>;
  /** Garbage collection (all kinds) during the level, from amtsbote's /metrics. */
  gcMsPerDraft: number;
  gcsPerDraft: number;
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  listenQueueMax: number;
  idleCpuShare: number;
  /** Resident memory after the level (drained) and its peak since start, bytes. */
  rss: number;
  peakRss: number;
  loadStart: string;
  loadEnd: string;
  commands: number;
}

async function level(inFlight: number): Promise<Level> {
  const { bot, port } = await startAmtsbote();
  const amtsbote: Target = { name: "amtsbote", port };
  const bolt: Target = { name: "bare Bolt", port: bare.info.port };
  const targets = [amtsbote, bolt] as const;
  const pid = bot.child.pid;
  // Warm-up, drained, so that JIT and caches are warm and the level starts with an idle amtsbote.
  let before = await slack.ask<SlackStats>("stats");
  await pairs(targets, WARMUP, Math.min(inFlight, 4));
  await drained(WARMUP, before);
  const metricsBefore = await bot.metrics(); // also resets the event-loop delay the level reads at its end
  const loadStart = load();

  let queueMax = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      queueMax = Math.max(queueMax, await listenQueue(port));
      await sleep(50);
    }
  })();

  if (PROFILE_DIR) {
    bot.child.kill("SIGUSR2");
    await sleep(200);
  }
  before = await slack.ask<SlackStats>("stats");
  const cpu0 = { main: mainThreadCpu(pid), all: processCpu(pid), bolt: processCpu(bare.child.pid) };
  const started = performance.now();
  const acks: [Ack[], Ack[]] = [[], []];
  const runs: Level["runs"] = [];
  if (inFlight >= 50) {
    for (let r = 0; r < RUNS; r++) {
      const runStart = await slack.ask<SlackStats>("stats");
      const run = await pairs(targets, RUN_SIZE, inFlight, CLOSE_EVERY);
      const runLoad = load();
      const { ms: drainMs } = await drained(RUN_SIZE, runStart);
      runs.push({ acks: run, load: runLoad, drainMs });
      acks[0].push(...run[0]);
      acks[1].push(...run[1]);
    }
  } else {
    const [a, b] = await pairs(targets, inFlight === 1 ? SERIAL : FOUR, inFlight);
    acks[0].push(...a);
    acks[1].push(...b);
  }
  const wallMs = performance.now() - started;
  const commands = acks[0].length;
  const drain = await drained(commands, before);
  const cpu1 = { main: mainThreadCpu(pid), all: processCpu(pid), bolt: processCpu(bare.child.pid) };
  const loadEnd = load();
  if (PROFILE_DIR) await profileWritten(bot);
  sampling = false;
  await sampler;
  const after = await slack.ask<SlackStats>("stats");
  const memory = residentMemory(pid);
  const metrics = await bot.metrics();
  const idle0 = mainThreadCpu(pid);
  await sleep(2000);
  const idleCpuShare = (mainThreadCpu(pid) - idle0) / 2000;
  const slackCallsPerDraft = Object.fromEntries(
    Object.entries(after.methods).map(([m, n]) => [m, (n - (before.methods[m] ?? 0)) / commands]),
  );
  slackCallsPerDraft["response_url"] = (after.responses - before.responses) / commands;
  const code = await bot.stop();
  if (code !== 0) console.log(`amtsbote exited with ${code} on SIGTERM:\n${bot.log()}`);
  return {
    inFlight,
    acks,
    runs,
    cpuPerDraft: (cpu1.main - cpu0.main) / commands,
    processCpuPerDraft: (cpu1.all - cpu0.all) / commands,
    boltCpuPerAck: (cpu1.bolt - cpu0.bolt) / commands,
    wallMs,
    drainMs: drain.ms,
    answered: drain.answered,
    slackCallsPerDraft,
    gcMsPerDraft: (metricSum(metrics, GC_SECONDS) - metricSum(metricsBefore, GC_SECONDS)) * (1000 / commands),
    gcsPerDraft: (metricSum(metrics, GC_COUNT) - metricSum(metricsBefore, GC_COUNT)) / commands,
    loopDelayMaxMs: metricValue(metrics, "amtsbote_nodejs_eventloop_lag_max_seconds") * 1000,
    loopDelayP99Ms: metricValue(metrics, "amtsbote_nodejs_eventloop_lag_p99_seconds") * 1000,
    listenQueueMax: queueMax,
    idleCpuShare,
    ...memory,
    loadStart,
    loadEnd,
    commands,
  };
}

/** Stops amtsbote's profiler (bench/lib/profile-window.ts) and waits until the profile is on disk. */
async function profileWritten(bot: AmtsboteProcess): Promise<void> {
  const dir = PROFILE_DIR ?? "";
  const done = () => readdirSync(dir).filter((f) => f.startsWith(`amtsbote-${bot.child.pid}-`) && f.endsWith(".done"));
  const before = existsSync(dir) ? done().length : 0;
  bot.child.kill("SIGUSR2");
  for (let waited = 0; waited < 30_000 && done().length === before; waited += 100) await sleep(100);
  console.log(
    `(profile of ${bot.child.pid}: ${join(
      dir,
      done()
        .at(-1)
        ?.replace(/\.done$/, "") ?? "?",
    )})`,
  );
}

const latencies = (acks: readonly Ack[]) => stats(acks.filter((a) => a.ok).map((a) => a.ms));
const slow = (acks: readonly Ack[]) => acks.filter((a) => a.ms > TARGET_SLOW_MS).length;
const failures = (acks: readonly Ack[]) => acks.filter((a) => !a.ok).length;

if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });
const results: Level[] = [];
for (const inFlight of LEVELS) {
  console.log(`(level ${inFlight} in flight: starting, load ${load()})`);
  results.push(await level(inFlight));
}

const header = [
  "in flight",
  "target",
  "acks",
  "p50 ms",
  "p90 ms",
  "p99 ms",
  "max ms",
  "> 1 s",
  "new conn",
  "new conn p99 ms",
  "new conn max ms",
  "non-200",
  "load",
];
const row = (l: Level, name: string, acks: readonly Ack[], s: Stats) => {
  const fresh = acks.filter((a) => a.newConnection);
  const f = latencies(fresh);
  return [
    String(l.inFlight),
    name,
    String(s.n),
    ms(s.p50),
    ms(s.p90),
    ms(s.p99),
    ms(s.max),
    String(slow(acks)),
    String(fresh.length),
    ms(f.p99),
    ms(f.max),
    String(failures(acks)),
    `${l.loadStart}→${l.loadEnd}`,
  ];
};
console.log("");
console.log(
  table(
    header,
    results.flatMap((l) => [
      row(l, "amtsbote", l.acks[0], latencies(l.acks[0])),
      row(l, "bare Bolt", l.acks[1], latencies(l.acks[1])),
    ]),
  ),
);

console.log("");
console.log(
  table(
    [
      "in flight",
      "amtsbote CPU ms/draft (main thread)",
      "(whole process)",
      "GC ms / GCs per draft",
      "bare Bolt CPU ms/ack",
      "level wall s",
      "drained after ms",
      "answered",
      "loop delay max / p99 ms",
      "accept queue max",
      "idle after (main thread)",
      "RSS after / peak MB",
    ],
    results.map((l) => [
      String(l.inFlight),
      ms(l.cpuPerDraft),
      ms(l.processCpuPerDraft),
      `${ms(l.gcMsPerDraft)} / ${ms(l.gcsPerDraft)}`,
      ms(l.boltCpuPerAck),
      ms(l.wallMs / 1000, 1),
      ms(l.drainMs, 0),
      `${l.answered} of ${l.commands}`,
      `${ms(l.loopDelayMaxMs, 0)} / ${ms(l.loopDelayP99Ms, 0)}`,
      String(l.listenQueueMax),
      `${(l.idleCpuShare * 100).toFixed(0)} % with ${l.commands + WARMUP} open`,
      `${mb(l.rss)} / ${mb(l.peakRss)}`,
    ]),
  ),
);
const calls = results.at(-1)?.slackCallsPerDraft ?? {};
console.log(
  `Slack calls per draft: ${Object.entries(calls)
    .map(([m, n]) => `${m} ${n.toFixed(2)}`)
    .join(", ")}`,
);

const wide = results.find((l) => l.inFlight >= 50);
if (wide) {
  console.log("");
  console.log(`50 in flight, run by run (${RUNS} × ${RUN_SIZE} commands, a new pool per run, drained in between):`);
  console.log(
    table(
      [
        "run",
        "open before",
        "amtsbote p99 ms",
        "max ms",
        "> 1 s",
        "new conn max ms",
        "bare Bolt p99 ms",
        "max ms",
        "> 1 s",
        "drained after ms",
        "load",
      ],
      wide.runs.map((r, i) => {
        const a = latencies(r.acks[0]);
        const b = latencies(r.acks[1]);
        return [
          String(i + 1),
          String(WARMUP + i * RUN_SIZE),
          ms(a.p99),
          ms(a.max),
          String(slow(r.acks[0])),
          ms(latencies(r.acks[0].filter((x) => x.newConnection)).max),
          ms(b.p99),
          ms(b.max),
          String(slow(r.acks[1])),
          ms(r.drainMs, 0),
          r.load,
        ];
      }),
    ),
  );
}

console.log("");
const verdicts: string[][] = [];
for (const l of results) {
  const a = latencies(l.acks[0]);
  const b = latencies(l.acks[1]);
  if (l.inFlight < 50) {
    const ratio = a.p99 / b.p99;
    verdicts.push([
      `ack p99 at ${l.inFlight} in flight`,
      `${ms(a.p99)} ms vs ${ms(b.p99)} ms = ${ratio.toFixed(2)}×`,
      `≤ ${TARGET_RATIO}× bare Bolt`,
      met(ratio <= TARGET_RATIO),
    ]);
    verdicts.push([`  (p50 ratio at ${l.inFlight})`, `${(a.p50 / b.p50).toFixed(2)}×`, "–", ""]);
  } else {
    const over = slow(l.acks[0]);
    verdicts.push([
      `acks over 1 s at ${l.inFlight} in flight`,
      `${over} of ${l.acks[0].length} (max ${ms(a.max, 0)} ms; bare Bolt ${slow(l.acks[1])}, max ${ms(b.max, 0)} ms)`,
      `0 in ${RUNS} runs of ${RUN_SIZE}`,
      met(over === 0 && failures(l.acks[0]) === 0 && l.runs.length === RUNS),
    ]);
    verdicts.push([`  (p99 ratio at ${l.inFlight})`, `${(a.p99 / b.p99).toFixed(2)}×`, "–", ""]);
  }
  verdicts.push([
    `CPU per draft at ${l.inFlight} in flight`,
    `${ms(l.cpuPerDraft)} ms (main thread)`,
    `≤ ${TARGET_CPU_MS} ms`,
    met(l.cpuPerDraft <= TARGET_CPU_MS),
  ]);
}
console.log(table(["target", "value", "target", ""], verdicts));
console.log(
  `load average (1 min) at the end ${load()}; 2 cores shared with other work, so compare amtsbote with bare Bolt ` +
    `(same stream, same moment) rather than across runs.`,
);

await bare.stop();
await slack.stop();
