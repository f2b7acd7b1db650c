import { constants, type Stats } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { basename } from "node:path";
import type { MediaItem } from "../../src/announcement/announcement.ts";
import { fail, ok, type Result } from "../../src/errors.ts";
import type { Store } from "../../src/ports/store.ts";
import { MAX_INTAKE_BYTES, readCapped, tooLarge } from "./capped-read.ts";
import { prepareMedia, type RawMedia } from "./prepare.ts";

/** Takes an attachment in: checks and converts it, stores the bytes, returns what an announcement refers to. */
export type MediaIntake = (raw: RawMedia) => Promise<Result<MediaItem>>;

export function mediaIntake(store: Pick<Store, "putMedia">): MediaIntake {
  return async function intake(raw) {
    const prepared = await prepareMedia(raw);
    if (!prepared.ok) return prepared;
    await store.putMedia(prepared.value.item.sha256, prepared.value.bytes);
    return ok(prepared.value.item);
  };
}

/** What a path names, in the words of the NOT_A_REGULAR_FILE message. */
const kindOf = (stats: Stats): "file" | "directory" | "device" | "fifo" | "socket" =>
  stats.isFile()
    ? "file"
    : stats.isDirectory()
      ? "directory"
      : stats.isFIFO()
        ? "fifo"
        : stats.isSocket()
          ? "socket"
          : "device";

/**
 * Reads a local file for the console; a missing or unreadable file is the person's error, not a crash.
 * Only a regular file within the intake cap is read: a device (/dev/zero), a pipe, a socket or a folder
 * is refused before anything is opened, and the opened handle is checked again, so a path swapped in
 * between cannot slip through. The open does not wait for a pipe's writer (O_NONBLOCK).
 */
export async function readLocalFile(path: string): Promise<Result<{ name: string; bytes: Uint8Array }>> {
  const name = basename(path);
  let handle: FileHandle | undefined;
  try {
    const kind = kindOf(await stat(path));
    if (kind !== "file") return fail("NOT_A_REGULAR_FILE", { path, kind });
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const opened = await handle.stat();
    const openedKind = kindOf(opened);
    if (openedKind !== "file") return fail("NOT_A_REGULAR_FILE", { path, kind: openedKind });
    if (opened.size > MAX_INTAKE_BYTES) return tooLarge(name, opened.size);
    const bytes = await readCapped(chunksOf(handle), name);
    return bytes.ok ? ok({ name, bytes: bytes.value }) : bytes;
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    return fail("FILE_NOT_READABLE", { path, reason: code });
  } finally {
    await handle?.close();
  }
}

const CHUNK_BYTES = 64 * 1024;

/** The file's bytes from where the handle stands, chunk by chunk (a file may grow while it is read). */
async function* chunksOf(handle: FileHandle): AsyncGenerator<Uint8Array> {
  for (;;) {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(CHUNK_BYTES), 0, CHUNK_BYTES, null);
    if (bytesRead === 0) return;
    yield buffer.subarray(0, bytesRead);
  }
}
