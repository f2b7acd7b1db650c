import { execFileSync } from "node:child_process";
import { mkdtemp, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readLocalFile } from "../../../adapters/media/intake.ts";
import { errorText } from "../../../commands/messages.ts";

let dir = "";
let socketServer: Server | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amtsbote-intake-"));
});

afterEach(async () => {
  await new Promise((resolve) => (socketServer ? socketServer.close(resolve) : resolve(undefined)));
  socketServer = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("reading a local file for the console", () => {
  it("refuses a device such as /dev/zero before reading, with a friendly message in both languages", async () => {
    const result = await readLocalFile("/dev/zero");
    expect(result).toEqual({
      ok: false,
      error: { code: "NOT_A_REGULAR_FILE", params: { path: "/dev/zero", kind: "device" } },
    });
    if (result.ok) return;
    expect(errorText(result.error)).toEqual({
      de: "„/dev/zero“ ist ein Gerät, keine Bild- oder Videodatei; es wurde nichts gelesen. Bitte eine Datei angeben, z. B. `--image ./plakat.jpg`.",
      en: '"/dev/zero" is a device, not a picture or video file; nothing was read. Please name a file, e.g. `--image ./poster.jpg`.',
    });
  });

  it("refuses a pipe (FIFO) without waiting for a writer", async () => {
    const fifo = join(dir, "pipe.png");
    execFileSync("mkfifo", [fifo]);
    expect(await readLocalFile(fifo)).toMatchObject({ ok: false, error: { params: { kind: "fifo" } } });
  });

  it("refuses a folder and a socket", async () => {
    expect(await readLocalFile(dir)).toMatchObject({ ok: false, error: { params: { kind: "directory" } } });
    const socket = join(dir, "s.sock");
    socketServer = createServer();
    await new Promise<void>((resolve) => socketServer?.listen(socket, resolve));
    expect(await readLocalFile(socket)).toMatchObject({ ok: false, error: { params: { kind: "socket" } } });
  });

  it("follows a link to judge what it points at", async () => {
    const link = join(dir, "bild.jpg");
    await symlink("/dev/zero", link);
    expect(await readLocalFile(link)).toMatchObject({
      ok: false,
      error: { code: "NOT_A_REGULAR_FILE", params: { path: link, kind: "device" } },
    });
  });

  it("refuses a 2 GB file from its size, without reading it (a sparse file: no disk used)", async () => {
    const big = join(dir, "riesig.mp4");
    await writeFile(big, "");
    await truncate(big, 2 * 1024 ** 3);
    expect(await readLocalFile(big)).toEqual({
      ok: false,
      error: { code: "MEDIA_TOO_LARGE", params: { name: "riesig.mp4", mb: "2048.00", maxMb: "16.00" } },
    });
  });

  it("reads a regular file whole; a missing one is named with the reason", async () => {
    const file = join(dir, "plan.png");
    await writeFile(file, Buffer.alloc(200_000, 3));
    const read = await readLocalFile(file);
    expect(read.ok && read.value.name).toBe("plan.png");
    expect(read.ok && Buffer.from(read.value.bytes).equals(Buffer.alloc(200_000, 3))).toBe(true);
    expect(await readLocalFile(join(dir, "fehlt.png"))).toMatchObject({
      ok: false,
      error: { code: "FILE_NOT_READABLE", params: { reason: "ENOENT" } },
    });
  });
});
