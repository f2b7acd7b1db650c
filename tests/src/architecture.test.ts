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

describe("one approval surface: chats render and carry, the desk decides", () => {
  const chatFiles = [...sources("adapters/slack"), ...sources("adapters/matrix")];
  /** Who may approve, reject or change, and what a reaction means: decided in src/ and commands/ only. */
  const DECISIONS = [
    "isApproverFor",
    "canChange",
    "canDraft",
    "isStaff",
    "approvalProgress",
    "quorumOf",
    "reactionMeaning",
  ];
  /** The bookkeeping of reactions, handled events and reason dialogues: written once, in the approval desk. */
  const BOOKKEEPING = [
    "markHandled",
    "putSeen",
    "openDialogue",
    "closeDialogue",
    "putReaction",
    "approvalsOfCurrentVersion",
  ];

  it("no Slack or Matrix file uses a policy decision or the desk's bookkeeping", () => {
    for (const file of chatFiles) {
      const text = readFileSync(join(ROOT, file), "utf8");
      for (const name of [...DECISIONS, ...BOOKKEEPING]) {
        expect(new RegExp(`\\b${name}\\b`).test(text), `${file} uses ${name}`).toBe(false);
      }
    }
  });

  it("reconciliation and the reason dialogue exist once, in commands/approval-desk.ts", () => {
    for (const file of chatFiles) {
      const text = readFileSync(join(ROOT, file), "utf8");
      expect(/async #?reconcile\(|async #?askForReason\(|async #?maybeRejectReason\(/.test(text), file).toBe(false);
    }
    expect(readFileSync(join(ROOT, "commands/approval-desk.ts"), "utf8")).toMatch(/async reconcile\(\)/);
  });
});
