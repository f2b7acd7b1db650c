import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { VERSION } from "../../adapters/version.ts";

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");
// tests/adoption/data/SOURCE.md says where the schema comes from.
const schema: unknown = JSON.parse(read("./data/publiccode.schema.json"));
const publiccode: unknown = parse(read("../../publiccode.yml"));

const Described = z.looseObject({
  publiccodeYmlVersion: z.string(),
  url: z.string(),
  softwareVersion: z.string(),
  releaseDate: z.string(),
  legal: z.looseObject({ license: z.string() }),
  description: z.record(
    z.string(),
    z.looseObject({ shortDescription: z.string(), longDescription: z.string(), features: z.array(z.string()) }),
  ),
});

describe("publiccode.yml", () => {
  it("validates against the publiccode.yml JSON schema", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema as object);
    const valid = validate(publiccode);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it("says what the standard asks beyond the schema, and agrees with package.json and CHANGELOG.md", () => {
    const p = Described.parse(publiccode);
    expect(p.publiccodeYmlVersion).toBe("0.5");
    expect(p.softwareVersion).toBe(VERSION);
    const released = new RegExp(`^## \\[${VERSION.replaceAll(".", "\\.")}\\] - (\\d{4}-\\d{2}-\\d{2})$`, "m");
    expect(p.releaseDate).toBe(released.exec(read("../../CHANGELOG.md"))?.[1]);
    const manifest = z.looseObject({ license: z.string() }).parse(JSON.parse(read("../../package.json")));
    expect(p.legal.license).toBe(manifest.license);
    expect(Object.keys(p.description).sort()).toEqual(["de", "en"]);
    for (const [language, d] of Object.entries(p.description)) {
      // schema.core: longDescription 500 to 10,000 characters, features up to 100 characters each
      expect(d.longDescription.length, language).toBeGreaterThanOrEqual(500);
      expect(d.features.length, language).toBeGreaterThanOrEqual(5);
      for (const feature of d.features) expect(feature.length, feature).toBeLessThanOrEqual(100);
    }
  });

  it.todo("url names the published repository (it is a placeholder until the repository is public)");
});
