import { WebAPIPlatformError, WebAPIRateLimitedError, type WebClient } from "@slack/web-api";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { escapeSlack } from "../../../adapters/markup/slack.ts";
import { cardBlocks, composeView, handoffBlocks, parseCardValue } from "../../../adapters/slack/blocks.ts";
import { composeCommand, quoteWord } from "../../../adapters/slack/compose.ts";
import { MAX_INTAKE_BYTES } from "../../../adapters/media/capped-read.ts";
import { downloadSlackFile } from "../../../adapters/slack/files.ts";
import {
  EventEnvelopeSchema,
  ReactionEventSchema,
  SlashCommandSchema,
  type ViewSubmission,
} from "../../../adapters/slack/payloads.ts";
import { SlackPoster } from "../../../adapters/slack/poster.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import { aWorld } from "../../fakes/world.ts";
import { testPolicy } from "../../fakes/fixtures.ts";

const view = (values: Record<string, unknown>): ViewSubmission["view"] => ({
  callback_id: "amtsbote_compose",
  private_metadata: "",
  state: { values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { [k]: v }])) },
});
const NOW = new Date("2026-11-30T09:00:00Z");
const compose = (values: Record<string, unknown>) => composeCommand(view(values), NOW, "Europe/Berlin", "en");

describe("compose form → command", () => {
  it("keeps the text literal and turns the rest into flags", () => {
    const result = compose({
      text: { type: "plain_text_input", value: "Umleitung --urgent über <Bergstraße>" },
      category: { type: "static_select", selected_option: { value: "baustelle" } },
      date: { type: "datepicker", selected_date: "2026-12-01" },
      time: { type: "timepicker", selected_time: "08:00" },
      flags: { type: "checkboxes", selected_options: [{ value: "urgent" }] },
    });
    expect(result).toEqual({
      ok: true,
      value: {
        text: '--category baustelle --at "2026-12-01 08:00" --urgent',
        body: "Umleitung --urgent über <Bergstraße>",
      },
    });
  });

  it("turns ticked outlets into --to, and offers only the outlets set up", () => {
    const result = compose({
      text: { value: "Sperrung" },
      outlets: { type: "checkboxes", selected_options: [{ value: "mastodon" }, { value: "telegram" }] },
    });
    expect(result).toEqual({ ok: true, value: { text: "--to mastodon,telegram", body: "Sperrung" } });
    const form = JSON.stringify(composeView(testPolicy(), "de", { channel: "C1" }, "", ["whatsapp", "mastodon"]));
    expect(form).toContain('"block_id":"outlets"');
    expect(form).toContain('"value":"mastodon"');
    expect(form).not.toContain('"value":"telegram"');
    expect(JSON.stringify(composeView(testPolicy(), "de", { channel: "C1" }, "", ["whatsapp"]))).not.toContain(
      '"block_id":"outlets"',
    );
  });

  it("builds a poll with quoted options and refuses a poll with a picture", () => {
    const poll = compose({
      poll_question: { value: 'Welcher "Termin"?' },
      poll_options: { value: "Dienstag\n\n Donnerstag „spät“ \n" },
      flags: { selected_options: [{ value: "multiple" }] },
    });
    expect(poll).toEqual({
      ok: true,
      value: { text: 'poll „Welcher "Termin"?“ "Dienstag" "Donnerstag „spät“" --multiple' },
    });
    const withPicture = compose({
      poll_question: { value: "Frage?" },
      poll_options: { value: "a\nb" },
      media: { files: [{ id: "F1", name: "a.jpg", mimetype: "image/jpeg" }] },
    });
    expect(withPicture).toMatchObject({ ok: false, errors: { media: expect.stringContaining("poll") } });
  });

  it("a picture needs a description, or the author ticks that it goes out without one on purpose", () => {
    const media = { files: [{ id: "F1", name: "a.jpg", mimetype: "image/jpeg" }] };
    expect(compose({ text: { value: "Baustelle" }, media })).toMatchObject({
      ok: false,
      errors: { alt: expect.stringContaining("without a description") },
    });
    expect(compose({ text: { value: "Baustelle" }, media, alt: { value: "Bagger" } })).toMatchObject({
      ok: true,
      value: { altText: "Bagger", text: "" },
    });
    expect(
      compose({ text: { value: "Baustelle" }, media, flags: { selected_options: [{ value: "no_description" }] } }),
    ).toMatchObject({ ok: true, value: { text: "--no-description" } });
  });

  it("names each field that is wrong, without the store", () => {
    expect(compose({})).toMatchObject({ ok: false, errors: { text: expect.any(String) } });
    expect(compose({ poll_question: { value: "Q" }, poll_options: { value: "only one" } })).toMatchObject({
      ok: false,
      errors: { poll_options: expect.stringContaining("2 to 12") },
    });
    expect(compose({ text: { value: "x" }, date: { selected_date: "2026-12-01" } })).toMatchObject({
      ok: false,
      errors: { time: expect.any(String) },
    });
    expect(
      compose({ text: { value: "x" }, date: { selected_date: "2026-11-30" }, time: { selected_time: "09:00" } }),
    ).toMatchObject({ ok: false, errors: { time: "That moment has passed." } });
    expect(compose({ text: { value: "x" }, template: { selected_option: { value: "sperrung" } } })).toMatchObject({
      ok: false,
      errors: { template: expect.any(String) },
    });
  });

  it("quotes with a pair the value does not contain", () => {
    expect(quoteWord("a")).toBe('"a"');
    expect(quoteWord('say "hi"')).toBe('„say "hi"“');
    expect(quoteWord(`"“»'`)).toBeUndefined();
  });
});

describe("approval card", () => {
  it("shows the post as WhatsApp will, escaped for Slack, with buttons bound to the version", async () => {
    const w = aWorld();
    const drafted = await w.service.draft("anna", {
      content: { text: "Sperrung *Hauptstraße* <heute> & morgen", media: [] },
      category: "baustelle",
      urgent: false,
      handoff: false,
      breakGlass: false,
      origin: { platform: "slack", room: "C0PRESS" },
    });
    if (!drafted.ok) throw new Error(drafted.error.code);
    const { text, blocks } = cardBlocks(w.policy, drafted.value, "de");
    expect(text).toContain("A-0001");
    const json = JSON.stringify(blocks);
    expect(json).toContain(">Sperrung *Hauptstraße* &lt;heute&gt; &amp; morgen");
    expect(json).not.toContain("<heute>");
    const actions = blocks.find((b) => b.type === "actions") as { elements: { action_id: string; value: string }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual([
      "amtsbote_approve",
      "amtsbote_reject",
      "amtsbote_edit",
      "amtsbote_withdraw",
    ]);
    expect(parseCardValue(actions.elements[0]?.value)).toEqual({ id: "A-0001", version: 1 });
    expect(parseCardValue("A-1:x")).toBeUndefined();
    expect(escapeSlack("a<b>&c")).toBe("a&lt;b&gt;&amp;c");
  });

  it("a hand-off's button names its outlet, so 'posted' confirms that one where several wait", () => {
    const press = handoffBlocks("Text", "A-0003", 2, "de", "press");
    const button = (press.at(-1) as { elements: { value: string; text: { text: string } }[] }).elements[0];
    expect(button?.text.text).toBe("📲 Gepostet: Presseverteiler");
    expect(parseCardValue(button?.value)).toEqual({ id: "A-0003", version: 2, outlet: "press" });
    const whatsapp = handoffBlocks("Text", "A-0003", 2, "en", "whatsapp-manual");
    const plain = (whatsapp.at(-1) as { elements: { value: string; text: { text: string } }[] }).elements[0];
    expect(plain?.text.text).toBe("📲 Posted on WhatsApp");
    expect(parseCardValue(plain?.value)).toEqual({ id: "A-0003", version: 2, outlet: "whatsapp" });
  });
});

describe("Slack file download", () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    return new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  async function serve(handler: (auth: string | undefined) => { status: number; type: string; body: string }) {
    server = createServer((req, res) => {
      const reply = handler(req.headers.authorization);
      res.writeHead(reply.status, { "content-type": reply.type });
      res.end(reply.body);
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    return `127.0.0.1:${(server?.address() as AddressInfo).port}`;
  }

  it("sends the token only to Slack's hosts (or the configured API host) and refuses the HTML login page", async () => {
    const host = await serve((auth) =>
      auth === "Bearer xoxb-right"
        ? { status: 200, type: "image/png", body: "PNGDATA" }
        : { status: 200, type: "text/html", body: "<html>login</html>" },
    );
    const file = {
      id: "F1",
      name: "a.png",
      mimetype: "image/png",
      url_private_download: `http://${host}/files/F1/a.png`,
    };
    expect(await downloadSlackFile(file, { token: "xoxb-right" })).toMatchObject({
      ok: false,
      error: { code: "MEDIA_DOWNLOAD_FAILED" },
    });
    const ok = await downloadSlackFile(file, { token: "xoxb-right", extraHosts: [host] });
    expect(ok.ok && Buffer.from(ok.value.bytes).toString()).toBe("PNGDATA");
    expect(await downloadSlackFile(file, { token: "xoxb-wrong", extraHosts: [host] })).toMatchObject({ ok: false });
    expect(
      await downloadSlackFile({ ...file, size: 40 * 1024 * 1024 }, { token: "xoxb-right", extraHosts: [host] }),
    ).toMatchObject({ ok: false, error: { code: "MEDIA_TOO_LARGE" } });
  });

  it("cuts an endless download at the cap, whether Slack's record of the size is missing or lies", async () => {
    let served = 0;
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "image/png" });
      const chunk = Buffer.alloc(64 * 1024, 1);
      const closed = new Promise((resolve) => res.once("close", resolve));
      void (async () => {
        while (!res.destroyed) {
          served += chunk.length;
          if (!res.write(chunk)) await Promise.race([new Promise((resolve) => res.once("drain", resolve)), closed]);
        }
      })();
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const file = { id: "F2", name: "endlos.png", mimetype: "image/png", url_private: `http://${host}/files/F2` };
    for (const size of [undefined, 1000]) {
      const download = await downloadSlackFile(size === undefined ? file : { ...file, size }, {
        token: "xoxb-right",
        extraHosts: [host],
      });
      expect(download).toMatchObject({
        ok: false,
        error: { code: "MEDIA_TOO_LARGE", params: { name: "endlos.png", moreThanMb: "20.00", maxMb: "16.00" } },
      });
    }
    // Two downloads, each bounded by what was read plus the sockets' buffers: the bot let go at the cap.
    expect(served).toBeLessThan(2 * (2 * MAX_INTAKE_BYTES));
  });
});

describe("channel poster", () => {
  function scriptedClient(script: (() => unknown)[]) {
    const calls: string[] = [];
    const call = (method: string) => async (args: { text?: string }) => {
      calls.push(`${method}:${args.text ?? ""}`);
      const next = script.shift();
      const result = next ? next() : { ok: true, ts: String(calls.length) };
      if (result instanceof Error) throw result;
      return result;
    };
    const client = {
      chat: { postMessage: call("post"), update: call("update"), postEphemeral: call("ephemeral") },
    } as unknown as WebClient;
    return { client, calls };
  }

  it("waits out a 429 as Slack asks and posts again; keeps the order per channel", async () => {
    const slept: number[] = [];
    const { client, calls } = scriptedClient([() => new WebAPIRateLimitedError(2)]);
    const poster = new SlackPoster({ client, gapMs: 0, log: silentLogger, sleep: async (ms) => void slept.push(ms) });
    await Promise.all([poster.post({ channel: "C1", text: "one" }), poster.post({ channel: "C1", text: "two" })]);
    expect(calls).toEqual(["post:one", "post:one", "post:two"]);
    expect(slept).toEqual([2000]);
  });

  it("never repeats a post whose outcome is unclear, and keeps the gap between posts", async () => {
    const slept: number[] = [];
    const { client, calls } = scriptedClient([
      () => new Error("socket hang up"),
      () => new WebAPIPlatformError({ ok: false, error: "not_in_channel" }),
    ]);
    const poster = new SlackPoster({
      client,
      gapMs: 60_000,
      log: silentLogger,
      sleep: async (ms) => void slept.push(ms),
    });
    await expect(poster.post({ channel: "C1", text: "a" })).rejects.toThrow("socket hang up");
    await expect(poster.post({ channel: "C1", text: "b" })).rejects.toThrow(WebAPIPlatformError);
    expect(calls).toEqual(["post:a", "post:b"]);
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThan(50_000);
  });
});

describe("payload mapping, from the shapes in slack.md", () => {
  it("reads the slash command of §2 and refuses a user id that is not one", () => {
    const command = {
      command: "/announce",
      text: "Hauptstraße ab Montag gesperrt --category baustelle",
      user_id: "U0CLERK01",
      user_name: "clerk.meier",
      channel_id: "C0PRESSDESK",
      channel_name: "press-desk",
      team_id: "T0TOWNHALL",
      team_domain: "townhall",
      api_app_id: "A0AMTSBOTE",
      is_enterprise_install: "false",
      response_url: "https://hooks.slack.com/commands/T0TOWNHALL/1234567890/abcDEF123",
      trigger_id: "1234567890.1234567890.0123456789abcdef0123456789abcdef",
      token: "deprecated",
    };
    expect(SlashCommandSchema.parse(command)).toMatchObject({ user_id: "U0CLERK01", channel_id: "C0PRESSDESK" });
    expect(SlashCommandSchema.safeParse({ ...command, user_id: "W0ORGUSER1" }).success).toBe(true);
    expect(SlashCommandSchema.safeParse({ ...command, user_id: "clerk.meier" }).success).toBe(false);
  });

  it("reads the reaction event of §4, with and without item_user", () => {
    const body = {
      type: "event_callback",
      event_id: "Ev0REACT0001",
      event_time: 1760000123,
      team_id: "T0TOWNHALL",
      api_app_id: "A0AMTSBOTE",
      authorizations: [{ team_id: "T0TOWNHALL", user_id: "U0BOTUSER", is_bot: true, is_enterprise_install: false }],
      event: {
        type: "reaction_added",
        user: "U0DEPTHEAD",
        reaction: "white_check_mark",
        item_user: "U0BOTUSER",
        item: { type: "message", channel: "C0APPROVALS", ts: "1760000000.000100" },
        event_ts: "1760000123.000200",
      },
    };
    expect(EventEnvelopeSchema.parse(body).event_id).toBe("Ev0REACT0001");
    expect(ReactionEventSchema.parse(body.event)).toMatchObject({
      user: "U0DEPTHEAD",
      item: { channel: "C0APPROVALS", ts: "1760000000.000100" },
    });
    const fromWebhook: Record<string, unknown> = { ...body.event };
    delete fromWebhook.item_user;
    expect(ReactionEventSchema.safeParse(fromWebhook).success).toBe(true);
  });
});
