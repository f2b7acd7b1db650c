import { fail, ok, type Result } from "../../src/errors.ts";
import { downloadCapped, MAX_INTAKE_BYTES, tooLarge } from "../media/capped-read.ts";

export interface MatrixMediaOptions {
  homeserverUrl: string;
  accessToken: string;
  /** The size the event's `info.size` claims; a claim over the cap is refused without a request. */
  declaredSize?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** `mxc://<server-name>/<media-id>` (spec: media ids are `[A-Za-z0-9_-]+`). */
const MXC = /^mxc:\/\/([A-Za-z0-9.:[\]-]+)\/([A-Za-z0-9_-]+)$/;

/**
 * Downloads a picture or video sent in Matrix from the authenticated media endpoint
 * (matrix.md §5), streamed and cut at the intake cap; the SDK's `downloadContent` would hold
 * whatever the server sends. Redirects to a CDN are followed; fetch drops the token on the way.
 */
export async function downloadMatrixMedia(
  mxc: string,
  name: string,
  o: MatrixMediaOptions,
): Promise<Result<{ name: string; bytes: Uint8Array }>> {
  if ((o.declaredSize ?? 0) > MAX_INTAKE_BYTES) return tooLarge(name, o.declaredSize ?? 0);
  const parts = MXC.exec(mxc);
  if (!parts?.[1] || !parts[2]) return fail("MEDIA_DOWNLOAD_FAILED", { name });
  const base = o.homeserverUrl.replace(/\/+$/, "");
  const url = new URL(`${base}/_matrix/client/v1/media/download/${encodeURIComponent(parts[1])}/${parts[2]}`);
  const bytes = await downloadCapped(url, {
    name,
    headers: { authorization: `Bearer ${o.accessToken}` },
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  return bytes.ok ? ok({ name, bytes: bytes.value }) : bytes;
}
