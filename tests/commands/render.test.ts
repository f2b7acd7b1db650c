import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../adapters/config/policy-file.ts";
import { hintsFor } from "../../commands/hints.ts";
import { previewHints, when } from "../../commands/render.ts";
import type { Announcement } from "../../src/announcement/announcement.ts";
import { toOutboundPost } from "../../src/outbox/outbox.ts";
import { readabilityFor, type Policy } from "../../src/policy/policy.ts";
import { formatWallTime } from "../../src/time/zoned.ts";
import { TEST_POLICY_YAML } from "../fakes/fixtures.ts";
import { aWorld } from "../fakes/world.ts";

const LONG =
  "Die Hauptstraße ist ab Montag früh bis voraussichtlich Freitagabend wegen dringender Bauarbeiten an der " +
  "Wasserleitung vollständig für den gesamten Durchgangsverkehr und auch für Radfahrer gesperrt.";
const SHORT = "Die Hauptstraße ist ab Montag gesperrt.";

/** The hints computed afresh, as previewHints computed them before it remembered any. */
const fresh = (policy: Policy, a: Announcement) =>
  hintsFor(toOutboundPost(a), readabilityFor(policy, a.category), policy.readability?.syllables).lines;

async function drafted(policy: Policy, text: string, category = "allgemein") {
  const w = aWorld(undefined, undefined, policy);
  const result = await w.service.draft("anna", {
    content: { text, media: [] },
    category,
    urgent: false,
    handoff: false,
    breakGlass: false,
    origin: { platform: "console", room: "console" },
  });
  if (!result.ok) throw new Error(result.error.code);
  return { w, a: result.value };
}

describe("rendering shared by replies, notices and cards", () => {
  it("gives a draft's hints again when asked again, and a new version its own", async () => {
    const policy = parsePolicy(TEST_POLICY_YAML, "test-policy.yaml");
    const { w, a } = await drafted(policy, LONG);
    const first = previewHints(policy, a);
    expect(first.length).toBeGreaterThan(0);
    expect(previewHints(policy, a)).toEqual(fresh(policy, a));
    const edited = await w.service.edit("anna", a.id, { text: SHORT, media: [] });
    if (!edited.ok) throw new Error(edited.error.code);
    expect(previewHints(policy, edited.value)).toEqual(fresh(policy, edited.value));
    expect(previewHints(policy, edited.value)).not.toEqual(first);
  });

  it("keeps hints apart per category and per policy, for the same text", async () => {
    const quiet = TEST_POLICY_YAML.replace(
      "  krise: { label: Krisenlage,",
      "  krise: { label: Krisenlage, readability: { enabled: false },",
    );
    const strict = `${TEST_POLICY_YAML}readability: { maxSentenceWords: 5 }\n`;
    const policies = [quiet, strict].map((yaml) => parsePolicy(yaml, "test-policy.yaml"));
    const [quietPolicy, strictPolicy] = policies as [Policy, Policy];
    const general = (await drafted(quietPolicy, LONG)).a;
    const crisis = (await drafted(quietPolicy, LONG, "krise")).a;
    const plain = (await drafted(quietPolicy, SHORT)).a;
    const strictPlain = (await drafted(strictPolicy, SHORT)).a;
    for (const [policy, a] of [
      [quietPolicy, general],
      [quietPolicy, crisis],
      [quietPolicy, plain],
      [strictPolicy, strictPlain],
    ] as const) {
      expect(previewHints(policy, a)).toEqual(fresh(policy, a));
    }
    expect(previewHints(quietPolicy, crisis)).not.toEqual(previewHints(quietPolicy, general));
    expect(previewHints(strictPolicy, strictPlain)).not.toEqual(previewHints(quietPolicy, plain));
  });

  it("shows each instant in its policy's zone, the same when asked again", () => {
    const berlin = parsePolicy(TEST_POLICY_YAML, "test-policy.yaml");
    const athens = parsePolicy(
      TEST_POLICY_YAML.replace("timezone: Europe/Berlin", "timezone: Europe/Athens"),
      "t.yaml",
    );
    const at = "2026-10-25T00:30:00Z"; // 02:30 in Berlin, in the hour shown twice
    for (const policy of [berlin, athens, berlin]) {
      expect(when(policy, at)).toEqual({
        de: formatWallTime(new Date(at), policy.timezone, "de"),
        en: formatWallTime(new Date(at), policy.timezone, "en"),
      });
    }
    expect(when(berlin, at).de).toBe("So, 25.10.2026, 02:30 (UTC+2)");
    expect(when(athens, at).de).not.toBe(when(berlin, at).de);
  });
});
