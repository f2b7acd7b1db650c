import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../adapters/config/policy-file.ts";
import { renderTemplate, templateHash } from "../../../src/templates/templates.ts";
import { TEST_POLICY_YAML, testPolicy } from "../../fakes/fixtures.ts";
import { aWorld, code, say, type World } from "../../fakes/world.ts";

const template = () => {
  const t = testPolicy().templates.get("wasserrohrbruch");
  if (!t) throw new Error("no template");
  return t;
};

describe("templates", () => {
  it("fills the gaps, with defaults", () => {
    expect(renderTemplate(template(), { street: "Obernstraße", until: "18 Uhr" })).toEqual({
      ok: true,
      value:
        "*Wasserrohrbruch in der Obernstraße*\nDie Obernstraße ist bis voraussichtlich 18 Uhr gesperrt.\nRückfragen: 04202 9160-0",
    });
  });

  it.each([
    [{ street: "Obernstraße" }, "MISSING_VARIABLE", "until"],
    [{ street: "Obernstraße", until: "18 Uhr", floor: "2" }, "UNKNOWN_VARIABLE", "floor"],
    [{ street: "Obernstraße", until: "bald" }, "BAD_VARIABLE", "until"],
    [{ street: "Obernstraße", until: "18 Uhr", phone: "ruf an" }, "BAD_VARIABLE", "phone"],
    [{ street: "x".repeat(41), until: "18 Uhr" }, "BAD_VARIABLE", "street"],
    [{ street: "Ober{n}straße", until: "18 Uhr" }, "BAD_VARIABLE", "street"],
  ])("refuses %j with %s", (values, expected, variable) => {
    expect(renderTemplate(template(), values)).toMatchObject({
      ok: false,
      error: { code: expected, params: { variable } },
    });
  });

  it("changes its hash with its text, so an approval does not carry over to a changed template", () => {
    const changed = parsePolicy(TEST_POLICY_YAML.replace("gesperrt.", "voll gesperrt."), "p.yaml").templates.get(
      "wasserrohrbruch",
    );
    expect(changed && templateHash(changed)).not.toBe(templateHash(template()));
  });

  it.each([
    ["{unknown} gap", "Rückfragen: {phone}", "Rückfragen: {phone} {wer}", "{wer} is not among its variables"],
    ["unused variable", "Rückfragen: {phone}", "Rückfragen: 04202", "{phone} does not occur in the text"],
    ["unknown category", "category: krise", "category: feuer", 'no category "feuer"'],
  ])("the policy refuses a template with an %s", (_what, from, to, message) => {
    expect(() => parsePolicy(TEST_POLICY_YAML.replace(from, to), "p.yaml")).toThrow(message);
  });
});

describe("templates in chat", () => {
  const night = (w: World) => w.clock.advance(Date.parse("2026-12-01T01:00:00Z") - w.clock.now().getTime());

  it("drafts from a template with quoted values, and refuses bad values with nothing stored", async () => {
    const w = aWorld();
    const o = await say(w, "anna", 'announce --template wasserrohrbruch street="Lange Straße" until=„18 Uhr“');
    expect(o.kind === "reply" && o.announcement).toMatchObject({
      category: "krise",
      template: { name: "wasserrohrbruch" },
    });
    expect(o.kind === "reply" && o.message.de).toContain("*Wasserrohrbruch in der Lange Straße*");
    const w2 = aWorld();
    expect(code(await say(w2, "anna", "announce --template wasserrohrbruch street=Obernstraße"))).toBe(
      "MISSING_VARIABLE",
    );
    expect(code(await say(w2, "anna", "announce --template wasserrohrbruch street=X until=18 etwas"))).toBe(
      "UNEXPECTED_ARGUMENTS",
    );
    expect(code(await say(w2, "anna", "announce --template gasleck street=X"))).toBe("UNKNOWN_TEMPLATE");
    expect(await w2.store.currentSequence("announcement")).toBe(0);
  });

  it("night staff publish a template at once only after a department head approved its current text", async () => {
    const w = aWorld();
    night(w);
    const use = 'announce --template wasserrohrbruch street="Obernstraße" until="18 Uhr" --now';
    expect(code(await say(w, "ben", use))).toBe("TEMPLATE_NOT_APPROVED");
    const list = await say(w, "ben", "template list");
    expect(list.kind === "reply" && list.message.de).toContain(
      "wasserrohrbruch (krise; street, until, phone) – noch nicht freigegeben",
    );
    expect(code(await say(w, "ben", "template approve wasserrohrbruch"))).toBe("NOT_AN_APPROVER");
    expect(code(await say(w, "carla", "template approve wasserrohrbruch"))).toBe("reply");
    const sent = await say(w, "ben", use);
    expect(sent.kind === "reply" && sent.announcement).toMatchObject({
      state: "publishing",
      review: { state: "open" },
    });
    const shown = await say(w, "anna", "template show wasserrohrbruch");
    expect(shown.kind === "reply" && shown.message.en).toContain("approved by carla");
  });
});
