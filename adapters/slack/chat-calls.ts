import type { KnownBlock } from "@slack/types";
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from "@slack/web-api";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

export interface PostMessage {
  channel: string;
  text: string;
  blocks?: KnownBlock[];
  thread_ts?: string;
  unfurl_links?: boolean;
  unfurl_media?: boolean;
}

/** The Slack methods the poster uses; a `WebClient` has them too. */
export interface ChatApi {
  chat: {
    postMessage(args: PostMessage): Promise<{ ts?: string }>;
    update(args: { channel: string; ts: string; text: string; blocks?: KnownBlock[] }): Promise<unknown>;
    postEphemeral(args: {
      channel: string;
      user: string;
      text: string;
      blocks?: KnownBlock[];
      thread_ts?: string;
    }): Promise<unknown>;
  };
}

export interface ChatCallsOptions {
  /** `SLACK_API_URL`, ending in `/`. */
  apiUrl: string;
  token: string;
  timeoutMs: number;
}

/**
 * The Slack calls every draft makes — the approval card (`chat.postMessage`), card updates, ephemeral answers
 * and the answer on a command's `response_url` — as plain JSON POSTs through Node's keep-alive agents.
 * `@slack/web-api`'s WebClient spends about 0.2 ms more CPU on each call (a request queue, a retry wrapper
 * that runs with no retries, fetch, and debug strings built whether or not they are logged), and these calls
 * are most of what a draft asks of Slack. Like WebClient with `retries: 0` and `rejectRateLimitedCalls`, nothing
 * is retried here, and failures are the SDK's own errors: 429 → WebAPIRateLimitedError, another non-200 →
 * WebAPIHTTPError, `ok: false` → WebAPIPlatformError, no answer → WebAPIRequestError.
 */
export class ChatCalls implements ChatApi {
  readonly #o: ChatCallsOptions;

  constructor(options: ChatCallsOptions) {
    this.#o = options;
  }

  readonly chat: ChatApi["chat"] = {
    postMessage: (args) => this.call("chat.postMessage", args) as Promise<{ ts?: string }>,
    update: (args) => this.call("chat.update", args),
    postEphemeral: (args) => this.call("chat.postEphemeral", args),
  };

  /** One Web API method with a JSON body; resolves to Slack's answer when it says `ok`. */
  async call(method: string, args: object): Promise<Record<string, unknown>> {
    const { status, headers, body } = await this.#post(`${this.#o.apiUrl}${method}`, args, {
      authorization: `Bearer ${this.#o.token}`,
    });
    if (status === 429) {
      const retryAfter = Number.parseInt(String(headers["retry-after"] ?? ""), 10);
      if (Number.isFinite(retryAfter)) throw new WebAPIRateLimitedError(retryAfter);
    }
    if (status !== 200) throw new WebAPIHTTPError(status, "", flatHeaders(headers), body);
    let result: unknown;
    try {
      result = JSON.parse(body);
    } catch {
      result = { ok: false, error: body };
    }
    const answer = (typeof result === "object" && result !== null ? result : { ok: false }) as Record<
      string,
      unknown
    > & { ok?: unknown; error?: string };
    if (answer.ok !== true) throw new WebAPIPlatformError({ ...answer, ok: false, error: answer.error ?? "" });
    return answer;
  }

  /** The answer to a command or action on its `response_url` (valid 30 minutes, five times). */
  async respond(responseUrl: string, message: object): Promise<void> {
    const { status, headers, body } = await this.#post(responseUrl, message, {});
    if (status < 200 || status > 299) throw new WebAPIHTTPError(status, "", flatHeaders(headers), body);
  }

  #post(
    url: string,
    payload: object,
    extraHeaders: Record<string, string>,
  ): Promise<{ status: number; headers: IncomingMessage["headers"]; body: string }> {
    const target = new URL(url);
    const json = JSON.stringify(payload);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        target,
        {
          method: "POST",
          timeout: this.#o.timeoutMs,
          headers: {
            "content-type": "application/json; charset=utf-8",
            "content-length": Buffer.byteLength(json),
            accept: "application/json",
            ...extraHeaders,
          },
        },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          res.on("error", (error) => reject(new WebAPIRequestError(error)));
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer from ${target.host} within ${this.#o.timeoutMs} ms`)));
      req.on("error", (error) => reject(new WebAPIRequestError(error)));
      req.end(json);
    });
  }
}

const flatHeaders = (headers: IncomingMessage["headers"]): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]));
