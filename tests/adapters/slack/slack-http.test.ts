import { createHmac } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../../fakes/fake-slack.ts";
import { PRESS_DESK, startSlackBot, U, type SlackBot } from "../../fakes/slack-bot.ts";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
let fake: FakeSlack;
let bot: SlackBot;
let url: string;

beforeAll(async () => {
  fake = await FakeSlack.start();
  bot = await startSlackBot(fake, { mode: "http", signingSecret: SECRET });
  const address = bot.app.address();
  url = `http://127.0.0.1:${address?.port}/slack/events`;
});

afterAll(async () => {
  await bot.stop();
  await fake.stop();
});

const sign = (body: string, ts = Math.floor(Date.now() / 1000), secret = SECRET) => ({
  "x-slack-request-timestamp": String(ts),
  "x-slack-signature": "v0=" + createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex"),
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

const command = (text: string) =>
  form({ ...fake.payloads.slashCommand({ text, user_id: U.anna, channel_id: PRESS_DESK }) } as Record<string, string>);

const post = (body: string, headers: Record<string, string>, type = "application/x-www-form-urlencoded") =>
  fetch(url, { method: "POST", body, headers: { "content-type": type, ...headers } });

describe("Slack in HTTP mode", () => {
  it("matches Slack's published signature example", () => {
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    expect(sign(body, 1531420618)["x-slack-signature"]).toBe(
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });

  it("answers 401 to a bad signature, a stale timestamp and missing headers, and stores nothing", async () => {
    const body = command("Darf nicht ankommen");
    const stale = Math.floor(Date.now() / 1000) - 301;
    const answers = await Promise.all([
      post(body, sign(body, undefined, "wrong-secret-0000")),
      post(body, sign(body, stale)),
      post(body, {}),
      post(body, { "x-slack-request-timestamp": String(Math.floor(Date.now() / 1000)) }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    await bot.settled();
    expect(await bot.store.openIds()).toEqual([]);
    expect(fake.responses).toEqual([]);
  });

  it("accepts a correctly signed command, acks at once and drafts", async () => {
    const body = command("Wochenmarkt fällt aus");
    const answer = await post(body, sign(body));
    expect(answer.status).toBe(200);
    await expect.poll(() => bot.store.openIds()).toEqual(["A-0001"]);
    await expect.poll(() => fake.responses.length).toBe(1);
    expect((fake.responses[0]?.body as { text: string }).text).toContain("A-0001");
  });

  it("echoes Slack's url_verification challenge", async () => {
    const body = JSON.stringify({ type: "url_verification", challenge: "c-123", token: "t" });
    const answer = await post(body, sign(body), "application/json");
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain("c-123");
  });
});

describe("Slack in HTTP mode with commands still being worked on", () => {
  /** One request on a connection of its own, as Slack opens new connections when it likes. */
  const postOnNewConnection = (port: number, body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/slack/events",
          method: "POST",
          agent: false,
          headers: { "content-type": "application/x-www-form-urlencoded", ...sign(body) },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  it("acks each command on its own new connection at once, works on two at a time, and drafts them all", async () => {
    const slack = await FakeSlack.start();
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached = 0;
    const busy = await startSlackBot(slack, {
      mode: "http",
      signingSecret: SECRET,
      beforeCommand: async () => {
        reached += 1;
        await held;
      },
    });
    try {
      const port = busy.app.address()?.port ?? 0;
      const texts = Array.from({ length: 6 }, (_, i) => `Sperrung Nummer ${i + 1}`);
      const bodies = texts.map((text) =>
        form({ ...slack.payloads.slashCommand({ text, user_id: U.anna, channel_id: PRESS_DESK }) } as Record<
          string,
          string
        >),
      );
      // Every ack arrives while no command's work has finished.
      expect(await Promise.all(bodies.map((body) => postOnNewConnection(port, body)))).toEqual([
        200, 200, 200, 200, 200, 200,
      ]);
      await expect.poll(() => reached).toBeGreaterThanOrEqual(2);
      for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(reached).toBe(2);
      expect(slack.responses).toEqual([]);
      release();
      await busy.settled();
      expect(reached).toBe(6);
      expect((await busy.store.openIds()).length).toBe(6);
      expect(slack.responses).toHaveLength(6);
    } finally {
      release();
      await busy.stop();
      await slack.stop();
    }
  });
});
