// `npm run sbom [-- <file>|-]`: a CycloneDX (JSON) bill of materials of the production dependency tree, written to
// sbom.cdx.json (git-ignored), to <file>, or to stdout with `-`. The container build writes one to /app/sbom.cdx.json.
//
// The document is npm's own (`npm sbom --sbom-format cyclonedx`), taken from package-lock.json
// (`--package-lock-only`), then narrowed to the production tree here, because npm's `--omit dev` is unusable:
// it also drops production packages that a development tool uses too (yaml, detect-libc, pg-types, … here;
// npm/cli#7909), and on an install without the development tools (the container build) npm refuses to write a
// bill at all (ESBOMPROBLEMS, "missing: vitest …").
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const Component = z.looseObject({ "bom-ref": z.string(), name: z.string(), version: z.string() });
const Bom = z.looseObject({
  bomFormat: z.literal("CycloneDX"),
  specVersion: z.string(),
  metadata: z.looseObject({ component: z.looseObject({ name: z.string(), type: z.string() }) }),
  components: z.array(Component),
  dependencies: z.array(z.looseObject({ ref: z.string(), dependsOn: z.array(z.string()).optional() })).optional(),
});
export type Bom = z.infer<typeof Bom>;

const LockFile = z.looseObject({
  packages: z.record(
    z.string(),
    z.looseObject({
      name: z.string().optional(),
      version: z.string().optional(),
      dev: z.boolean().optional(),
      optional: z.boolean().optional(),
    }),
  ),
});

/**
 * `name@version` of every package the production tree holds here: not marked `dev` in package-lock.json, and,
 * for the optional per-platform packages (sharp's native builds), only those actually installed.
 */
export function productionRefs(root: string): Set<string> {
  const lock = LockFile.parse(JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")));
  const refs = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.includes("node_modules/") || entry.dev || !entry.version) continue;
    if (entry.optional && !existsSync(join(root, path, "package.json"))) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    refs.add(`${name}@${entry.version}`);
  }
  return refs;
}

/**
 * npm's bill narrowed to `keep`; the root component named as package.json names it, typed an application, and
 * depending directly only on its production dependencies (`direct`, by name).
 */
export function narrow(bom: Bom, keep: ReadonlySet<string>, name: string, direct: ReadonlySet<string>): Bom {
  const kept = (ref: string) => keep.has(ref);
  const rootRef = bom.metadata.component["bom-ref"];
  const directly = (ref: string) => kept(ref) && direct.has(ref.slice(0, ref.lastIndexOf("@")));
  return {
    ...bom,
    metadata: { ...bom.metadata, component: { ...bom.metadata.component, name, type: "application" } },
    components: bom.components.filter((c) => kept(c["bom-ref"])),
    ...(bom.dependencies
      ? {
          dependencies: bom.dependencies
            .filter((d) => d.ref === rootRef || kept(d.ref))
            .map((d) =>
              d.dependsOn ? { ...d, dependsOn: d.dependsOn.filter(d.ref === rootRef ? directly : kept) } : d,
            ),
        }
      : {}),
  };
}

export function productionSbom(root: string): Bom {
  // Under `npm run`, npm_execpath is the npm that runs us; elsewhere the npm on PATH.
  const npmCli = process.env.npm_execpath;
  const args = ["sbom", "--sbom-format", "cyclonedx", "--package-lock-only"];
  const text = npmCli?.endsWith("npm-cli.js")
    ? execFileSync(process.execPath, [npmCli, ...args], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 })
    : execFileSync("npm", args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  const manifest = z
    .looseObject({
      name: z.string(),
      dependencies: z.record(z.string(), z.string()).optional(),
      optionalDependencies: z.record(z.string(), z.string()).optional(),
    })
    .parse(JSON.parse(readFileSync(join(root, "package.json"), "utf8")));
  const direct = new Set(Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }));
  return narrow(Bom.parse(JSON.parse(text)), productionRefs(root), manifest.name, direct);
}

if (import.meta.main) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const target = process.argv[2] ?? join(root, "sbom.cdx.json");
  const json = `${JSON.stringify(productionSbom(root), null, 2)}\n`;
  if (target === "-") process.stdout.write(json);
  else {
    writeFileSync(target, json);
    process.stderr.write(`sbom: wrote ${target}\n`);
  }
}
