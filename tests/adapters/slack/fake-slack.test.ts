import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { App, LogLevel, type Logger } from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { FakeSlack } from "../../fakes/fake-slack.ts";

// Slack's published specs (slackapi/slack-api-specs, 2021, MIT; see tests/spec/slack/SOURCE.md), kept in the repo.
const SPEC_DIR = fileURLToPath(new URL("../../spec/slack", import.meta.url));
const WEB_SPEC = join(SPEC_DIR, "web-api/slack_web_openapi_v2.json");
const EVENTS_WRAPPER = join(SPEC_DIR, "events-api/slack_common_event_wrapper_schema.json");
const EVENTS_SPEC = join(SPEC_DIR, "events-api/slack_events_api_async_v1.json");

type Json = Record<string, unknown>;
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Json;

/**
 * The generator behind the Web API spec wrote alternatives as `items: [a, b]` on non-array schemas (`objs_user`,
 * `reactions.get`, `bot_id`, `tz`); JSON Schema ignores `items` there. This reading turns them into `anyOf`.
 */
function itemsAsAlternatives(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(itemsAsAlternatives);
  if (typeof node !== "object" || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = itemsAsAlternatives(value);
  if (Array.isArray(out.items) && out.type !== "array") {
    out.anyOf = out.items;
    delete out.items;
  }
  return out;
}

/** Validators for one method's answers, under the spec as written and with `items` read as alternatives. */
function validators(spec: Json) {
  // OpenAPI 2 schemas are draft-04 style; they use no keyword whose meaning differs in Ajv's draft-07 default.
  const make = (doc: unknown) => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(doc as Json, "web");
    return ajv;
  };
  const readings = [make(spec), make(itemsAsAlternatives(spec))];
  return (method: string, response: "200" | "default"): ValidateFunction[] => {
    const paths = spec.paths as Record<string, Record<string, unknown>>;
    const verb = Object.keys(paths[`/${method}`] ?? {})[0];
    if (!verb) throw new Error(`${method} is not in the spec`);
    const ref = `web#/paths/~1${method}/${verb}/responses/${response}/schema`;
    return readings.map((ajv) => ajv.compile({ $ref: ref }));
  };
}

function expectValid(validate: ValidateFunction[], body: unknown): void {
  for (const check of validate) {
    const ok = check(body);
    expect(ok ? [] : check.errors, JSON.stringify(body)).toEqual([]);
  }
}

/** Calls the fake as @slack/web-api does: form-encoded, nested values as JSON strings, token in the header. */
async function api(fake: FakeSlack, method: string, params: Json = {}, token: string | null = fake.botToken) {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    form.set(key, typeof value === "string" ? value : JSON.stringify(value));
  const response = await fetch(`${fake.apiUrl}${method}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: form.toString(),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

/**
 * The spec with `response_metadata` allowed on `conversations.history`: its own example answer carries
 * `response_metadata.next_cursor`, but its schema (`additionalProperties: false`) has no such property. The property
 * is taken as `conversations.list`'s schema defines it.
 */
function withHistoryPaging(spec: Json): Json {
  const copy = structuredClone(spec) as { paths: Record<string, Record<string, { responses: Record<string, Json> }>> };
  const schemaOf = (method: string) =>
    (Object.values(copy.paths[`/${method}`] ?? {})[0]?.responses["200"] as { schema: { properties: Json } }).schema;
  schemaOf("conversations.history").properties.response_metadata =
    schemaOf("conversations.list").properties.response_metadata;
  return copy as unknown as Json;
}

/** The error schema of `method` with its (2021) `error` enum lifted: for errors Slack gives today but the enum lacks. */
function errorShape(method: string): ValidateFunction {
  const spec = readJson(WEB_SPEC) as { paths: Record<string, Record<string, { responses: Json }>> };
  const operation = Object.values(spec.paths[`/${method}`] ?? {})[0];
  const shape = structuredClone((operation?.responses.default as { schema: Json }).schema) as {
    properties: { error: Json; ok: Json };
  };
  delete shape.properties.error.enum;
  shape.properties.ok = { enum: [false], type: "boolean" }; // defs_ok_false, inlined: compiled outside the doc
  return new Ajv({ strict: false, allErrors: true }).compile(shape);
}

const CARD = [{ type: "section", text: { type: "mrkdwn", text: "*A-0001* Hauptstraße gesperrt" } }];

describe("FakeSlack answers match slack_web_openapi_v2.json", () => {
  const schemaFor = validators(readJson(WEB_SPEC));
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await FakeSlack.start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  it("auth.test", async () => {
    const { body } = await api(fake, "auth.test");
    expect(body).toMatchObject({ ok: true, user_id: fake.botUserId, bot_id: fake.botId, team_id: fake.teamId });
    expectValid(schemaFor("auth.test", "200"), body);
  });

  it("chat.postMessage, with blocks, thread and metadata", async () => {
    const metadata = { event_type: "announcement", event_payload: { id: "A-0001" } };
    const { body } = await api(fake, "chat.postMessage", {
      channel: "C0APPROVALS",
      text: "A-0001",
      blocks: CARD,
      thread_ts: "1759999999.000100",
      metadata,
    });
    expect(body).toMatchObject({ ok: true, channel: "C0APPROVALS", ts: "1760000000.000100" });
    expectValid(schemaFor("chat.postMessage", "200"), body);
    expect(fake.calls.at(-1)?.params).toMatchObject({ blocks: CARD, metadata });
    expect(fake.message("C0APPROVALS", "1760000000.000100")).toMatchObject({
      text: "A-0001",
      blocks: CARD,
      thread_ts: "1759999999.000100",
      metadata,
    });
    const second = await api(fake, "chat.postMessage", { channel: "C0APPROVALS", text: "A-0002" });
    expect(second.body.ts).toBe("1760000000.000200");
  });

  it("chat.update, and message_not_found for an unknown ts", async () => {
    const posted = await api(fake, "chat.postMessage", { channel: "C0APPROVALS", text: "v1", blocks: CARD });
    const { body } = await api(fake, "chat.update", {
      channel: "C0APPROVALS",
      ts: posted.body.ts,
      text: "v2",
      blocks: [],
    });
    expect(body).toMatchObject({ ok: true, channel: "C0APPROVALS", ts: posted.body.ts, text: "v2" });
    expectValid(schemaFor("chat.update", "200"), body);
    expect(fake.message("C0APPROVALS", posted.body.ts as string)).toMatchObject({ text: "v2", blocks: [] });

    const missing = await api(fake, "chat.update", { channel: "C0APPROVALS", ts: "1111111111.000100", text: "x" });
    expect(missing.body).toEqual({ ok: false, error: "message_not_found" });
    expectValid(schemaFor("chat.update", "default"), missing.body);
  });

  it("chat.postEphemeral", async () => {
    const { body } = await api(fake, "chat.postEphemeral", { channel: "C0PRESSDESK", user: "U0CLERK01", text: "hi" });
    expectValid(schemaFor("chat.postEphemeral", "200"), body);
    expect(fake.ephemerals).toEqual([
      { channel: "C0PRESSDESK", user: "U0CLERK01", text: "hi", message_ts: body.message_ts },
    ]);
  });

  it("reactions.get returns the reaction set, also after reactions.add", async () => {
    const posted = await api(fake, "chat.postMessage", { channel: "C0APPROVALS", text: "card", blocks: CARD });
    const ts = posted.body.ts as string;
    fake.addReaction("C0APPROVALS", ts, "white_check_mark", "U0DEPTHEAD");
    fake.addReaction("C0APPROVALS", ts, "white_check_mark", "W0ORGUSER1");
    expect((await api(fake, "reactions.add", { channel: "C0APPROVALS", timestamp: ts, name: "eyes" })).body).toEqual({
      ok: true,
    });
    const { body } = await api(fake, "reactions.get", { channel: "C0APPROVALS", timestamp: ts, full: true });
    expect(body).toMatchObject({
      ok: true,
      type: "message",
      channel: "C0APPROVALS",
      message: {
        ts,
        reactions: [
          { name: "white_check_mark", users: ["U0DEPTHEAD", "W0ORGUSER1"], count: 2 },
          { name: "eyes", users: [fake.botUserId], count: 1 },
        ],
      },
    });
    expectValid(schemaFor("reactions.get", "200"), body);
  });

  it("usergroups.users.list", async () => {
    fake.usergroups.set("S0APPROVERS", ["U0DEPTHEAD", "W0ORGUSER1"]);
    const { body } = await api(fake, "usergroups.users.list", { usergroup: "S0APPROVERS" });
    expect(body).toEqual({ ok: true, users: ["U0DEPTHEAD", "W0ORGUSER1"] });
    expectValid(schemaFor("usergroups.users.list", "200"), body);
    // The 2021 error enum lists neither of these (only the typo "upgrade_require"); not checked against it.
    expect((await api(fake, "usergroups.users.list", { usergroup: "S0NOPE" })).body.error).toBe("no_such_subteam");
    fake.plan = "free";
    expect((await api(fake, "usergroups.users.list", { usergroup: "S0APPROVERS" })).body.error).toBe(
      "plan_upgrade_required",
    );
  });

  it("users.info, for a person and for user_not_found", async () => {
    fake.users.set("U0DEPTHEAD", {
      id: "U0DEPTHEAD",
      name: "dept.head",
      real_name: "Dora Dezernentin",
      tz: "Europe/Berlin",
      profile: { display_name: "Dora" },
    });
    const { body } = await api(fake, "users.info", { user: "U0DEPTHEAD" });
    expect(body).toMatchObject({
      ok: true,
      user: { id: "U0DEPTHEAD", deleted: false, is_bot: false, tz: "Europe/Berlin", profile: { display_name: "Dora" } },
    });
    expectValid(schemaFor("users.info", "200"), body);
    const missing = await api(fake, "users.info", { user: "U0NOBODY" });
    expect(missing.body).toEqual({ ok: false, error: "user_not_found" });
    expectValid(schemaFor("users.info", "default"), missing.body);
  });

  it("files.info and conversations.info", async () => {
    const file = fake.addFile(Buffer.from("png"), "image/png", "sperrung.png");
    const info = await api(fake, "files.info", { file: file.id });
    expect(info.body).toMatchObject({ ok: true, file });
    expectValid(schemaFor("files.info", "200"), info.body);
    fake.channels.set("C0APPROVALS", { name: "approvals", is_private: true });
    const channel = await api(fake, "conversations.info", { channel: "C0APPROVALS" });
    expect(channel.body).toMatchObject({ ok: true, channel: { id: "C0APPROVALS", is_private: true } });
    expectValid(schemaFor("conversations.info", "200"), channel.body);
  });

  it("invalid_auth for a wrong token, not_authed without one, on every checked method", async () => {
    const methods = [
      "auth.test",
      "chat.postMessage",
      "chat.update",
      "chat.postEphemeral",
      "reactions.get",
      "usergroups.users.list",
      "users.info",
    ];
    for (const method of methods) {
      const wrong = await api(fake, method, {}, "xoxb-wrong");
      expect(wrong).toMatchObject({ status: 200, body: { ok: false, error: "invalid_auth" } });
      expectValid(schemaFor(method, "default"), wrong.body);
      const none = await api(fake, method, {}, null);
      expect(none.body).toEqual({ ok: false, error: "not_authed" });
      expectValid(schemaFor(method, "default"), none.body);
    }
    expect(fake.calls.at(-1)).toMatchObject({ method: "users.info", token: undefined });
  });

  it("ratelimited: 429 with Retry-After, in the spec's error shape", async () => {
    fake.rateLimitNext("chat.postMessage", 3);
    const limited = await api(fake, "chat.postMessage", { channel: "C0APPROVALS", text: "x" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(limited.body).toEqual({ ok: false, error: "ratelimited" });
    // Slack's error docs list "ratelimited" for HTTP 429; the 2021 enums do not, so the shape is checked
    // against the error schema with its enum lifted.
    expectValid([errorShape("chat.postMessage")], limited.body);
    // the next call is answered normally again
    expect((await api(fake, "chat.postMessage", { channel: "C0APPROVALS", text: "x" })).body.ok).toBe(true);
  });

  it("conversations.history: top-level messages newest first, threads, reactions, paging, bounds", async () => {
    const historySchema = validators(withHistoryPaging(readJson(WEB_SPEC)))("conversations.history", "200");
    fake.users.set("U0DEPTHEAD", { id: "U0DEPTHEAD", name: "dept.head" });
    const person = fake.addMessage("C0APPROVALS", { user: "U0CLERK01", text: "Guten Morgen" });
    const card = (await api(fake, "chat.postMessage", { channel: "C0APPROVALS", text: "A-0001", blocks: CARD })).body;
    const cardTs = card.ts as string;
    await api(fake, "chat.postMessage", { channel: "C0APPROVALS", text: "Vorschau", thread_ts: cardTs });
    const reply = fake.addMessage("C0APPROVALS", { user: "U0DEPTHEAD", text: "passt", thread_ts: cardTs });
    const plain = (await api(fake, "chat.postMessage", { channel: "C0APPROVALS", text: "A-0002" })).body;
    await api(fake, "chat.postMessage", { channel: "C0PRESSDESK", text: "anderer Kanal" });
    fake.setReaction("C0APPROVALS", cardTs, "U0DEPTHEAD", "white_check_mark", true);
    fake.setReaction("C0APPROVALS", cardTs, "W0ORGUSER1", "white_check_mark", true);
    fake.setReaction("C0APPROVALS", cardTs, "W0ORGUSER1", "eyes", true);
    fake.setReaction("C0APPROVALS", cardTs, "W0ORGUSER1", "eyes", false);

    const { body } = await api(fake, "conversations.history", { channel: "C0APPROVALS" });
    expectValid(historySchema, body);
    expect(body).toEqual({
      ok: true,
      messages: [
        { type: "message", text: "A-0002", user: fake.botUserId, bot_id: fake.botId, ts: plain.ts, team: fake.teamId },
        {
          type: "message",
          text: "A-0001",
          user: fake.botUserId,
          bot_id: fake.botId,
          ts: cardTs,
          thread_ts: cardTs,
          blocks: CARD,
          team: fake.teamId,
          reply_count: 2,
          reply_users: [fake.botUserId, "U0DEPTHEAD"],
          reply_users_count: 2,
          latest_reply: reply.ts,
          reactions: [{ name: "white_check_mark", users: ["U0DEPTHEAD", "W0ORGUSER1"], count: 2 }],
        },
        { type: "message", text: "Guten Morgen", user: "U0CLERK01", ts: person.ts, team: fake.teamId },
      ],
      has_more: false,
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
    });
    // the same reaction data as reactions.get
    const got = await api(fake, "reactions.get", { channel: "C0APPROVALS", timestamp: cardTs });
    expect((got.body.message as Json).reactions).toEqual((body.messages as Json[])[1]?.reactions);

    // paging: limit 1, an opaque cursor, has_more until the last page; a message posted meanwhile does not shift it
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api(fake, "conversations.history", {
        channel: "C0APPROVALS",
        limit: 1,
        ...(cursor ? { cursor } : {}),
      });
      expectValid(historySchema, page.body);
      seen.push(...(page.body.messages as Json[]).map((m) => m.text as string));
      cursor = (page.body.response_metadata as Json | undefined)?.next_cursor as string | undefined;
      expect(page.body.has_more).toBe(cursor !== undefined);
      if (pages++ === 0) await api(fake, "chat.postMessage", { channel: "C0APPROVALS", text: "neu dazwischen" });
    } while (cursor);
    expect(seen).toEqual(["A-0002", "A-0001", "Guten Morgen"]);

    // oldest / latest are exclusive unless inclusive
    const between = async (extra: Json) =>
      ((await api(fake, "conversations.history", { channel: "C0APPROVALS", ...extra })).body.messages as Json[]).map(
        (m) => m.text,
      );
    const range = { oldest: person.ts, latest: plain.ts };
    expect(await between(range)).toEqual(["A-0001"]);
    expect(await between({ ...range, inclusive: true })).toEqual(["A-0002", "A-0001", "Guten Morgen"]);
    expect(await between({ oldest: cardTs })).toEqual(["neu dazwischen", "A-0002"]);
    expect(await between({ latest: cardTs, inclusive: "1" })).toEqual(["A-0001", "Guten Morgen"]);

    // a limit above 999 is cut to 999; 0 or nonsense means the default, 100
    fake.calls.length = 0;
    for (let i = 0; i < 1000; i++) fake.addBotMessage("C0BULK0001", { text: `Karte ${i}` });
    const count = async (limit: unknown) =>
      ((await api(fake, "conversations.history", { channel: "C0BULK0001", limit })).body.messages as Json[]).length;
    expect([await count(5000), await count(0), await count("viele"), await count(999)]).toEqual([999, 100, 100, 999]);
    expect(fake.calls.filter((c) => c.method === "conversations.history")).toHaveLength(4);
  });

  it("conversations.history errors: channel_not_found, not_in_channel, invalid_cursor, invalid_ts_*", async () => {
    const errors = schemaFor("conversations.history", "default");
    const history = async (params: Json) => (await api(fake, "conversations.history", params)).body;
    expect(await history({ channel: "C0NOWHERE" })).toEqual({ ok: false, error: "channel_not_found" });
    expectValid(errors, await history({}));
    fake.channels.set("C0PUBLIC01", { name: "presse", is_member: false });
    fake.channels.set("C0PRIVATE1", { name: "geheim", is_private: true, is_member: false });
    const notIn = await history({ channel: "C0PUBLIC01" });
    expect(notIn).toEqual({ ok: false, error: "not_in_channel" });
    expect(await history({ channel: "C0PRIVATE1" })).toEqual({ ok: false, error: "channel_not_found" });
    // a known channel the bot is in answers even while empty (Slack: `messages: []`; the 2021 schema wants 1+)
    fake.channels.set("C0EMPTY001", { name: "leer" });
    expect(await history({ channel: "C0EMPTY001" })).toMatchObject({ ok: true, messages: [], has_more: false });
    await api(fake, "chat.postMessage", { channel: "C0APPROVALS", text: "x" });
    const badCursor = await history({ channel: "C0APPROVALS", cursor: "bm9wZQ==" });
    expect(badCursor).toEqual({ ok: false, error: "invalid_cursor" });
    expect(await history({ channel: "C0APPROVALS", latest: "gestern" })).toEqual({
      ok: false,
      error: "invalid_ts_latest",
    });
    expect(await history({ channel: "C0APPROVALS", oldest: "1.2.3" })).toEqual({
      ok: false,
      error: "invalid_ts_oldest",
    });
    expectValid(errors, await history({ channel: "C0APPROVALS", oldest: "1.2.3" }));
    // The 2021 enum lists neither not_in_channel nor invalid_cursor (both in Slack's docs today): shape only.
    expectValid([errorShape("conversations.history")], notIn);
    expectValid([errorShape("conversations.history")], badCursor);
  });

  it("direct messages: chat.postMessage to a user id posts into the app DM; conversations.open names it", async () => {
    fake.users.set("U0CLERK01", { id: "U0CLERK01", name: "clerk" });
    fake.users.set("W0ORGUSER1", { id: "W0ORGUSER1", name: "org.user" });
    const posted = await api(fake, "chat.postMessage", { channel: "U0CLERK01", text: "Ihr Entwurf A-0001 ist da." });
    expectValid(schemaFor("chat.postMessage", "200"), posted.body);
    const dm = posted.body.channel as string;
    expect(dm).toMatch(/^D[A-Z0-9]{8,}$/);
    expect(dm).toBe(fake.dmChannel("U0CLERK01"));
    const opened = await api(fake, "conversations.open", { users: "U0CLERK01" });
    expect(opened.body).toEqual({ ok: true, no_op: true, already_open: true, channel: { id: dm } });
    expectValid(schemaFor("conversations.open", "200"), opened.body);
    const other = await api(fake, "conversations.open", { users: "W0ORGUSER1" });
    expect(other.body).toEqual({ ok: true, channel: { id: expect.not.stringMatching(dm) as unknown } });
    expectValid(schemaFor("conversations.open", "200"), other.body);
    expect((await api(fake, "conversations.open", { channel: dm })).body).toMatchObject({ channel: { id: dm } });

    // posting to the DM's id, and replying in a thread there, lands in the same DM
    await api(fake, "chat.postMessage", { channel: dm, text: "Nachtrag", thread_ts: posted.body.ts });
    expect(fake.dmMessages("U0CLERK01").map((m) => [m.channel, m.text])).toEqual([
      [dm, "Ihr Entwurf A-0001 ist da."],
      [dm, "Nachtrag"],
    ]);
    expect(fake.dmMessages("W0ORGUSER1")).toEqual([]);
    const history = await api(fake, "conversations.history", { channel: dm });
    expect((history.body.messages as Json[]).map((m) => [m.text, m.reply_count])).toEqual([
      ["Ihr Entwurf A-0001 ist da.", 1],
    ]);

    const unknown = await api(fake, "chat.postMessage", { channel: "U0NOBODY1", text: "x" });
    expect(unknown.body).toEqual({ ok: false, error: "channel_not_found" });
    expectValid(schemaFor("chat.postMessage", "default"), unknown.body);
    const noUser = await api(fake, "conversations.open", { users: "U0NOBODY1" });
    expect(noUser.body).toEqual({ ok: false, error: "user_not_found" });
    expectValid(schemaFor("conversations.open", "default"), noUser.body);
    fake.users.set("U0GONE001", { id: "U0GONE001", name: "gone", deleted: true });
    expect((await api(fake, "conversations.open", { users: "U0GONE001" })).body.error).toBe("user_disabled");
    expect((await api(fake, "conversations.open", {})).body.error).toBe("users_list_not_supplied");
    expect((await api(fake, "conversations.open", { channel: "D0UNKNOWN1" })).body.error).toBe("channel_not_found");
  });

  it("setReaction changes Slack's state without an event; removing the last one drops the reaction", async () => {
    const ts = (await api(fake, "chat.postMessage", { channel: "C0APPROVALS", text: "card" })).body.ts as string;
    fake.setReaction("C0APPROVALS", ts, "U0DEPTHEAD", "white_check_mark", true);
    fake.setReaction("C0APPROVALS", ts, "U0DEPTHEAD", "white_check_mark", true);
    fake.setReaction("C0APPROVALS", ts, "U0CLERK01", "eyes", true);
    expect(fake.reactionsOn("C0APPROVALS", ts)).toEqual([
      { name: "white_check_mark", users: ["U0DEPTHEAD"], count: 1 },
      { name: "eyes", users: ["U0CLERK01"], count: 1 },
    ]);
    fake.setReaction("C0APPROVALS", ts, "U0DEPTHEAD", "white_check_mark", false);
    fake.setReaction("C0APPROVALS", ts, "U0DEPTHEAD", "white_check_mark", true);
    expect(fake.reactionsOn("C0APPROVALS", ts).map((r) => r.name)).toEqual(["eyes", "white_check_mark"]);
    expect(() => fake.setReaction("C0APPROVALS", ts, "white_check_mark", "U0DEPTHEAD", true)).toThrow(/not a user id/);
    expect(fake.envelopes).toEqual([]);
  });

  // apps.connections.open is not in the 2021 spec. views.open/update/push are, but only with the generic
  // "Default success template" ({ ok: true }, anything else allowed).
  it("views.open / views.update / views.push answer with a view and keep trigger ids single-use", async () => {
    const view = { type: "modal", callback_id: "announce_compose", title: { type: "plain_text", text: "Neu" } };
    const opened = await api(fake, "views.open", { trigger_id: "t1", view });
    expect(opened.body).toMatchObject({ ok: true, view: { callback_id: "announce_compose" } });
    expectValid(schemaFor("views.open", "200"), opened.body);
    const again = await api(fake, "views.open", { trigger_id: "t1", view });
    expect(again.body).toEqual({ ok: false, error: "exchanged_trigger_id" });
    const id = (opened.body.view as Json).id;
    const updated = await api(fake, "views.update", { view_id: id, view: { ...view, private_metadata: "A-0001" } });
    expect(updated.body).toMatchObject({ ok: true, view: { id, private_metadata: "A-0001" } });
    expectValid(schemaFor("views.update", "200"), updated.body);
    const pushed = await api(fake, "views.push", { trigger_id: "t2", view });
    expectValid(schemaFor("views.push", "200"), pushed.body);
    expect(fake.views.map((v) => v.method)).toEqual(["views.open", "views.update", "views.push"]);
  });
});

describe("FakeSlack beyond the spec", () => {
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await FakeSlack.start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  it("apps.connections.open needs the app token and answers with a ws:// URL on the fake", async () => {
    const { body } = await api(fake, "apps.connections.open", {}, fake.appToken);
    expect(body.ok).toBe(true);
    expect(body.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/link/\\?ticket=[\\w-]+&app_id=${fake.appId}$`));
    expect((await api(fake, "apps.connections.open")).body.error).toBe("not_allowed_token_type");
    expect((await api(fake, "chat.postMessage", {}, fake.appToken)).body.error).toBe("not_allowed_token_type");
    expect((await api(fake, "no.such.method")).body).toEqual({ ok: false, error: "unknown_method" });
  });

  it("accepts JSON bodies too", async () => {
    const response = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", authorization: `Bearer ${fake.botToken}` },
      body: JSON.stringify({ channel: "C0APPROVALS", text: "json", blocks: CARD }),
    });
    expect(await response.json()).toMatchObject({ ok: true });
    expect(fake.calls[0]?.params).toEqual({ channel: "C0APPROVALS", text: "json", blocks: CARD });
  });

  it("serves files to the bot token and a 200 HTML login page to anyone else", async () => {
    const file = fake.addFile(Buffer.from([1, 2, 3]), "image/jpeg", "foto 1.jpg");
    const ok = await fetch(file.url_private_download, { headers: { authorization: `Bearer ${fake.botToken}` } });
    expect(ok.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(Buffer.from([1, 2, 3]));
    const anonymous = await fetch(file.url_private);
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await anonymous.text()).toContain("<html");
    expect(fake.downloads).toEqual([
      { id: file.id, token: fake.botToken },
      { id: file.id, token: undefined },
    ]);
  });

  it("a hung method answers only when the fake stops", async () => {
    fake.hang("views.open");
    const pending = api(fake, "views.open", { trigger_id: "t1", view: {} }).then(
      () => "answered",
      () => "connection closed",
    );
    await expect.poll(() => fake.calls.length).toBe(1);
    await fake.stop();
    expect(await pending).toBe("connection closed");
  });
});

describe("the @slack/web-api WebClient against FakeSlack", () => {
  let fake: FakeSlack;
  let client: WebClient;
  beforeEach(async () => {
    fake = await FakeSlack.start();
    client = new WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it("conversations.history over 1,200 cards: paging with cursors, quickly", async () => {
    const cards = Array.from({ length: 1200 }, (_, i) =>
      fake.addBotMessage("C0APPROVALS", { text: `A-${String(i).padStart(4, "0")}`, blocks: CARD }),
    );
    for (const card of cards.slice(0, 50))
      fake.setReaction("C0APPROVALS", card.ts, "U0DEPTHEAD", "white_check_mark", true);
    const started = performance.now();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.conversations.history({
        channel: "C0APPROVALS",
        limit: 200,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...(page.messages ?? []).map((m) => m.ts ?? ""));
      cursor = page.response_metadata?.next_cursor;
    } while (cursor);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(seen).toEqual(cards.map((c) => c.ts).reverse());
    expect(fake.calls.filter((c) => c.method === "conversations.history")).toHaveLength(6);

    // the SDK's own paginate() follows the same cursors
    let pages = 0;
    for await (const page of client.paginate("conversations.history", { channel: "C0APPROVALS", limit: 999 })) {
      pages++;
      expect(page.ok).toBe(true);
    }
    expect(pages).toBe(2);

    const newest = await client.conversations.history({
      channel: "C0APPROVALS",
      limit: 1,
      oldest: cards[1148]?.ts ?? "",
    });
    expect(newest.messages?.[0]).toMatchObject({ ts: cards[1199]?.ts, bot_id: fake.botId, blocks: CARD });
    const reacted = await client.conversations.history({
      channel: "C0APPROVALS",
      latest: cards[1]?.ts ?? "",
      inclusive: true,
    });
    expect(reacted.messages?.map((m) => m.reactions)).toEqual([
      [{ name: "white_check_mark", users: ["U0DEPTHEAD"], count: 1 }],
      [{ name: "white_check_mark", users: ["U0DEPTHEAD"], count: 1 }],
    ]);
    await expect(client.conversations.history({ channel: "C0NOWHERE" })).rejects.toMatchObject({
      code: "slack_webapi_platform_error",
      data: { ok: false, error: "channel_not_found" },
    });
  });

  it("a DM to a user id through chat.postMessage and conversations.open", async () => {
    fake.users.set("U0CLERK01", { id: "U0CLERK01", name: "clerk" });
    const posted = await client.chat.postMessage({ channel: "U0CLERK01", text: "Ihr Entwurf wurde freigegeben." });
    const opened = await client.conversations.open({ users: "U0CLERK01" });
    expect(opened.channel?.id).toBe(posted.channel);
    expect(fake.dmMessages("U0CLERK01")).toEqual([
      expect.objectContaining({ channel: posted.channel, ts: posted.ts, text: "Ihr Entwurf wurde freigegeben." }),
    ]);
    await expect(client.chat.postMessage({ channel: "U0NOBODY1", text: "x" })).rejects.toMatchObject({
      data: { error: "channel_not_found" },
    });
  });
});

describe("FakeSlack's Socket Mode side, with a plain ws client", () => {
  let fake: FakeSlack;
  let client: WebSocket | undefined;
  const received: Json[] = [];
  beforeEach(async () => {
    received.length = 0;
    fake = await FakeSlack.start();
  });
  afterEach(async () => {
    client?.terminate();
    await fake.stop();
  });

  async function connect(): Promise<WebSocket> {
    const { body } = await api(fake, "apps.connections.open", {}, fake.appToken);
    const ws = new WebSocket(body.url as string);
    ws.on("message", (data) => received.push(JSON.parse(String(data)) as Json));
    client = ws;
    return ws;
  }

  it("says hello, counts connections, and matches acks to envelopes", async () => {
    const ws = await connect();
    await fake.waitForConnections(1);
    expect(received[0]).toEqual({
      type: "hello",
      num_connections: 1,
      debug_info: { host: "applink-1", build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: fake.appId },
    });
    expect(fake.openSockets()).toBe(1);

    const body = fake.payloads.reactionEvent({
      type: "reaction_removed",
      user: "U0DEPTHEAD",
      reaction: "white_check_mark",
      channel: "C0APPROVALS",
      ts: "1760000000.000100",
    });
    const acked = fake.envelope("events_api", body, { retryAttempt: 1, retryReason: "timeout", envelopeId: "e1" });
    await expect.poll(() => received.length).toBe(2);
    expect(received[1]).toEqual({
      envelope_id: "e1",
      type: "events_api",
      accepts_response_payload: false,
      retry_attempt: 1,
      retry_reason: "timeout",
      payload: body,
    });
    ws.send(JSON.stringify({ envelope_id: "e1", payload: { ok: 1 } }));
    expect(await acked).toEqual({ ok: 1 });

    const submission = fake.payloads.viewSubmission({
      user: "U0CLERK01",
      callbackId: "announce_compose",
      privateMetadata: "{}",
      values: {},
    });
    const unanswered = fake.send("interactive", submission);
    expect(fake.envelopes.at(-1)?.accepts_response_payload).toBe(true);
    expect(fake.unacked()).toEqual([unanswered]);
    await expect(fake.envelope("slash_commands", { command: "/announce" }, { ackTimeoutMs: 50 })).rejects.toThrow(
      /waited 50 ms for the ack of slash_commands envelope/,
    );
  });

  it("drops a socket without a close frame, and asks for a refresh with one", async () => {
    const first = await connect();
    await fake.waitForConnections(1);
    const firstClosed = new Promise((resolve) => first.once("close", resolve));
    fake.dropSocket();
    expect(await firstClosed).toBe(1006);

    const second = await connect();
    await fake.waitForConnections(2);
    const secondClosed = new Promise((resolve) => second.once("close", resolve));
    fake.requestRefresh();
    expect(await secondClosed).toBe(1000);
    expect(received.at(-1)).toEqual({
      type: "disconnect",
      reason: "refresh_requested",
      debug_info: { host: "applink-1" },
    });
    expect(fake.openSockets()).toBe(0);
    expect(() => fake.send("events_api", {})).toThrow(/no open Socket Mode connection/);
  });

  it("refuses a WebSocket without a fresh ticket", async () => {
    const ws = new WebSocket(fake.apiUrl.replace(/^http/, "ws").replace("/api/", "/link/?ticket=made-up"));
    const failure = await new Promise<string>((resolve) => {
      ws.once("unexpected-response", (req, res) => {
        req.destroy();
        resolve(`HTTP ${res.statusCode}`);
      });
      ws.once("open", () => resolve("opened"));
    });
    expect(failure).toBe("HTTP 401");
  });
});

describe("payload builders match the Events API specs", () => {
  const wrapper = readJson(EVENTS_WRAPPER);
  const events = readJson(EVENTS_SPEC);
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema(events, "events");
  const validateWrapper = ajv.compile(wrapper);

  for (const type of ["reaction_added", "reaction_removed"] as const) {
    it(type, async () => {
      const fake = await FakeSlack.start();
      const body = fake.payloads.reactionEvent({
        type,
        user: "U0DEPTHEAD",
        reaction: "white_check_mark",
        channel: "C0APPROVALS",
        ts: "1760000000.000100",
      });
      await fake.stop();
      expectValid([validateWrapper], body);
      // The AsyncAPI spec's reaction topics point at the generic wrapper; their event shape is only given by
      // example (in the wrapper's examples), so the built event has to have the example's fields and types.
      expectValid([ajv.compile({ $ref: `events#/topics/${type.replace("_", ".")}/subscribe/payload` })], body);
      const examples = wrapper.examples as { event: Json }[];
      const example = examples.find((e) => e.event.type === "reaction_added")?.event as Json;
      const shape = (value: Json): Json =>
        Object.fromEntries(
          Object.entries(value).map(([k, v]) => [k, typeof v === "object" && v ? shape(v as Json) : typeof v]),
        );
      expect(shape(body.event)).toEqual(shape(example));
    });
  }
});

/** A @slack/logger Logger that keeps warnings and errors for the assertions and prints nothing. */
function quietLogger(problems: string[]): Logger {
  return {
    debug: () => {},
    info: () => {},
    warn: (...msgs: unknown[]) => void problems.push(`warn: ${msgs.map(String).join(" ")}`),
    error: (...msgs: unknown[]) => void problems.push(`error: ${msgs.map(String).join(" ")}`),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

/**
 * Servers, sockets and timers still alive. A closed handle leaves the list a few loop turns after its close
 * callback, so this yields with setImmediate (not a timer, which would count itself) until the list is empty.
 */
async function activeHandles(): Promise<string[]> {
  const alive = () =>
    process.getActiveResourcesInfo().filter((r) => ["Timeout", "TCPSocketWrap", "TCPServerWrap"].includes(r));
  for (let turn = 0; turn < 100 && alive().length > 0; turn++) await new Promise((resolve) => setImmediate(resolve));
  return alive();
}

describe("Bolt in Socket Mode against FakeSlack", () => {
  it("connects, acks envelopes across a refresh, and stops cleanly", async () => {
    const fake = await FakeSlack.start();
    const problems: string[] = [];
    const app = new App({
      token: fake.botToken,
      appToken: fake.appToken,
      socketMode: true,
      botId: fake.botId,
      botUserId: fake.botUserId,
      convoStore: false,
      logger: quietLogger(problems),
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
    const seen: string[] = [];
    app.command("/announce", async ({ command, ack }) => {
      await ack({ response_type: "ephemeral", text: `Entwurf: ${command.text}` });
    });
    app.event("reaction_added", async ({ event }) => {
      seen.push(event.reaction);
    });
    try {
      await app.start();
      expect(fake.connectionsOpened).toBe(1);
      const command = fake.payloads.slashCommand({
        text: "Hauptstraße",
        user_id: "U0CLERK01",
        channel_id: "C0PRESSDESK",
      });
      expect(await fake.envelope("slash_commands", command)).toEqual({
        response_type: "ephemeral",
        text: "Entwurf: Hauptstraße",
      });

      fake.requestRefresh();
      await fake.waitForConnections(2);
      expect(fake.openSockets()).toBe(1);
      const reaction = fake.payloads.reactionEvent({
        type: "reaction_added",
        user: "U0DEPTHEAD",
        reaction: "white_check_mark",
        channel: "C0APPROVALS",
        ts: "1760000000.000100",
      });
      expect(await fake.envelope("events_api", reaction)).toEqual({});
      await expect.poll(() => seen).toEqual(["white_check_mark"]);
      expect(await fake.envelope("slash_commands", { ...command, text: "zwei" })).toMatchObject({
        text: "Entwurf: zwei",
      });
    } finally {
      await app.stop();
      await fake.stop();
    }
    expect(fake.unacked()).toEqual([]);
    expect(fake.openSockets()).toBe(0);
    // with botId and botUserId given, Bolt calls nothing but apps.connections.open, once per connection
    expect(fake.calls.map((c) => c.method)).toEqual(["apps.connections.open", "apps.connections.open"]);
    expect(fake.calls.every((c) => c.token === fake.appToken)).toBe(true);
    expect(problems).toEqual([]);
    expect(await activeHandles()).toEqual([]);
  });
});
