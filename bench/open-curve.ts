// How amtsbote's cost grows with the number of open announcements (issue 13): for 0, 1,000 and 10,000 pending
// drafts, (a) approval → gateway through the chat, (b) steady-state idle CPU, (c) steady resident memory. Prints
// one table with the targets met or not met; never asserts (not part of `npm test`).
//
// amtsbote is driven only from outside: `node adapters/main.ts` with CHAT=slack in Socket Mode against the local
// fake Slack, SQLite on disk, WAHA as the gateway (FakeWaha), both fakes in this process. The open announcements
// are seeded before the bot starts (bench/lib/seed-open.ts: real drafts through the store API, each with its card
// in the fake Slack's approval channel and noted in the chat state), so the same bench runs on any version of
// the code that keeps the store API.
//
// (a) Each round drafts a fresh card (`/announce` from an editor over Socket Mode), waits until neither fake has
//     had a request for QUIET_MS, then sends an approver's ✅ as a `reaction_added` envelope over the WebSocket.
//     The clock runs from just before that envelope is sent to the moment FakeWaha's HTTP server receives
//     `POST /api/sendText` (node:http's `http.server.request.start` diagnostics channel, as in
//     bench/approval-to-outlet.ts). Slack Web API requests the fake Slack receives in between are counted.
// (b) After the last round and SETTLE_MS without any command, CPU time (utime + stime from /proc/<pid>/stat) over
//     IDLE_MS, as a share of one core. (c) VmRSS from /proc/<pid>/status, sampled each second of that window
//     (median). Every figure carries the 1-minute load average when it was taken: the machine may be shared.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { dirname, join } from "node:path";
import { parsePolicy } from "../adapters/config/policy-file.ts";
import { FakeSlack, type StoredMessage } from "../tests/fakes/fake-slack.ts";
import { FakeWaha } from "../tests/fakes/fake-waha.ts";
import { APPROVALS, PRESS_DESK, SLACK_POLICY_YAML, U } from "../tests/fakes/slack-bot.ts";
import { AmtsboteProcess } from "./lib/children.ts";
import {
  freePort,
  machineLine,
  mb,
  met,
  ms,
  percentile,
  sleep,
  stats,
  table,
  tempDir,
  type Stats,
} from "./lib/common.ts";
import { cpuMs, load1, loadLine, rssBytes } from "./lib/proc.ts";
import { draftText, seedOpen, type SeededCard } from "./lib/seed-open.ts";

const SIZES = [
  ...new Set(
    (process.env.BENCH_CURVE_SIZES ?? "0,1000,10000")
      .split(",")
      .map(Number)
      .filter((n) => Number.isInteger(n) && n >= 0),
  ),
].sort((a, b) => a - b);
const ROUNDS = Number(process.env.BENCH_CURVE_ROUNDS ?? 100);
const WARMUP = Number(process.env.BENCH_CURVE_WARMUP ?? 5);
const SETTLE_MS = Number(process.env.BENCH_CURVE_SETTLE_MS ?? 20_000);
const IDLE_MS = Number(process.env.BENCH_CURVE_IDLE_MS ?? 20_000);
/** A round's work is done when neither fake has had a request for this long. */
const QUIET_MS = 100;
/** How long one step of a round (a card, the send request, quiet) may take before the bench gives up. */
const STEP_TIMEOUT_MS = 30_000;
const RSS_SAMPLE_MS = 1000;

const TARGET_P99_MS = 10;
const TARGET_RATIO = 1.2;
const TARGET_IDLE_SHARE = 0.01;
const TARGET_RSS = 120 * 2 ** 20;
const TARGET_GROWTH_PER_1000 = 2 * 2 ** 20;

const AUTHOR = "anna";
const APPROVER = U.carla;
const policy = parsePolicy(SLACK_POLICY_YAML, "bench-policy.yaml");

/** What the two fakes' HTTP servers received, taken as each request arrives (in this process's clock). */
const wire = {
  slackPort: 0,
  wahaPort: 0,
  lastRequestAt: 0,
  sends: [] as number[],
  slackCalls: [] as { at: number; method: string }[],
};
const onRequest = (message: unknown) => {
  const { request } = message as { request: IncomingMessage };
  const at = performance.now();
  const port = request.socket.localPort;
  if (port === wire.wahaPort) {
    wire.lastRequestAt = at;
    if (request.method === "POST" && request.url === "/api/sendText") wire.sends.push(at);
  } else if (port === wire.slackPort) {
    wire.lastRequestAt = at;
    if (request.url?.startsWith("/api/")) wire.slackCalls.push({ at, method: request.url.slice("/api/".length) });
  }
  for (const wake of wakers) wake();
};

/** Called on every request either fake receives. */
const wakers = new Set<() => void>();

/**
 * Resolves with `check`'s answer, asking again on every request the fakes receive and every 50 ms (for state the
 * fake stores once the request's body is read), so this process does not compete for the CPU while it waits.
 * Fails with the bot's log after STEP_TIMEOUT_MS.
 */
async function until<T>(what: string, bot: AmtsboteProcess, check: () => T | undefined): Promise<T> {
  const deadline = performance.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (bot.child.exitCode !== null || performance.now() > deadline) {
      throw new Error(`no ${what} within ${STEP_TIMEOUT_MS} ms:\n${bot.log()}`);
    }
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, 50);
      wakers.add(wake);
    });
  }
}

/** Waits until neither fake has had a request for QUIET_MS: the bot has finished what the last step started. */
async function quiet(bot: AmtsboteProcess): Promise<void> {
  const deadline = performance.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const left = QUIET_MS - (performance.now() - wire.lastRequestAt);
    if (left <= 0) return;
    if (bot.child.exitCode !== null || performance.now() > deadline) {
      throw new Error(`the bot kept calling the fakes for ${STEP_TIMEOUT_MS} ms:\n${bot.log()}`);
    }
    await sleep(left);
  }
}

interface Approval {
  ms: number;
  /** Slack Web API methods the bot called between the ✅ and the gateway request, in order. */
  calls: string[];
}

/** One fresh card drafted through Slack, then approved by ✅; the time until the gateway gets the post. */
async function approveOnce(fake: FakeSlack, bot: AmtsboteProcess, n: number): Promise<Approval> {
  const seen = fake.messages.length;
  await fake.envelope(
    "slash_commands",
    fake.payloads.slashCommand({ text: draftText(n), user_id: U.anna, channel_id: PRESS_DESK }),
  );
  const isCard = (m: StoredMessage) =>
    m.channel === APPROVALS && m.thread_ts === undefined && JSON.stringify(m.blocks ?? []).includes('"card:');
  const card = await until("approval card", bot, () => fake.messages.slice(seen).find(isCard));
  await quiet(bot);
  const sends = wire.sends.length;
  const calls = wire.slackCalls.length;
  const reaction = fake.payloads.reactionEvent({
    type: "reaction_added",
    user: APPROVER,
    reaction: "white_check_mark",
    channel: APPROVALS,
    ts: card.ts,
  });
  const sentAt = performance.now();
  fake.send("events_api", reaction);
  const arrivedAt = await until("send request at the gateway", bot, () => wire.sends[sends]);
  await quiet(bot);
  if (wire.sends.length !== sends + 1) throw new Error(`one approval, ${wire.sends.length - sends} send requests`);
  return {
    ms: arrivedAt - sentAt,
    calls: wire.slackCalls
      .slice(calls)
      .filter((c) => c.at <= arrivedAt)
      .map((c) => c.method),
  };
}

interface SizeResult {
  open: number;
  /** Start to end of this size's part of the bench, in ms. */
  tookMs: number;
  readyMs: number;
  latency: Stats;
  /** Slack API calls before the gateway request: p50 and max over the measured approvals, the commonest order. */
  callsP50: number;
  callsMax: number;
  commonCalls: string;
  approvalLoad: string;
  idleShare: number;
  rss: number;
  idleLoad: string;
}

async function measure(open: number, file: string | undefined, cards: readonly SeededCard[]): Promise<SizeResult> {
  const startedAt = performance.now();
  const dir = file ? dirname(file) : tempDir("open-0");
  writeFileSync(join(dir, "policy.yaml"), SLACK_POLICY_YAML);
  const fake = await FakeSlack.start();
  for (const [name, id] of Object.entries(U)) fake.users.set(id, { id, name });
  for (const card of cards.slice(0, open)) fake.addBotMessage(APPROVALS, card);
  const waha = new FakeWaha();
  const wahaUrl = await waha.start();
  Object.assign(wire, {
    slackPort: Number(new URL(fake.baseUrl).port),
    wahaPort: Number(new URL(wahaUrl).port),
    lastRequestAt: performance.now(),
    sends: [],
    slackCalls: [],
  });
  const bot = new AmtsboteProcess(dir, await freePort(), {
    CHAT: "slack",
    SLACK_BOT_TOKEN: fake.botToken,
    SLACK_APP_TOKEN: fake.appToken,
    SLACK_API_URL: fake.apiUrl,
    SLACK_APPROVAL_CHANNEL: APPROVALS,
    SLACK_POST_GAP_MS: "0",
    STORE_URL: `sqlite://${join(dir, "amtsbote.sqlite")}`,
    POLICY_FILE: join(dir, "policy.yaml"),
    WAHA_URL: wahaUrl,
    WAHA_API_KEY: waha.apiKey,
    WHATSAPP_CHANNEL_ID: waha.channelId,
    WHATSAPP_MIN_GAP_MS: "0",
  });
  try {
    const readyMs = await bot.ready(120_000, 50);
    // What the start set going (reading the approval channel's history) is over before the first round.
    await quiet(bot);
    const approvals: Approval[] = [];
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      const approval = await approveOnce(fake, bot, open + i);
      if (i >= WARMUP) approvals.push(approval);
    }
    const approvalLoad = load1();
    const unacked = fake.unacked();
    if (unacked.length > 0) throw new Error(`${unacked.length} envelopes never acknowledged:\n${bot.log()}`);

    await sleep(SETTLE_MS);
    const pid = bot.child.pid;
    const rss: number[] = [];
    const cpuBefore = cpuMs(pid);
    const from = performance.now();
    while (performance.now() - from < IDLE_MS) {
      await sleep(Math.min(RSS_SAMPLE_MS, IDLE_MS - (performance.now() - from)));
      rss.push(rssBytes(pid));
    }
    const idleShare = (cpuMs(pid) - cpuBefore) / (performance.now() - from);
    const idleLoad = load1();
    if (bot.child.exitCode !== null) throw new Error(`amtsbote exited while idle:\n${bot.log()}`);

    const counts = approvals.map((a) => a.calls.length).sort((a, b) => a - b);
    const orders = Map.groupBy(approvals, (a) => a.calls.join(", "));
    const [commonCalls = ""] = [...orders].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
    return {
      open,
      tookMs: performance.now() - startedAt,
      readyMs,
      latency: stats(approvals.map((a) => a.ms)),
      callsP50: percentile(counts, 50),
      callsMax: counts.at(-1) ?? NaN,
      commonCalls,
      approvalLoad,
      idleShare,
      rss: stats(rss).p50,
      idleLoad,
    };
  } finally {
    const code = await bot.stop();
    if (code !== 0) console.log(`(amtsbote at ${open} open exited with ${code} on SIGTERM)\n${bot.log()}`);
    await fake.stop();
    await waha.stop();
  }
}

const count = (n: number) => n.toLocaleString("en");
const percent = (share: number) => (Number.isFinite(share) ? `${(share * 100).toFixed(2)} %` : "–");

const started = performance.now();
console.log("## Open announcements: approval → gateway through Slack, idle CPU and memory, by number open");
console.log(machineLine());
console.log(`at the start: ${loadLine()}`);
console.log(
  `amtsbote: node adapters/main.ts, CHAT=slack (Socket Mode, local fake Slack, SLACK_POST_GAP_MS=0), SQLite on ` +
    `disk, WAHA → FakeWaha (WHATSAPP_MIN_GAP_MS=0), OUTBOX_POLL_MS default; open = pending drafts, each with its ` +
    `card in the approval channel`,
);
console.log(
  `per size: ${WARMUP} warm-up + ${ROUNDS} measured rounds (fresh /announce card, then an approver's ✅), then ` +
    `${SETTLE_MS / 1000} s without commands, then CPU and RSS over ${IDLE_MS / 1000} s`,
);
const seeded = await seedOpen(SIZES, policy, AUTHOR, { platform: "slack", room: PRESS_DESK }, APPROVALS);
console.log(
  `seeded ${count(Math.max(0, ...SIZES))} pending drafts through the store API in ` +
    `${(seeded.ms / 1000).toFixed(1)} s (snapshots at ${SIZES.map(count).join(", ")})`,
);

subscribe("http.server.request.start", onRequest);
const results: SizeResult[] = [];
for (const open of SIZES) {
  const r = await measure(open, seeded.files.get(open), seeded.cards);
  results.push(r);
  console.log(
    `${count(open)} open: ready in ${ms(r.readyMs, 0)} ms; approval → gateway p50 ${ms(r.latency.p50)} ms, ` +
      `p99 ${ms(r.latency.p99)} ms (load ${r.approvalLoad}); idle ${percent(r.idleShare)} of a core, RSS ` +
      `${mb(r.rss)} MB (load ${r.idleLoad}); ${(r.tookMs / 1000).toFixed(0)} s in all`,
  );
}
unsubscribe("http.server.request.start", onRequest);

const smallest = results[0];
const largest = results.at(-1);
const growthPer1000 =
  smallest && largest && largest.open > smallest.open
    ? ((largest.rss - smallest.rss) / (largest.open - smallest.open)) * 1000
    : NaN;
console.log("");
console.log(
  table(
    [
      "open",
      "approvals",
      "p50 ms",
      "p90 ms",
      "p99 ms",
      "max ms",
      "Slack calls before post p50 / max",
      "load¹",
      "idle CPU (1 core)",
      "RSS MB",
      `RSS vs ${count(smallest?.open ?? 0)} open, MB / 1,000`,
      "load²",
    ],
    results.map((r) => [
      count(r.open),
      String(r.latency.n),
      ms(r.latency.p50),
      ms(r.latency.p90),
      ms(r.latency.p99),
      ms(r.latency.max),
      `${r.callsP50} / ${r.callsMax}`,
      r.approvalLoad,
      percent(r.idleShare),
      mb(r.rss),
      smallest && r.open > smallest.open ? mb(((r.rss - smallest.rss) / (r.open - smallest.open)) * 1000) : "–",
      r.idleLoad,
    ]),
  ),
);
console.log("");
console.log("¹ 1-minute load average after the approvals; ² after the idle window (os.loadavg; 2 cores, maybe shared)");
for (const r of results)
  console.log(`Slack calls between ✅ and post at ${count(r.open)} open, most often: ${r.commonCalls || "none"}`);

const zero = results.find((r) => r.open === 0);
const ratio = zero && largest && largest !== zero ? largest.latency.p99 / zero.latency.p99 : NaN;
const p99s = results.map((r) => `${ms(r.latency.p99)} ms at ${count(r.open)}`).join(", ");
const rssMax = Math.max(...results.map((r) => r.rss));
console.log("");
console.log(
  table(
    ["target", "measured", ""],
    [
      [
        `approval → gateway through Slack: p99 < ${TARGET_P99_MS} ms (SQLite) at every size`,
        p99s,
        met(results.every((r) => r.latency.p99 < TARGET_P99_MS)),
      ],
      [
        `p99 at ${count(largest?.open ?? 0)} open within ${TARGET_RATIO}× of 0 open`,
        Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : "– (needs sizes 0 and more)",
        Number.isFinite(ratio) ? met(ratio <= TARGET_RATIO) : "",
      ],
      [
        `idle CPU < ${TARGET_IDLE_SHARE * 100} % of a core at ${count(largest?.open ?? 0)} open`,
        percent(largest?.idleShare ?? NaN),
        met((largest?.idleShare ?? Infinity) < TARGET_IDLE_SHARE),
      ],
      [`steady RSS ≤ ${mb(TARGET_RSS)} MB at every size`, `max ${mb(rssMax)} MB`, met(rssMax <= TARGET_RSS)],
      [
        `RSS growth < ${mb(TARGET_GROWTH_PER_1000)} MB per 1,000 open (${count(smallest?.open ?? 0)} → ${count(largest?.open ?? 0)})`,
        `${mb(growthPer1000)} MB`,
        Number.isFinite(growthPer1000) ? met(growthPer1000 < TARGET_GROWTH_PER_1000) : "",
      ],
    ],
  ),
);
console.log("");
console.log(`at the end: ${loadLine()}; the whole bench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
