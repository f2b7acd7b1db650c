// Slash-command acknowledgement latency of amtsbote in Slack HTTP mode, side by side with a bare Bolt app that
// only acks. Prints tables; never asserts (not part of `npm test`).
//
// Four processes: this one only sends requests and measures; amtsbote (`node adapters/main.ts`, CHAT=slack,
// SLACK_MODE=http, SQLite in a temp dir, SLACK_POST_GAP_MS=0); the bare Bolt app (bench/lib/bare-bolt.ts); the
// local fake Slack both talk to (bench/lib/fake-slack-server.ts). Requests are correctly signed, form-encoded
// `/announce <realistic draft>` bodies with the exact content-type Bolt decodes (slack.md §12).
//
// Load: BENCH_ACK_CONCURRENCY lanes (default 4). Each lane sends a command to both targets at the same moment
// and waits for both answers before its next pair, so both targets see the same request stream at the same
// time, at most that many in flight each. Latency is from the start of the request to the end of the HTTP
// response, over keep-alive connections. Before the measured phase, a short paced phase (one pair every 20 ms)
// shows the ack path when amtsbote's event loop is not busy with earlier commands; amtsbote's idle CPU is taken
// with few and with many open announcements.
import { createHmac } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { payloadsFor } from "../tests/fakes/slack-payloads.ts";
import { APPROVALS, PRESS_DESK, SLACK_POLICY_YAML, U } from "../tests/fakes/slack-bot.ts";
import { AmtsboteProcess, startHelper } from "./lib/children.ts";
import { freePort, machineLine, met, ms, sleep, stats, table, tempDir, type Stats } from "./lib/common.ts";

const N = Number(process.env.BENCH_ACKS ?? 2000);
const WARMUP = Number(process.env.BENCH_ACK_WARMUP ?? 200);
const CONCURRENCY = Number(process.env.BENCH_ACK_CONCURRENCY ?? 4);
const PACED = Number(process.env.BENCH_ACK_PACED ?? 300);
const PACED_GAP_MS = 20;
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const TARGET_P99_MS = 50;
const TARGET_RATIO = 1.2;

interface SlackInfo {
  apiUrl: string;
  baseUrl: string;
  botToken: string;
  appId: string;
  teamId: string;
  botId: string;
  botUserId: string;
}

console.log("## Slash command → HTTP ack: amtsbote (HTTP mode, SQLite) vs a bare Bolt app that only acks");
console.log(machineLine());

const slack = await startHelper<SlackInfo>("../lib/fake-slack-server.ts");
const bare = await startHelper<{ port: number }>("../lib/bare-bolt.ts", {
  SIGNING_SECRET: SECRET,
  SLACK_BOT_TOKEN: slack.info.botToken,
  SLACK_API_URL: slack.info.apiUrl,
  BOT_ID: slack.info.botId,
  BOT_USER_ID: slack.info.botUserId,
});
const dir = tempDir("ack");
writeFileSync(join(dir, "policy.yaml"), SLACK_POLICY_YAML);
const amtsbotePort = await freePort();
const bot = new AmtsboteProcess(dir, await freePort(), {
  CHAT: "slack",
  SLACK_MODE: "http",
  SLACK_SIGNING_SECRET: SECRET,
  SLACK_BOT_TOKEN: slack.info.botToken,
  SLACK_API_URL: slack.info.apiUrl,
  SLACK_APPROVAL_CHANNEL: APPROVALS,
  SLACK_HTTP_PORT: String(amtsbotePort),
  SLACK_POST_GAP_MS: "0",
  STORE_URL: `sqlite://${join(dir, "amtsbote.sqlite")}`,
  POLICY_FILE: join(dir, "policy.yaml"),
});
await bot.ready();

const payloads = payloadsFor({
  hooksUrl: `${slack.info.baseUrl}/hooks`,
  appId: slack.info.appId,
  teamId: slack.info.teamId,
  teamDomain: "townhall",
  botUserId: slack.info.botUserId,
  botId: slack.info.botId,
});

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

/** CPU time (user + system) of a process so far, in ms, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in ticks of 1/100 s
  } catch {
    return NaN;
  }
}

interface Target {
  name: string;
  port: number;
  agent: Agent;
  failures: number;
}

const target = (name: string, port: number): Target => ({
  name,
  port,
  agent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
  failures: 0,
});
const amtsbote = target("amtsbote", amtsbotePort);
const bolt = target("bare Bolt", bare.info.port);

/** One signed `/announce` request; resolves to its latency in ms (request start → end of response). */
function send(t: Target, body: string): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        host: "127.0.0.1",
        port: t.port,
        path: "/slack/events",
        method: "POST",
        agent: t.agent,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(body),
          ...sign(body),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface Phase {
  wallMs: number;
  latencies: Map<Target, number[]>;
  /** CPU ms each process used during the phase. */
  cpu: Map<string, number>;
}

let sequence = 0;
/** `count` commands to each target in `lanes` lanes of pairs (one to each target at once), `gapMs` between pairs. */
async function run(count: number, lanes: number, gapMs = 0): Promise<Phase> {
  const latencies = new Map<Target, number[]>([
    [amtsbote, []],
    [bolt, []],
  ]);
  const pids: [string, number | undefined][] = [
    ["amtsbote", bot.child.pid],
    ["bare Bolt", bare.child.pid],
    ["fake Slack", slack.child.pid],
    ["load generator", process.pid],
  ];
  const cpuBefore = pids.map(([, pid]) => cpuMs(pid));
  const started = performance.now();
  const one = async (t: Target, body: string) => {
    const { status, ms: took } = await send(t, body);
    if (status !== 200) t.failures++;
    else latencies.get(t)?.push(took);
  };
  const lane = async (share: number, flip: boolean) => {
    for (let i = 0; i < share; i++) {
      const n = sequence++;
      // Each target gets its own body (fresh trigger_id and response_url) with the same text.
      const command = () =>
        form(payloads.slashCommand({ text: draftText(n), user_id: U.anna, channel_id: PRESS_DESK }));
      // Alternate which target goes first on the wire, so neither always has the head start.
      const order = (i % 2 === 0) !== flip ? [amtsbote, bolt] : [bolt, amtsbote];
      await Promise.all(order.map((t) => one(t, command())));
      if (gapMs > 0) await sleep(gapMs);
    }
  };
  await Promise.all(
    Array.from({ length: lanes }, (_, l) => lane(Math.floor(count / lanes) + (l < count % lanes ? 1 : 0), l % 2 === 1)),
  );
  const wallMs = performance.now() - started;
  const cpu = new Map(pids.map(([name, pid], i) => [name, cpuMs(pid) - (cpuBefore[i] ?? NaN)]));
  return { wallMs, latencies, cpu };
}

/** Waits until amtsbote has drafted and answered `expected` commands in all; ms it took from now. */
async function backlog(expected: number): Promise<{ ms: number; answered: number }> {
  const from = performance.now();
  let answered = 0;
  while (performance.now() - from < 120_000) {
    answered = (await slack.ask<{ responses: number }>("stats")).responses;
    if (answered >= expected) break;
    await sleep(20);
  }
  return { ms: performance.now() - from, answered };
}

/** amtsbote's CPU use while no request comes in, as a share of one core (its timers: outbox poll, tick tasks). */
async function idleCpu(millis = 2000): Promise<number> {
  const before = cpuMs(bot.child.pid);
  await sleep(millis);
  return (cpuMs(bot.child.pid) - before) / millis;
}

console.log(
  `${WARMUP} warm-up, then ${PACED} paced, then ${N} measured signed /announce commands per target; ` +
    `${CONCURRENCY} lanes (≤ ${CONCURRENCY} in flight per target); amtsbote drafts each one after its ack`,
);
await run(WARMUP, CONCURRENCY);
await backlog(WARMUP);
const idleFew = await idleCpu();
const paced = PACED > 0 ? await run(PACED, 1, PACED_GAP_MS) : undefined;
await backlog(WARMUP + PACED);
const main = await run(N, CONCURRENCY);
const afterMain = await backlog(WARMUP + PACED + N);
const idleMany = await idleCpu();

const statsOf = (phase: Phase, t: Target) => stats(phase.latencies.get(t) ?? []);
const a = statsOf(main, amtsbote);
const b = statsOf(main, bolt);
const row = (phase: Phase, t: Target, s: Stats) => [
  t.name,
  String(s.n),
  ms(s.p50),
  ms(s.p90),
  ms(s.p99),
  ms(s.max),
  ms(s.mean),
  (s.n / (phase.wallMs / 1000)).toFixed(0),
  ms((phase.cpu.get(t.name) ?? NaN) / s.n, 2),
  String(t.failures),
];
const header = ["target", "acks", "p50 ms", "p90 ms", "p99 ms", "max ms", "mean ms", "acks/s", "CPU ms/cmd", "non-200"];
console.log("");
console.log(table(header, [row(main, amtsbote, a), row(main, bolt, b)]));
console.log("");
const ratio50 = a.p50 / b.p50;
const ratio99 = a.p99 / b.p99;
console.log(
  table(
    ["ratio / target", "value", "target", ""],
    [
      ["p50 amtsbote / bare Bolt", `${ratio50.toFixed(2)}×`, "–", ""],
      ["p99 amtsbote / bare Bolt", `${ratio99.toFixed(2)}×`, `≤ ${TARGET_RATIO}×`, met(ratio99 <= TARGET_RATIO)],
      ["p99 amtsbote", `${ms(a.p99)} ms`, `< ${TARGET_P99_MS} ms`, met(a.p99 < TARGET_P99_MS)],
    ],
  ),
);
console.log("");
console.log(
  `acks/s is the pace both targets were driven at (each pair waits for the slower answer). ` +
    `CPU during the measured phase (${ms(main.wallMs, 0)} ms wall): ` +
    [...main.cpu].map(([name, cpu]) => `${name} ${ms(cpu, 0)} ms`).join(", ") +
    `. amtsbote had drafted and answered ${afterMain.answered} of ${WARMUP + PACED + N} commands ` +
    `${ms(afterMain.ms, 0)} ms after its last ack.`,
);
if (paced) {
  const pa = statsOf(paced, amtsbote);
  const pb = statsOf(paced, bolt);
  console.log("");
  console.log(
    `paced (diagnostic, run before the measured phase): ${PACED} commands per target, one pair every ` +
      `${PACED_GAP_MS} ms, so an ack rarely meets an earlier command's work still running`,
  );
  console.log(table(header, [row(paced, amtsbote, pa), row(paced, bolt, pb)]));
  console.log(`paced: p50 ratio ${(pa.p50 / pb.p50).toFixed(2)}×, p99 ratio ${(pa.p99 / pb.p99).toFixed(2)}×`);
}
console.log(
  `amtsbote idle (no requests for 2 s): ${(idleFew * 100).toFixed(0)} % of a core with ${WARMUP} open ` +
    `announcements, ${(idleMany * 100).toFixed(0)} % with ${WARMUP + PACED + N}`,
);

amtsbote.agent.destroy();
bolt.agent.destroy();
const code = await bot.stop();
if (code !== 0) console.log(`amtsbote exited with ${code} on SIGTERM:\n${bot.log()}`);
await bare.stop();
await slack.stop();
