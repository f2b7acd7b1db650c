// `npm run bench`: every benchmark in sequence, each in a process of its own so that one's memory and JIT state
// do not skew another's; their tables go to stdout. Exits non-zero when a benchmark failed (only the burst has
// conditions that count as failures: lost or doubled posts). Not part of `npm test`.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { childEnv } from "../tests/fakes/child-env.ts";
import { machineLine } from "./lib/common.ts";

const BENCHES = ["ack-latency.ts", "approval-to-outlet.ts", "burst.ts", "startup.ts", "open-curve.ts"];

console.log("# amtsbote benchmarks");
console.log(machineLine());
console.log(
  process.env.TEST_REDIS_URL || process.env.TEST_POSTGRES_URL
    ? `stores: sqlite${process.env.TEST_REDIS_URL ? ", redis" : ""}${process.env.TEST_POSTGRES_URL ? ", postgres" : ""}`
    : "stores: sqlite only (set TEST_REDIS_URL / TEST_POSTGRES_URL, e.g. via scripts/test-services.sh, for the others)",
);
const failed: string[] = [];
const started = performance.now();
for (const bench of BENCHES) {
  console.log("");
  const t0 = performance.now();
  const child = spawn(process.execPath, [fileURLToPath(new URL(bench, import.meta.url))], {
    env: childEnv(),
    stdio: "inherit",
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  console.log(`(${bench}: ${((performance.now() - t0) / 1000).toFixed(1)} s${code === 0 ? "" : `, exit ${code}`})`);
  if (code !== 0) failed.push(`${bench} (exit ${code})`);
}
console.log("");
console.log(`all benchmarks: ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (failed.length) {
  console.log(`FAILED: ${failed.join(", ")}`);
  process.exitCode = 1;
}
