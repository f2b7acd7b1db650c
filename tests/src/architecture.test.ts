import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;

const sources = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));

const imports = (file: string): string[] =>
  [...readFileSync(join(ROOT, file), "utf8").matchAll(/^\s*(?:import|export)[^"']*?from\s+["']([^"']+)["']/gm)].map(
    (m) => m[1] ?? "",
  );

describe("dependency rule: adapters → commands → src", () => {
  it("src/ imports only src/ and node built-ins", () => {
    for (const file of sources("src")) {
      for (const spec of imports(file)) {
        const ok = spec.startsWith("node:") || (spec.startsWith(".") && !/(^|\/)(adapters|commands)\//.test(spec));
        expect(ok, `${file} imports ${spec}`).toBe(true);
      }
    }
  });

  it("commands/ imports only commands/, src/ and node built-ins", () => {
    for (const file of sources("commands")) {
      for (const spec of imports(file)) {
        const ok = spec.startsWith("node:") || (spec.startsWith(".") && !spec.includes("adapters/"));
        expect(ok, `${file} imports ${spec}`).toBe(true);
      }
    }
  });
});
