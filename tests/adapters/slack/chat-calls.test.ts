import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from "@slack/web-api";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ChatCalls } from "../../../adapters/slack/chat-calls.ts";

const TOKEN = "xoxb-test-token";
const servers: Server[] = [];
const heard: {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage["headers"];
  body: string;
}[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  heard.length = 0;
});

/** A loopback server that records each request and answers with `reply`; its base URL. */
async function serve(reply: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      heard.push({ method: req.method, url: req.url, headers: req.headers, body });
      reply(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: ServerResponse) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };

const callsTo = (base: string, timeoutMs = 15_000) =>
  new ChatCalls({ apiUrl: `${base}/api/`, token: TOKEN, timeoutMs });

describe("ChatCalls: the Slack calls on a draft's path", () => {
  it("posts the method's arguments as JSON with the bot token and resolves to Slack's answer", async () => {
    const base = await serve(json(200, { ok: true, channel: "C0APPROVALS", ts: "1700000000.000100" }));
    const blocks = [{ type: "section" as const, text: { type: "mrkdwn" as const, text: "*A-0001* Straße" } }];
    const answer = await callsTo(base).chat.postMessage({ channel: "C0APPROVALS", text: "A-0001", blocks });
    expect(answer.ts).toBe("1700000000.000100");
    expect(heard).toHaveLength(1);
    expect(heard[0]?.method).toBe("POST");
    expect(heard[0]?.url).toBe("/api/chat.postMessage");
    expect(heard[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(heard[0]?.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(heard[0]?.body ?? "")).toEqual({ channel: "C0APPROVALS", text: "A-0001", blocks });
  });

  it("names update and postEphemeral by their Web API methods", async () => {
    const base = await serve(json(200, { ok: true }));
    const calls = callsTo(base);
    await calls.chat.update({ channel: "C1", ts: "1.2", text: "neu" });
    await calls.chat.postEphemeral({ channel: "C1", user: "U0ANNA", text: "nur für dich" });
    expect(heard.map((h) => h.url)).toEqual(["/api/chat.update", "/api/chat.postEphemeral"]);
  });

  it("turns a 429 into WebAPIRateLimitedError with Slack's Retry-After, and never retries by itself", async () => {
    const base = await serve(json(429, { ok: false, error: "ratelimited" }, { "retry-after": "7" }));
    const failure = await callsTo(base)
      .chat.postMessage({ channel: "C1", text: "x" })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WebAPIRateLimitedError);
    expect((failure as WebAPIRateLimitedError).retryAfter).toBe(7);
    expect(heard).toHaveLength(1);
  });

  it("turns a 429 without a usable Retry-After, and a proxy's 502, into WebAPIHTTPError", async () => {
    for (const [status, headers] of [
      [429, {}],
      [502, { "retry-after": "soon" }],
    ] as const) {
      const base = await serve(json(status, "<html>Bad Gateway</html>", headers));
      const failure = await callsTo(base)
        .chat.postMessage({ channel: "C1", text: "x" })
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(WebAPIHTTPError);
      expect((failure as WebAPIHTTPError).statusCode).toBe(status);
    }
  });

  it("turns `ok: false` and an answer that is not JSON into WebAPIPlatformError with Slack's code", async () => {
    const refused = await serve(json(200, { ok: false, error: "not_in_channel" }));
    const failure = await callsTo(refused)
      .chat.postMessage({ channel: "C1", text: "x" })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WebAPIPlatformError);
    expect((failure as WebAPIPlatformError).data.error).toBe("not_in_channel");

    const garbled = await serve(json(200, "<html>login</html>"));
    await expect(callsTo(garbled).chat.postMessage({ channel: "C1", text: "x" })).rejects.toBeInstanceOf(
      WebAPIPlatformError,
    );
  });

  it("turns a refused connection and a server that never answers into WebAPIRequestError", async () => {
    const base = await serve(json(200, { ok: true }));
    const port = new URL(base).port;
    for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(
      callsTo(`http://127.0.0.1:${port}`).chat.postMessage({ channel: "C1", text: "x" }),
    ).rejects.toBeInstanceOf(WebAPIRequestError);

    const silent = await serve(() => undefined);
    await expect(callsTo(silent, 50).chat.postMessage({ channel: "C1", text: "x" })).rejects.toBeInstanceOf(
      WebAPIRequestError,
    );
  });

  it("answers on a response_url with JSON and no token, and reports a refused answer", async () => {
    const hooks = await serve(json(200, { ok: true }));
    await callsTo("http://127.0.0.1:1").respond(`${hooks}/hooks/commands/T1/1/abc`, {
      response_type: "ephemeral",
      text: "A-0001 ist angelegt",
    });
    expect(heard[0]?.url).toBe("/hooks/commands/T1/1/abc");
    expect(heard[0]?.headers.authorization).toBeUndefined();
    expect(JSON.parse(heard[0]?.body ?? "")).toEqual({ response_type: "ephemeral", text: "A-0001 ist angelegt" });

    const expired = await serve(json(404, "expired_url"));
    await expect(
      callsTo("http://127.0.0.1:1").respond(`${expired}/hooks/x`, { text: "zu spät" }),
    ).rejects.toBeInstanceOf(WebAPIHTTPError);
  });
});
