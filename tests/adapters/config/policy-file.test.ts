import { describe, expect, it } from "vitest";
import { loadPolicy, parsePolicy } from "../../../adapters/config/policy-file.ts";
import { readabilityFor } from "../../../src/policy/policy.ts";
import { TEST_POLICY_YAML } from "../../fakes/fixtures.ts";

const EXAMPLE = new URL("../../../config/policy.example.yaml", import.meta.url).pathname;

describe("policy file", () => {
  it("loads the shipped example with groups resolved", () => {
    const policy = loadPolicy(EXAMPLE);
    expect(policy.timezone).toBe("Europe/Berlin");
    expect(policy.categories.get("baustelle")?.approvers).toEqual(["carla", "erik"]);
    expect(policy.categories.get("allgemein")?.approvers).toEqual(["carla", "dieter", "erik"]);
    expect(policy.categories.get("krise")?.deadline).toEqual({ days: 0, ms: 2 * 3_600_000 });
    expect(policy.categories.get("allgemein")?.deadline).toEqual({ days: 3, ms: 0 });
    expect([...policy.editors]).toEqual(["anna", "ben", "carla", "dieter"]);
    expect(policy.people.get("ines")?.language).toBe("en");
    expect(policy.people.get("anna")?.identities).toEqual({
      console: ["anna"],
      slack: ["U0ANNA0001"],
      matrix: ["@anna.schmidt:achim.de"],
    });
  });

  it("reads plain-language thresholds at the top and per category; the rest keeps the defaults", () => {
    const policy = loadPolicy(EXAMPLE);
    expect(readabilityFor(policy, "baustelle")).toMatchObject({ maxSentenceWords: 20, describeMedia: "hint" });
    expect(readabilityFor(policy, "krise")).toMatchObject({
      maxSentenceWords: 25,
      minFleschScore: 30,
      maxWordLetters: 20,
      describeMedia: "required",
    });
    expect(policy.readability?.syllables?.("Umleitungsstrecke")).toBe(5); // Um-lei-tungs-stre-cke
  });

  const broken = (from: string, to: string) => TEST_POLICY_YAML.replace(from, to);

  // Lines of TEST_POLICY_YAML: 3 timezone, 9 erik, 15 defaultCategory, 19 allgemein's approvers, 25 baustelle.
  it.each([
    [
      "an unknown approver",
      "approvers: [carla, dieter, erik]",
      "approvers: [carla, dieter, nobody]",
      25,
      'unknown person "nobody"',
    ],
    ["an unknown group", 'approvers: ["@leitung"]', 'approvers: ["@chefs"]', 19, 'unknown group "@chefs"'],
    [
      "a quorum larger than the approvers",
      "quorum: 2",
      "quorum: 4",
      25,
      "baustelle.quorum: quorum 4 needs at least 4 approvers",
    ],
    ["a quorum that is not a number", "quorum: 2", "quorum: zwei", 25, "categories.baustelle.quorum"],
    [
      "an unknown outlet",
      "deadline: 1h }",
      "deadline: 1h, outlets: [whatsapp, mastodn] }",
      25,
      "categories.baustelle.outlets.1",
    ],
    ["a bad deadline", "deadline: 1h", "deadline: soon", 25, 'a duration such as "30m", "48h" or "3d"'],
    ["an unknown key", "defaultCategory: allgemein", "defaultCategory: allgemein\nquorm: 3", 16, "quorm"],
    ["a bad time zone", "timezone: Europe/Berlin", "timezone: Europe/Achim", 3, "not a known IANA time zone"],
    [
      "an unknown rule for picture descriptions",
      "deadline: 1h }",
      "deadline: 1h, readability: { describeMedia: sometimes } }",
      25,
      "categories.baustelle.readability.describeMedia",
    ],
    ["a missing default category", "defaultCategory: allgemein", "defaultCategory: sport", 15, 'no category "sport"'],
    [
      "a template text with a control character",
      "text: |\n      *Wasserrohrbruch in der {street}*\n      Die {street} ist bis voraussichtlich {until} gesperrt.\n      Rückfragen: {phone}",
      'text: "Wasserrohrbruch \\e[31min der {street} bis {until}, Tel. {phone}"',
      34,
      'templates.wasserrohrbruch.text: invisible control character U+001B at position 17: "errohrbruch ⟨U+001B⟩[31min der {"',
    ],
    [
      "a template text with a bidi override",
      "*Wasserrohrbruch in der {street}*",
      "*Wasserrohrbruch in der {street}*\u202E",
      34,
      "templates.wasserrohrbruch.text: invisible text-direction character U+202E",
    ],
    [
      "an identity used twice",
      "erik: { name: Erik, console: erik }",
      "erik: { name: Erik, console: anna }",
      9,
      'console id "anna" also belongs to',
    ],
  ])("refuses %s, naming file, line and key", (_what, from, to, line, message) => {
    const text = broken(from, to);
    expect(text).not.toBe(TEST_POLICY_YAML);
    expect(() => parsePolicy(text, "policy.yaml")).toThrow(message);
    expect(() => parsePolicy(text, "policy.yaml")).toThrow(new RegExp(`policy\\.yaml:${line}: `));
  });

  it("reads each category's default outlets", () => {
    const policy = loadPolicy(EXAMPLE);
    expect(policy.categories.get("veranstaltung")?.outlets).toEqual(["whatsapp", "mastodon", "telegram", "feeds"]);
    expect(policy.categories.get("baustelle")?.outlets).toBeUndefined();
  });

  it("refuses YAML that does not parse, with its line", () => {
    expect(() => parsePolicy("language: de\npeople: [\n", "p.yaml")).toThrow(/p\.yaml:\d+: not valid YAML/);
  });

  it("refuses a missing file clearly", () => {
    expect(() => loadPolicy("/nonexistent/policy.yaml")).toThrow("Cannot read policy file /nonexistent/policy.yaml");
  });
});
