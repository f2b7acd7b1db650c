import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WRAPPER = "bash scripts/with-node.sh ";

const { scripts } = z
  .looseObject({ scripts: z.record(z.string(), z.string()) })
  .parse(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")));

/**
 * A copy of scripts/node-env.sh and scripts/with-node.sh in a folder of its own, with `node` on PATH a stand-in
 * that claims to be Node 20 and, if `installed`, a `.node/` whose node is the one running this test.
 */
function checkout({ installed }: { installed: boolean }) {
  const root = mkdtempSync(join(tmpdir(), "amtsbote-with-node-"));
  mkdirSync(join(root, "scripts"));
  for (const file of ["node-env.sh", "with-node.sh"]) {
    copyFileSync(join(ROOT, "scripts", file), join(root, "scripts", file));
  }
  if (installed) {
    mkdirSync(join(root, ".node/node_modules/node/bin"), { recursive: true });
    symlinkSync(process.execPath, join(root, ".node/node_modules/node/bin/node"));
  }
  const oldNode = join(root, "old-node");
  mkdirSync(oldNode);
  writeFileSync(join(oldNode, "node"), '#!/bin/sh\necho "old node 20 ran: $*"\nexit 1\n', { mode: 0o755 });
  const run = (args: string[], path: string) =>
    spawnSync("bash", [join(root, "scripts/with-node.sh"), ...args], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, PATH: path },
    });
  return { root, oldNode, run };
}

describe("the npm scripts run on Node ≥ 22.20 whatever node the machine has", () => {
  it("every script runs through scripts/with-node.sh, or only runs other npm scripts", () => {
    for (const [name, command] of Object.entries(scripts)) {
      const onlyScripts = command.split("&&").every((part) => /^\s*npm (test|run [\w:-]+)\s*$/.test(part));
      expect(command.startsWith(WRAPPER) || onlyScripts, `"${name}": "${command}"`).toBe(true);
    }
  });

  it("with-node.sh runs the command on .node/'s node when the one on PATH is too old, passing its output and exit code", () => {
    const { oldNode, run } = checkout({ installed: true });
    const path = [oldNode, process.env.PATH].join(delimiter);
    const ran = run(["node", "-p", "process.version"], path);
    expect({ status: ran.status, stdout: ran.stdout }).toEqual({ status: 0, stdout: `${process.version}\n` });
    expect(run(["node", "-e", "process.exit(3)"], path).status).toBe(3);
  });

  it("with-node.sh leaves a new enough node on PATH as it is and installs nothing", () => {
    const { root, run } = checkout({ installed: false });
    const ran = run(
      ["node", "-p", "process.execPath"],
      [join(process.execPath, ".."), process.env.PATH].join(delimiter),
    );
    expect({ status: ran.status, stdout: ran.stdout, stderr: ran.stderr }).toEqual({
      status: 0,
      stdout: `${process.execPath}\n`,
      stderr: "",
    });
    expect(existsSync(join(root, ".node"))).toBe(false);
  });
});
