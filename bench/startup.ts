// Start to ready, and resident memory in steady state: `node adapters/main.ts` spawned BENCH_STARTS times
// (default 5) per chat, each with a fresh SQLite store in a temp dir, stdin kept open, OPS_PORT a free port.
// Ready = the first 200 of /readyz (polled every 5 ms); then 3 s idle, then
// `amtsbote_process_resident_memory_bytes` from /metrics. Console chat, and Slack (Socket Mode) against the local
// fake Slack. Prints a table; never asserts (not part of `npm test`).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FakeSlack } from "../tests/fakes/fake-slack.ts";
import { APPROVALS, SLACK_POLICY_YAML } from "../tests/fakes/slack-bot.ts";
import { AmtsboteProcess, metricValue } from "./lib/children.ts";
import { freePort, machineLine, mb, met, ms, percentile, sleep, table, tempDir } from "./lib/common.ts";

const RUNS = Number(process.env.BENCH_STARTS ?? 5);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 3000);
const TARGET_READY_MS = 2000;
const TARGET_RSS = 150 * 2 ** 20;
const EXAMPLE_POLICY = fileURLToPath(new URL("../config/policy.example.yaml", import.meta.url));

interface Run {
  readyMs: number;
  rss: number;
  heap: number;
}

async function once(env: Record<string, string>, policy?: string): Promise<Run> {
  const dir = tempDir("startup");
  if (policy) writeFileSync(join(dir, "policy.yaml"), policy);
  const bot = new AmtsboteProcess(dir, await freePort(), {
    STORE_URL: `sqlite://${join(dir, "amtsbote.sqlite")}`,
    POLICY_FILE: policy ? join(dir, "policy.yaml") : EXAMPLE_POLICY,
    ...env,
  });
  try {
    const readyMs = await bot.ready();
    await sleep(IDLE_MS);
    const text = await bot.metrics();
    return {
      readyMs,
      rss: metricValue(text, "amtsbote_process_resident_memory_bytes"),
      heap: metricValue(text, "amtsbote_nodejs_heap_size_used_bytes"),
    };
  } finally {
    const code = await bot.stop();
    if (code !== 0) console.log(`(amtsbote exited with ${code} on SIGTERM)\n${bot.log()}`);
  }
}

const summary = (values: number[], format: (v: number) => string) => {
  const sorted = [...values].sort((a, b) => a - b);
  return [format(sorted[0] ?? NaN), format(percentile(sorted, 50)), format(sorted.at(-1) ?? NaN)];
};

console.log("## Start to ready, and resident memory after 3 s idle (`node adapters/main.ts`, SQLite)");
console.log(machineLine());
console.log(`${RUNS} starts per chat, one after another; ready = first 200 of /readyz after spawn`);

const fake = await FakeSlack.start();
const modes: [string, Record<string, string>, string?][] = [
  ["console", { CHAT: "console" }],
  [
    "slack (Socket Mode, fake Slack)",
    {
      CHAT: "slack",
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_APP_TOKEN: fake.appToken,
      SLACK_API_URL: fake.apiUrl,
      SLACK_APPROVAL_CHANNEL: APPROVALS,
      SLACK_POST_GAP_MS: "0",
    },
    SLACK_POLICY_YAML,
  ],
];
const rows: string[][] = [];
const verdicts: string[] = [];
for (const [name, env, policy] of modes) {
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(env, policy));
  const ready = runs.map((r) => r.readyMs);
  const rss = runs.map((r) => r.rss);
  rows.push([
    name,
    String(runs.length),
    ...summary(ready, (v) => ms(v, 0)),
    ...summary(rss, mb),
    summary(
      runs.map((r) => r.heap),
      mb,
    )[1] ?? "",
  ]);
  verdicts.push(
    `${name}: ready < ${TARGET_READY_MS} ms ${met(Math.max(...ready) < TARGET_READY_MS)} (max ${ms(Math.max(...ready), 0)} ms); ` +
      `RSS < 150 MB ${met(Math.max(...rss) < TARGET_RSS)} (max ${mb(Math.max(...rss))} MB)`,
  );
}
await fake.stop();
console.log("");
console.log(
  table(
    [
      "chat",
      "starts",
      "ready min ms",
      "ready median ms",
      "ready max ms",
      "RSS min MB",
      "RSS median MB",
      "RSS max MB",
      "heap used median MB",
    ],
    rows,
  ),
);
console.log("");
for (const v of verdicts) console.log(`target ${v}`);
