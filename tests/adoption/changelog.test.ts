import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../adapters/version.ts";

const CHANGELOG = readFileSync(new URL("../../CHANGELOG.md", import.meta.url), "utf8");
const KINDS = ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"];

interface Release {
  version: string;
  date: string;
  body: string;
}

/** The `## [x.y.z] - YYYY-MM-DD` sections of a Keep a Changelog file, newest first as written. */
function releases(text: string): { unreleased: boolean; releases: Release[] } {
  const sections = text.split(/^## /m).slice(1);
  const out: Release[] = [];
  let unreleased = false;
  for (const section of sections) {
    const [heading = "", ...rest] = section.split("\n");
    if (/^\[Unreleased\]\s*$/.test(heading)) {
      unreleased = out.length === 0;
      continue;
    }
    const m = /^\[(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\] - (\d{4}-\d{2}-\d{2})\s*$/.exec(heading);
    if (!m) throw new Error(`not a release heading: "## ${heading}"`);
    out.push({ version: m[1] ?? "", date: m[2] ?? "", body: rest.join("\n") });
  }
  return { unreleased, releases: out };
}

const compare = (a: string, b: string) => {
  const [x, y] = [a, b].map((v) => v.split(/[-+]/)[0]?.split(".").map(Number) ?? []);
  for (let i = 0; i < 3; i++) if ((x?.[i] ?? 0) !== (y?.[i] ?? 0)) return (x?.[i] ?? 0) - (y?.[i] ?? 0);
  return 0;
};

describe("CHANGELOG.md", () => {
  const parsed = releases(CHANGELOG);

  it("has an entry for the version in package.json", () => {
    expect(parsed.releases.map((r) => r.version)).toContain(VERSION);
  });

  it("is in Keep a Changelog form: Unreleased first, then releases newest first, each dated and sorted into kinds", () => {
    expect(CHANGELOG).toMatch(/^# Changelog\n/);
    expect(CHANGELOG).toContain("https://keepachangelog.com/en/1.1.0/");
    expect(parsed.unreleased).toBe(true);
    expect(parsed.releases.length).toBeGreaterThan(0);
    for (const [i, release] of parsed.releases.entries()) {
      const next = parsed.releases[i + 1];
      if (next)
        expect(compare(release.version, next.version), `${release.version} after ${next.version}`).toBeGreaterThan(0);
      expect(new Date(`${release.date}T00:00:00Z`).toISOString().slice(0, 10), release.version).toBe(release.date);
      const kinds = [...release.body.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
      expect(kinds.length, release.version).toBeGreaterThan(0);
      for (const kind of kinds) expect(KINDS, `${release.version}: ### ${kind}`).toContain(kind);
      expect(release.body, release.version).toMatch(/^- /m);
    }
  });
});
