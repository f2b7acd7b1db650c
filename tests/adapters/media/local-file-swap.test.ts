import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readLocalFile } from "../../../adapters/media/intake.ts";

/** `stat` of these paths answers with the stats of another path: what it saw before the path was swapped. */
const before = vi.hoisted(() => new Map<string, string>());

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  return { ...real, stat: (path: string) => real.stat(before.get(path) ?? path) };
});

let dir = "";

afterEach(async () => {
  before.clear();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("a path swapped between the check and the open", () => {
  it("a regular file swapped for a pipe is refused from the opened handle, without waiting for a writer", async () => {
    dir = await mkdtemp(join(tmpdir(), "amtsbote-swap-"));
    const regular = join(dir, "plan.png");
    await writeFile(regular, "PNG");
    const fifo = join(dir, "pipe.png");
    execFileSync("mkfifo", [fifo]);
    before.set(fifo, regular);
    expect(await readLocalFile(fifo)).toEqual({
      ok: false,
      error: { code: "NOT_A_REGULAR_FILE", params: { path: fifo, kind: "fifo" } },
    });
  });

  it("a regular file swapped for /dev/zero is refused from the opened handle", async () => {
    dir = await mkdtemp(join(tmpdir(), "amtsbote-swap-"));
    const regular = join(dir, "plan.png");
    await writeFile(regular, "PNG");
    before.set("/dev/zero", regular);
    expect(await readLocalFile("/dev/zero")).toMatchObject({ ok: false, error: { params: { kind: "device" } } });
  });
});
