import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../adapters/config/policy-file.ts";
import { applyDirectoryMembers } from "../../../src/policy/directory-groups.ts";
import { isApproverFor, resolvePerson } from "../../../src/policy/policy.ts";

const YAML = `
people:
  anna: { name: Anna, slack: U0ANNA }
  erik: { name: Erik, slack: U0ERIK }
groups:
  leitung: [anna]
  presse: []
slackUsergroups:
  leitung: S0LEITUNG
  presse: S0PRESSE
editors: ["@presse", anna]
defaultCategory: allgemein
categories:
  allgemein: { label: Allgemeines, approvers: ["@leitung", erik], quorum: 2 }
  fest: { label: Feste, approvers: [erik], quorum: 1 }
`;

describe("Slack user groups feeding policy groups", () => {
  it("adds members as people and approvers where the group is named, and only there", () => {
    const policy = parsePolicy(YAML, "policy.yaml");
    expect(policy.directoryGroups?.get("leitung")?.usedBy).toEqual({
      editors: false,
      admins: false,
      categories: ["allgemein"],
    });
    const { added } = applyDirectoryMembers(policy, "leitung", [
      { userId: "U0ANNA", name: "Anna (Slack)" },
      { userId: "U0CARLA", name: "Carla Meyer" },
    ]);
    expect(added).toEqual(["anna", "slack-u0carla"]);
    const carla = resolvePerson(policy, "slack", "U0CARLA");
    expect(carla).toMatchObject({ id: "slack-u0carla", name: "Carla Meyer", language: "de" });
    expect(isApproverFor(policy, "slack-u0carla", "allgemein")).toBe(true);
    expect(isApproverFor(policy, "slack-u0carla", "fest")).toBe(false);
    expect(policy.editors.has("slack-u0carla")).toBe(false);
  });

  it("takes away what only the group gave, and keeps what the file lists", () => {
    const policy = parsePolicy(YAML, "policy.yaml");
    applyDirectoryMembers(policy, "leitung", [
      { userId: "U0CARLA", name: "Carla" },
      { userId: "U0ERIK", name: "Erik" },
    ]);
    const { removed } = applyDirectoryMembers(policy, "leitung", []);
    expect(removed.sort()).toEqual(["erik", "slack-u0carla"]);
    expect(isApproverFor(policy, "slack-u0carla", "allgemein")).toBe(false);
    expect(isApproverFor(policy, "erik", "allgemein")).toBe(true);
    expect(isApproverFor(policy, "anna", "allgemein")).toBe(true);
  });

  it("feeds editors from a group named among them", () => {
    const policy = parsePolicy(YAML, "policy.yaml");
    applyDirectoryMembers(policy, "presse", [{ userId: "U0PRESS", name: "Paula" }]);
    expect(policy.editors.has("slack-u0press")).toBe(true);
    applyDirectoryMembers(policy, "presse", []);
    expect(policy.editors.has("slack-u0press")).toBe(false);
    expect(policy.editors.has("anna")).toBe(true);
  });

  it("refuses a link to a group the file does not define", () => {
    expect(() => parsePolicy(YAML.replace("  presse: []\n", ""), "policy.yaml")).toThrow(
      /slackUsergroups\.presse: no group "presse" under groups/,
    );
  });
});
