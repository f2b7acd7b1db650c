import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const Lock = z.object({
  packages: z.record(
    z.string(),
    z.looseObject({ version: z.string().optional(), dev: z.boolean().optional(), optional: z.boolean().optional() }),
  ),
});
const Bom = z.looseObject({
  bomFormat: z.string(),
  specVersion: z.string(),
  serialNumber: z.string(),
  metadata: z.looseObject({
    component: z.looseObject({ "bom-ref": z.string(), name: z.string(), version: z.string(), type: z.string() }),
  }),
  components: z.array(
    z.looseObject({ "bom-ref": z.string(), name: z.string(), version: z.string(), purl: z.string() }),
  ),
  dependencies: z.array(z.looseObject({ ref: z.string(), dependsOn: z.array(z.string()).optional() })),
});

describe("software bill of materials (npm run sbom)", () => {
  it("is a CycloneDX document of exactly the production tree installed here, at the lock file's versions", () => {
    const out = join(mkdtempSync(join(tmpdir(), "amtsbote-sbom-")), "sbom.cdx.json");
    execFileSync(process.execPath, [join(ROOT, "scripts/sbom.ts"), out], { cwd: ROOT, stdio: "pipe" });
    const bom = Bom.parse(JSON.parse(readFileSync(out, "utf8")));
    const manifest = z
      .object({
        name: z.string(),
        version: z.string(),
        license: z.string(),
        dependencies: z.record(z.string(), z.string()),
      })
      .parse(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")));
    const lock = Lock.parse(JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")));

    expect(bom.bomFormat).toBe("CycloneDX");
    expect(bom.specVersion).toMatch(/^1\.\d+$/);
    expect(bom.serialNumber).toMatch(/^urn:uuid:/);
    expect(bom.metadata.component).toMatchObject({
      name: manifest.name,
      version: manifest.version,
      type: "application",
      licenses: [{ license: { id: manifest.license } }],
    });

    const lockVersion = (name: string) => lock.packages[`node_modules/${name}`]?.version;
    const components = new Map(bom.components.map((c) => [c.name, c]));
    for (const name of ["@slack/bolt", "zod", "yaml", "sharp", "pg", "matrix-bot-sdk"]) {
      expect(components.get(name)?.version, name).toBe(lockVersion(name));
    }
    // npm's own --omit dev drops these, because development tools use them too (npm/cli#7909)
    for (const name of ["yaml", "detect-libc", "pg-types", "@types/node"])
      expect(components.has(name), name).toBe(true);
    for (const name of ["vitest", "eslint", "typescript", "prettier", "fast-check", "nock"]) {
      expect(components.has(name), name).toBe(false);
    }

    // Exactly what is installed for production: every non-dev lock entry present on disk, and nothing else.
    const expected = new Set<string>();
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (!path || entry.dev || !existsSync(join(ROOT, path, "package.json"))) continue;
      expected.add(`${path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length)}@${entry.version}`);
    }
    expect(new Set(bom.components.map((c) => `${c.name}@${c.version}`))).toEqual(expected);
    expect(bom.components.map((c) => c.purl).every((p) => p.startsWith("pkg:npm/"))).toBe(true);

    const root = bom.dependencies.find((d) => d.ref === bom.metadata.component["bom-ref"]);
    expect(root?.dependsOn?.map((ref) => ref.slice(0, ref.lastIndexOf("@"))).sort()).toEqual(
      Object.keys(manifest.dependencies).sort(),
    );
    const refs = new Set([bom.metadata.component["bom-ref"], ...bom.components.map((c) => c["bom-ref"])]);
    for (const d of bom.dependencies) {
      expect(refs.has(d.ref), d.ref).toBe(true);
      for (const ref of d.dependsOn ?? []) expect(refs.has(ref), `${d.ref} → ${ref}`).toBe(true);
    }
  });
});
