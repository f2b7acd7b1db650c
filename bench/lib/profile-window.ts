// Preloaded into amtsbote by bench/ack-latency.ts (`--import`) when BENCH_ACK_PROFILE names a directory: the first
// SIGUSR2 starts V8's CPU profiler, the next one writes what it recorded to
// `<dir>/amtsbote-<pid>-<n>.cpuprofile` and then `<same>.done`, so a profile covers exactly one measured window
// (`--cpu-prof` would also cover start-up and idle time). Bench only; never loaded by `npm start`.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";

const dir = process.env.BENCH_ACK_PROFILE;
if (dir) {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 1000 });
  let running = false;
  let written = 0;
  process.on("SIGUSR2", () => {
    void (async () => {
      if (!running) {
        running = true;
        await session.post("Profiler.start");
        return;
      }
      running = false;
      const { profile } = await session.post("Profiler.stop");
      const file = join(dir, `amtsbote-${process.pid}-${++written}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      writeFileSync(`${file}.done`, "");
    })();
  });
}
