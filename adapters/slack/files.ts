import { fail, ok, type Result } from "../../src/errors.ts";
import { LIMITS } from "../../src/announcement/content.ts";
import type { SlackFile } from "./payloads.ts";

/** Slack's own file hosts; the bot token is sent nowhere else (slack.md §11). */
export const SLACK_FILE_HOSTS = ["files.slack.com", "slack-files.com"];

export interface DownloadOptions {
  token: string;
  /** Hosts allowed besides Slack's own, e.g. the host of `SLACK_API_URL` when that points at a proxy. */
  extraHosts?: readonly string[];
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Above the largest file an outlet takes, so the outlet's own check names the real limit. */
const MAX_BYTES = LIMITS.videoBytes + 4 * 1024 * 1024;

const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
const tooLarge = (name: string, bytes: number) =>
  fail("MEDIA_TOO_LARGE", { name, mb: mb(bytes), maxMb: mb(LIMITS.videoBytes) });

/**
 * Downloads a Slack file with the bot token, from Slack's file hosts only, without following
 * redirects, refusing the HTML login page Slack answers with for a bad token, and capping the size.
 */
export async function downloadSlackFile(
  file: SlackFile,
  options: DownloadOptions,
): Promise<Result<{ name: string; bytes: Uint8Array }>> {
  const refused = fail("MEDIA_DOWNLOAD_FAILED", { name: file.name });
  const raw = file.url_private_download ?? file.url_private;
  if (!raw) return refused;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refused;
  }
  const hosts = [...SLACK_FILE_HOSTS, ...(options.extraHosts ?? [])];
  if (!hosts.includes(url.host) && !hosts.includes(url.hostname)) return refused;
  if (url.protocol !== "https:" && !(options.extraHosts ?? []).includes(url.host)) return refused;
  if ((file.size ?? 0) > MAX_BYTES) return tooLarge(file.name, file.size ?? 0);
  try {
    const response = await (options.fetch ?? fetch)(url, {
      headers: { authorization: `Bearer ${options.token}` },
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const type = response.headers.get("content-type") ?? "";
    if (response.status !== 200 || type.startsWith("text/html")) {
      await response.body?.cancel();
      return refused;
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of response.body ?? []) {
      total += (chunk as Uint8Array).byteLength;
      if (total > MAX_BYTES) return tooLarge(file.name, total);
      chunks.push(chunk as Uint8Array);
    }
    return ok({ name: file.name, bytes: Buffer.concat(chunks) });
  } catch {
    return refused;
  }
}
