import { LIMITS } from "../../src/announcement/content.ts";
import { fail, ok, type Result } from "../../src/errors.ts";

/**
 * The most bytes any intake reads: above the largest file an outlet takes, so the outlet's own
 * check names the real limit, and low enough that an endless source cannot fill the memory.
 */
export const MAX_INTAKE_BYTES = LIMITS.videoBytes + 4 * 1024 * 1024;

/** How long a download from a chat may take, body included. */
export const DOWNLOAD_TIMEOUT_MS = 30_000;

const mb = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(2);

/** A file whose size is known (from the file system, a header or the chat's own record) and too large. */
export const tooLarge = (name: string, bytes: number): Result<never> =>
  fail("MEDIA_TOO_LARGE", { name, mb: mb(bytes), maxMb: mb(LIMITS.videoBytes) });

/** A file cut off at the cap while reading: its real size is unknown, only that it is larger. */
const overCap = (name: string, cap: number): Result<never> =>
  fail("MEDIA_TOO_LARGE", { name, moreThanMb: mb(cap), maxMb: mb(LIMITS.videoBytes) });

/**
 * Collects a stream of chunks up to `cap` bytes. Once more arrives it stops reading (leaving the
 * loop closes the source) and refuses, so it never holds more than `cap` plus one chunk.
 */
export async function readCapped(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
  cap = MAX_INTAKE_BYTES,
): Promise<Result<Uint8Array>> {
  const kept: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > cap) return overCap(name, cap);
    kept.push(chunk);
  }
  return ok(Buffer.concat(kept));
}

export interface CappedDownload {
  /** The file's name, for the messages. */
  name: string;
  headers: Record<string, string>;
  redirect?: "follow" | "manual";
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** False for an answer that is not the file itself, e.g. a login page. */
  isFile?: (response: Response) => boolean;
}

/**
 * GETs a file from a chat's server with a deadline for the whole transfer: refused from its
 * Content-Length when that says too large, and cut at the cap while streaming when the header is
 * missing or lies. Anything but a 200 with the file is a failed download.
 */
export async function downloadCapped(url: URL, o: CappedDownload): Promise<Result<Uint8Array>> {
  const failed = fail("MEDIA_DOWNLOAD_FAILED", { name: o.name });
  try {
    const response = await (o.fetch ?? fetch)(url, {
      headers: o.headers,
      redirect: o.redirect ?? "follow",
      signal: AbortSignal.timeout(o.timeoutMs ?? DOWNLOAD_TIMEOUT_MS),
    });
    if (response.status !== 200 || !(o.isFile?.(response) ?? true)) {
      await response.body?.cancel();
      return failed;
    }
    const declared = Number(response.headers.get("content-length") ?? 0);
    if (declared > MAX_INTAKE_BYTES) {
      await response.body?.cancel();
      return tooLarge(o.name, declared);
    }
    return response.body ? await readCapped(response.body, o.name) : failed;
  } catch {
    return failed;
  }
}
