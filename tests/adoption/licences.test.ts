import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  judge,
  loadExceptions,
  parseExpression,
  permitted,
  productionDependencies,
  satisfies,
  unusedExceptions,
  type Dependency,
  type LicenceException,
} from "../../scripts/licence-check.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EXCEPTIONS = fileURLToPath(new URL("../../config/licence-exceptions.yaml", import.meta.url));

const allowed = (text: string) => satisfies(parseExpression(text), (id) => permitted(id));
const dependency = (name: string, licence: string | undefined): Dependency => ({
  path: `node_modules/${name}`,
  name,
  version: "1.0.0",
  licence,
  optional: false,
});

describe("SPDX expressions", () => {
  it("one side of OR is enough, AND needs both, parentheses group, WITH leaves the licence to decide", () => {
    expect(allowed("MIT")).toBe(true);
    expect(allowed("(MIT OR WTFPL)")).toBe(true);
    expect(allowed("(AFL-2.1 OR BSD-3-Clause)")).toBe(true);
    expect(allowed("GPL-3.0-only OR MIT")).toBe(true);
    expect(allowed("MIT AND GPL-3.0-only")).toBe(false);
    expect(allowed("Apache-2.0 AND (MIT OR GPL-2.0-only)")).toBe(true);
    expect(allowed("(Apache-2.0 AND GPL-2.0-only) OR BSD-2-Clause")).toBe(true);
    expect(allowed("(Apache-2.0 AND GPL-2.0-only) OR WTFPL")).toBe(false);
    expect(allowed("Apache-2.0 WITH LLVM-exception")).toBe(true);
    expect(allowed("GPL-2.0-only WITH Classpath-exception-2.0")).toBe(false);
    expect(allowed("mit or isc")).toBe(true);
  });

  it("reads the GNU licences' old spellings", () => {
    expect(parseExpression("LGPL-2.1+")).toEqual({ kind: "id", id: "LGPL-2.1-or-later" });
    expect(parseExpression("GPL-3.0")).toEqual({ kind: "id", id: "GPL-3.0-only" });
  });

  it("refuses what is not an expression", () => {
    for (const text of ["", "MIT OR", "(MIT", "MIT)", "AND MIT", "MIT WITH"]) {
      expect(() => parseExpression(text), text).toThrow(/not an SPDX expression/);
    }
  });
});

describe("the licence rule", () => {
  const lgpl: LicenceException = {
    packages: ["@img/sharp-libvips-*", "@img/sharp-wasm32"],
    licences: ["LGPL-3.0-or-later"],
    reason: "a shared library, replaceable by the user",
  };

  it("permissive licences pass; copyleft, proprietary and missing licences need a decision", () => {
    for (const licence of ["MIT", "ISC", "BSD-2-Clause", "Apache-2.0", "BlueOak-1.0.0", "0BSD", "EUPL-1.2"]) {
      expect(judge(dependency("x", licence), []).ok, licence).toBe(true);
    }
    for (const licence of ["GPL-3.0-only", "AGPL-3.0-or-later", "LGPL-3.0-or-later", "MPL-2.0", "SSPL-1.0"]) {
      expect(judge(dependency("x", licence), []), licence).toMatchObject({ ok: false });
    }
    expect(judge(dependency("x", undefined), []).problem).toMatch(/NOASSERTION/);
    expect(judge(dependency("x", "SEE LICENSE IN LICENSE.md"), []).ok).toBe(false);
    expect(judge(dependency("x", "UNLICENSED"), []).ok).toBe(false);
  });

  it("an exception covers only the packages it names, and only the licences it names", () => {
    expect(judge(dependency("@img/sharp-libvips-linux-x64", "LGPL-3.0-or-later"), [lgpl])).toMatchObject({
      ok: true,
      exception: lgpl,
    });
    expect(judge(dependency("@img/sharp-wasm32", "Apache-2.0 AND LGPL-3.0-or-later AND MIT"), [lgpl]).ok).toBe(true);
    expect(judge(dependency("some-other-lib", "LGPL-3.0-or-later"), [lgpl]).ok).toBe(false);
    expect(judge(dependency("@img/sharp-libvips-linux-x64", "GPL-3.0-or-later"), [lgpl]).ok).toBe(false);
    expect(unusedExceptions([judge(dependency("a", "MIT"), [lgpl])], [lgpl])).toEqual([lgpl]);
  });

  it("the production tree of package-lock.json passes, and every recorded exception is in use", () => {
    const exceptions = loadExceptions(EXCEPTIONS);
    const deps = productionDependencies(ROOT);
    const names = deps.map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(["@slack/bolt", "zod", "sharp", "@img/sharp-libvips-linux-x64"]));
    for (const devOnly of ["vitest", "eslint", "typescript", "prettier", "fast-check"]) {
      expect(names, devOnly).not.toContain(devOnly);
    }
    const verdicts = deps.map((d) => judge(d, exceptions));
    expect(verdicts.filter((v) => !v.ok).map((v) => `${v.dependency.name}: ${v.problem}`)).toEqual([]);
    expect(unusedExceptions(verdicts, exceptions)).toEqual([]);
    for (const exception of exceptions) expect(exception.reason.length).toBeGreaterThan(100);
  });
});
