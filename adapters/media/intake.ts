import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { MediaItem } from "../../src/announcement/announcement.ts";
import { fail, ok, type Result } from "../../src/errors.ts";
import type { Store } from "../../src/ports/store.ts";
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

/** Reads a local file for the console; a missing or unreadable file is the person's error, not a crash. */
export async function readLocalFile(path: string): Promise<Result<{ name: string; bytes: Uint8Array }>> {
  try {
    return ok({ name: basename(path), bytes: new Uint8Array(await readFile(path)) });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    return fail("FILE_NOT_READABLE", { path, reason: code });
  }
}
