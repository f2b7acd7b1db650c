import type { OutletErrorCode, OutletHealth, PublishOutcome } from "../../src/ports/outlet.ts";

/** What came back from one HTTP call to an outlet (a gateway, Mastodon, Telegram), before any meaning is given to it. */
export type Exchange =
  | { kind: "response"; status: number; body: unknown; headers: Headers }
  /** The request never reached the outlet (refused, no such host): nothing was sent. */
  | { kind: "not_sent"; reason: string }
  /** The request may have reached it (timeout, reset): the outcome is unknown. */
  | { kind: "unknown"; reason: string };

const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_INVALID_URL",
]);

function causeCode(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

export interface GatewayRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  headers: Record<string, string>;
  json?: unknown;
  /** A multipart body (file uploads); fetch sets its content type. */
  form?: FormData;
  /** A body built by the caller, e.g. multipart where line breaks must stay as they are. */
  raw?: { contentType: string; bytes: Uint8Array };
  timeoutMs: number;
}

/** One HTTP exchange with a time limit; a body that is not JSON comes back as its text ("" when empty). */
export async function exchange(request: GatewayRequest): Promise<Exchange> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: {
        accept: "application/json",
        ...(request.json === undefined ? {} : { "content-type": "application/json" }),
        ...(request.raw === undefined ? {} : { "content-type": request.raw.contentType }),
        ...request.headers,
      },
      ...(request.json === undefined ? {} : { body: JSON.stringify(request.json) }),
      ...(request.form === undefined ? {} : { body: request.form }),
      ...(request.raw === undefined ? {} : { body: request.raw.bytes }),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    const code = causeCode(error);
    if (code && NOT_SENT_CODES.has(code)) return { kind: "not_sent", reason: `${code}` };
    const name = error instanceof Error ? error.name : "";
    if (name === "TimeoutError" || name === "AbortError") {
      return { kind: "unknown", reason: `no answer within ${request.timeoutMs} ms` };
    }
    return { kind: "unknown", reason: code ?? (error instanceof Error ? error.message : String(error)) };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return { kind: "unknown", reason: `answer cut off: ${error instanceof Error ? error.message : String(error)}` };
  }
  let body: unknown = text;
  if (text.trim()) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { kind: "response", status: response.status, body, headers: response.headers };
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export const failure = (
  code: OutletErrorCode,
  reason: string,
  retryable: boolean,
  retryAfter?: number,
): PublishOutcome => ({
  state: "failed",
  code,
  reason,
  retryable,
  ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
});

/**
 * The meaning of an answer that is not a success, common to both gateways:
 * a refused connection sent nothing; a timeout or a 5xx may have sent the post.
 */
export function classifyFailure(gateway: string, ex: Exchange): PublishOutcome {
  if (ex.kind === "not_sent")
    return failure("unreachable", `${gateway} not reachable (${ex.reason}); nothing was sent`, true);
  if (ex.kind === "unknown") return { state: "unknown", reason: `${gateway}: ${ex.reason}` };
  const { status } = ex;
  if (status === 401 || status === 403) {
    return failure("unauthorized", `${gateway} refused the credentials (${status}); check the API key or token`, false);
  }
  if (status === 404) return failure("not_found", `${gateway} does not know the session, channel or post (404)`, false);
  if (status === 429)
    return failure("rate_limited", `${gateway} asks to slow down (429)`, true, retryAfterMs(ex.headers));
  if (status >= 500) return { state: "unknown", reason: `${gateway} answered ${status}; the post may have gone out` };
  return failure("bad_request", `${gateway} rejected the request (${status})`, false);
}

/** Same text, ignoring white-space differences the gateway may introduce. */
export const sameText = (a: string, b: string): boolean =>
  a.replace(/\s+/g, " ").trim() === b.replace(/\s+/g, " ").trim();

/** The gateway cannot be reached at all. */
export const unreachable = (reason: string): OutletHealth => ({ state: "down", reason, problem: "unreachable" });

/** The gateway answered a health check with an error: a refused key, or something unexpected. */
export function refused(gateway: string, ex: Exchange & { kind: "response" }): OutletHealth {
  const outcome = classifyFailure(gateway, ex);
  const reason = outcome.state === "failed" ? outcome.reason : `${gateway} answered ${ex.status}`;
  const problem = outcome.state === "failed" && outcome.code === "unauthorized" ? "unauthorized" : "unexpected";
  return { state: "down", reason, problem };
}
