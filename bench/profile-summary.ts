// Self time of a V8 CPU profile (`node --cpu-prof`) by module and by file, as Markdown tables; idle time left out.
// Usage: node bench/profile-summary.ts <file.cpuprofile> [top=15] [root=this checkout]
// (root: the checkout the profiled process ran from, when it was another one).
// "Module": the npm package (node_modules/<name>), the project's top folder (src, commands, adapters), Node's
// built-in JavaScript (node:*), or V8's own entries such as (garbage collector) and (program).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { table } from "./lib/common.ts";

const ProfileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string() }),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

const [file, topArg, rootArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: node bench/profile-summary.ts <file.cpuprofile> [top=15] [root=this checkout]");
  process.exit(2);
}
const top = Number(topArg ?? 15);
const profile = ProfileSchema.parse(JSON.parse(readFileSync(file, "utf8")));
const ROOT = rootArg ? `${rootArg.replace(/\/$/, "")}/` : fileURLToPath(new URL("..", import.meta.url));

/** The file a frame belongs to, relative to the project or to node_modules; V8's pseudo-frames as they are. */
function fileOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  const inModules = path.lastIndexOf("/node_modules/");
  if (inModules >= 0) return path.slice(inModules + "/node_modules/".length);
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

function moduleOf(fileName: string): string {
  if (fileName.startsWith("(")) return fileName;
  if (fileName.startsWith("node:")) return "node: (built-in JS)";
  const parts = fileName.split("/");
  return (fileName.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

const frames = new Map(profile.nodes.map((n) => [n.id, fileOf(n.callFrame.url, n.callFrame.functionName)]));
const byFile = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const where = frames.get(id) ?? "(unknown)";
  if (where === "(idle)") return;
  const micros = profile.timeDeltas[i] ?? 0;
  byFile.set(where, (byFile.get(where) ?? 0) + micros);
  total += micros;
});
const byModule = new Map<string, number>();
for (const [f, micros] of byFile) byModule.set(moduleOf(f), (byModule.get(moduleOf(f)) ?? 0) + micros);

const rows = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => [name, (micros / 1000).toFixed(0), `${((micros / total) * 100).toFixed(1)} %`]);

console.log(`${file}: ${(total / 1000).toFixed(0)} ms on the main thread, idle excluded`);
console.log("");
console.log(table(["module", "self ms", "share"], rows(byModule)));
console.log("");
console.log(table(["file", "self ms", "share"], rows(byFile)));
