import { fail, ok, type Result } from "../../src/errors.ts";
import { downloadCapped, MAX_INTAKE_BYTES, tooLarge } from "../media/capped-read.ts";
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

/**
 * Downloads a Slack file with the bot token, from Slack's file hosts only, without following
 * redirects, refusing the HTML login page Slack answers with for a bad token, and capping the size
 * (from Slack's record of the file, its Content-Length, and while streaming).
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
  if ((file.size ?? 0) > MAX_INTAKE_BYTES) return tooLarge(file.name, file.size ?? 0);
  const bytes = await downloadCapped(url, {
    name: file.name,
    headers: { authorization: `Bearer ${options.token}` },
    redirect: "manual",
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    isFile: (response) => !(response.headers.get("content-type") ?? "").startsWith("text/html"),
  });
  return bytes.ok ? ok({ name: file.name, bytes: bytes.value }) : bytes;
}
