import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  PressMailOutlet,
  smtpOutcome,
  type PressMailOptions,
  type SmtpError,
  type Stage,
} from "../../../adapters/press/press-mail.ts";
import type { DeliveryAttempt } from "../../../src/announcement/announcement.ts";
import type { Logger } from "../../../src/ports/logger.ts";
import type { PublishOutcome } from "../../../src/ports/outlet.ts";
import { aPost, PICTURE, PICTURE_BYTES, STORED_MEDIA } from "../../contracts/outlet.contract.ts";
import { FakeSmtp, TEST_CA, type FakeSmtpOptions } from "../../fakes/fake-smtp.ts";
import { leaves, parseMail, textOf } from "../../fakes/mime.ts";

const LOGIN = { user: "presse@achim.example", pass: "s3cret:Pa$$wört/@" };
const LIST = "presseverteiler@lists.achim.example";
const FROM = "Stadt Achim – Pressestelle <presse@achim.example>";
const attempt: DeliveryAttempt = {
  id: "A-0042:press:publish:1",
  startedAt: new Date().toISOString(),
  fingerprint: "f00d",
};

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function smtp(options: FakeSmtpOptions = { tls: "implicit", login: LOGIN }): Promise<FakeSmtp> {
  const fake = await FakeSmtp.start(options);
  servers.push(fake);
  return fake;
}

interface LogLine {
  level: string;
  obj: object;
  msg?: string;
}

function recordingLog(lines: LogLine[]): Logger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void =>
      void lines.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
  const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => log };
  return log;
}

function outlet(fake: FakeSmtp | string, overrides: Partial<PressMailOptions> = {}, trust = true): PressMailOutlet {
  return new PressMailOutlet({
    smtpUrl: typeof fake === "string" ? fake : fake.url(LOGIN),
    to: LIST,
    from: FROM,
    media: async (sha256) => STORED_MEDIA.get(sha256),
    ...(trust ? { ca: TEST_CA } : {}),
    timeoutMs: 2_000,
    ...overrides,
  });
}

const only = <T>(list: T[]): T => {
  expect(list).toHaveLength(1);
  return list[0] as T;
};

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Takes connections and never greets. */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
  return (server.address() as { port: number }).port;
}

describe("press mail: what goes out", () => {
  it("sends one UTF-8 plain-text mail with the picture attached and its description under the mention", async () => {
    const fake = await smtp();
    const post = aPost({
      text: "*Sperrung* der Hauptstraße ab Montag.\n_Umleitung_ über die Bergstraße",
      media: [PICTURE],
    });

    const outcome = await outlet(fake).publish(post, attempt);

    const messageId = "<A-0042.v1.publish.f00d@achim.example>";
    expect(outcome).toEqual({ state: "sent", remoteId: messageId });
    const mail = only(fake.accepted);
    expect(mail).toMatchObject({ from: "presse@achim.example", to: [LIST], user: LOGIN.user, secure: true });
    const parsed = parseMail(mail.raw);
    expect(parsed.headers.get("message-id")).toBe(messageId);
    expect(parsed.headers.get("subject")).toBe("[Pressemitteilung] Sperrung der Hauptstraße ab Montag.");
    // Non-ASCII in a header travels as RFC 2047 encoded words, never as raw 8-bit.
    expect(parsed.rawHeaders.get("subject")).toMatch(/^=\?UTF-8\?[BQ]\?/i);
    expect(parsed.rawHeaders.get("subject")).not.toMatch(/[^\x20-\x7e]/);
    expect(parsed.headers.get("from")).toContain("<presse@achim.example>");
    expect(parsed.headers.get("to")).toBe(LIST);
    expect(parsed.headers.has("in-reply-to")).toBe(false);

    const [body, attachment] = leaves(parsed);
    expect(body?.headers.get("content-type")).toMatch(/^text\/plain; charset=utf-8/i);
    expect(textOf(body!)).toBe(
      "Sperrung der Hauptstraße ab Montag.\nUmleitung über die Bergstraße\n\n" +
        "Anhang: umleitung.jpg (Bild, 1 KB)\nBildbeschreibung: Karte der Umleitung über die Bergstraße\n",
    );
    expect(attachment?.headers.get("content-type")).toMatch(/^image\/jpeg/);
    expect(attachment?.headers.get("content-disposition")).toMatch(/attachment; filename="?umleitung\.jpg"?/);
    expect(new Uint8Array(attachment!.body)).toEqual(PICTURE_BYTES);
  });

  it("renders a poll as its question and options", async () => {
    const fake = await smtp();
    const poll = { question: "Welcher Termin passt?", options: ["Dienstag", "Donnerstag"], multipleChoice: true };

    expect((await outlet(fake).publish(aPost({ text: "", poll }), attempt)).state).toBe("sent");

    const parsed = parseMail(only(fake.accepted).raw);
    expect(parsed.headers.get("subject")).toBe("[Pressemitteilung] Welcher Termin passt?");
    expect(textOf(parsed)).toBe(
      "Umfrage (mehrere Antworten möglich): Welcher Termin passt?\n  – Dienstag\n  – Donnerstag\n",
    );
  });

  it("shortens a long first line at a word for the subject, with the configured prefix", async () => {
    const fake = await smtp();
    const line = "Vollsperrung der Hauptstraße zwischen Rathausplatz und Bergstraße wegen Kanalarbeiten bis Ende Juni";

    await outlet(fake, { subjectPrefix: "[Stadt Achim]" }).publish(aPost({ text: `${line}\nMehr Text` }), attempt);

    const subject = parseMail(only(fake.accepted).raw).headers.get("subject") ?? "";
    expect(subject).toBe("[Stadt Achim] Vollsperrung der Hauptstraße zwischen Rathausplatz und Bergstraße…");
    expect([...subject.replace("[Stadt Achim] ", "")].length).toBeLessThanOrEqual(70);
  });

  it("keeps several recipients from seeing each other: they are only in the envelope", async () => {
    const fake = await smtp();
    const to = "a@zeitung.example, Redaktion <b@radio.example>";

    await outlet(fake, { to, replyTo: "pressestelle@achim.example" }).publish(aPost(), attempt);

    const mail = only(fake.accepted);
    expect(mail.to).toEqual(["a@zeitung.example", "b@radio.example"]);
    const head = mail.raw.toString("latin1").split("\r\n\r\n")[0] ?? "";
    expect(head).not.toMatch(/zeitung|radio/);
    expect(parseMail(mail.raw).headers.get("reply-to")).toBe("pressestelle@achim.example");
  });

  it("gives every attempt of one action the same Message-ID, and another version a new one", async () => {
    const fake = await smtp();
    const press = outlet(fake);

    await press.publish(aPost(), attempt);
    await press.publish(aPost(), attempt);
    await press.publish(aPost({ version: 2, fingerprint: "beef" }), attempt);

    const ids = fake.accepted.map((m) => parseMail(m.raw).headers.get("message-id"));
    expect(ids).toEqual([
      "<A-0042.v1.publish.f00d@achim.example>",
      "<A-0042.v1.publish.f00d@achim.example>",
      "<A-0042.v2.publish.beef@achim.example>",
    ]);
  });

  it("marks an emergency as urgent and says until when the notice is valid", async () => {
    const fake = await smtp();

    await outlet(fake).publish(aPost({ emergency: true, expiresAt: "2026-03-12T17:00:00.000Z" }), attempt);

    const parsed = parseMail(only(fake.accepted).raw);
    expect(parsed.headers.get("x-priority")).toBe("1 (Highest)");
    expect(parsed.headers.get("importance")).toBe("high");
    expect(parsed.headers.get("expires")).toBe("Thu, 12 Mar 2026 17:00:00 +0000");
    expect(textOf(parsed)).toContain("\n\nGültig bis: 12.03.2026, 18:00 Uhr\n");
  });

  it("refuses a post whose picture is missing from the store, without connecting", async () => {
    const fake = await smtp();
    const outcome = await outlet(fake, { media: async () => undefined }).publish(aPost({ media: [PICTURE] }), attempt);
    expect(outcome).toMatchObject({ state: "failed", code: "bad_request", retryable: false });
    expect(fake.logins).toEqual([]);
  });

  it("cannot read a mail back: a person checks the list archive", async () => {
    const press = outlet("smtp://127.0.0.1:25");
    expect(press.idempotent).toBe(false);
    expect(await press.readBack(aPost(), attempt)).toMatchObject({ state: "unavailable" });
  });
});

describe("press mail: corrections, retractions and incident follow-ups thread under the original", () => {
  const original = "<A-0042.v1.publish.f00d@achim.example>";

  it("sends a correction as a follow-up in the original's thread", async () => {
    const fake = await smtp();
    const corrected = aPost({ version: 2, fingerprint: "c0ffee", text: "Sperrung der Hauptstraße ab *Dienstag*." });

    const outcome = await outlet(fake).edit({ remoteId: original }, corrected);

    expect(outcome).toEqual({ state: "sent", remoteId: original });
    const parsed = parseMail(only(fake.accepted).raw);
    expect(parsed.headers.get("subject")).toBe("[Pressemitteilung] Korrektur: Sperrung der Hauptstraße ab Dienstag.");
    expect(parsed.headers.get("message-id")).toBe("<A-0042.v2.edit.c0ffee@achim.example>");
    expect(parsed.headers.get("in-reply-to")).toBe(original);
    expect(parsed.headers.get("references")).toBe(original);
    expect(textOf(parsed)).toBe(
      "Korrigierte Fassung – sie ersetzt die frühere Mitteilung.\n\nSperrung der Hauptstraße ab Dienstag.\n",
    );
  });

  it("sends a retraction as a follow-up that quotes what no longer holds", async () => {
    const fake = await smtp();
    const post = aPost({ text: "Sperrung der Hauptstraße ab Montag.\nUmleitung über die Bergstraße" });

    const outcome = await outlet(fake).remove({ remoteId: original }, post);

    expect(outcome).toEqual({ state: "sent", remoteId: original });
    const parsed = parseMail(only(fake.accepted).raw);
    expect(parsed.headers.get("subject")).toBe("[Pressemitteilung] Zurückgezogen: Sperrung der Hauptstraße ab Montag.");
    expect(parsed.headers.get("message-id")).toBe("<A-0042.v1.remove.f00d@achim.example>");
    expect(parsed.headers.get("in-reply-to")).toBe(original);
    expect(parsed.headers.get("references")).toBe(original);
    expect(textOf(parsed)).toBe(
      "Diese Mitteilung wird zurückgezogen und gilt nicht mehr. Bitte nicht mehr verwenden.\n\n" +
        "Zurückgezogen wurde:\n\n> Sperrung der Hauptstraße ab Montag.\n> Umleitung über die Bergstraße\n",
    );
  });

  it("still retracts, threaded, when the post is not at hand", async () => {
    const fake = await smtp();
    expect((await outlet(fake).remove({ remoteId: original })).state).toBe("sent");
    const parsed = parseMail(only(fake.accepted).raw);
    expect(parsed.headers.get("message-id")).toBe("<A-0042.v1.publish.f00d.remove@achim.example>");
    expect(parsed.headers.get("in-reply-to")).toBe(original);
    expect(parsed.headers.get("subject")).toBe("[Pressemitteilung] Zurückgezogen: Mitteilung");
  });

  it("threads an incident's follow-up under the post it follows", async () => {
    const fake = await smtp();
    const update = aPost({
      announcementId: "A-0043",
      text: "Entwarnung: Die Hauptstraße ist wieder frei.",
      incident: { kind: "cancel", root: "A-0042", follows: "A-0042" },
      replyTo: { remoteId: original },
    });

    expect(await outlet(fake).publish(update, attempt)).toEqual({
      state: "sent",
      remoteId: "<A-0043.v1.publish.f00d@achim.example>",
    });
    const parsed = parseMail(only(fake.accepted).raw);
    expect(parsed.headers.get("in-reply-to")).toBe(original);
    expect(parsed.headers.get("references")).toBe(original);
  });

  it("refuses to edit or retract by something that is not a Message-ID, without sending", async () => {
    const fake = await smtp();
    const press = outlet(fake);
    const bad = { remoteId: "A-0042\r\nBcc: everyone@example.org" };
    expect(await press.edit(bad, aPost())).toMatchObject({ state: "failed", code: "bad_request", retryable: false });
    expect(await press.remove(bad, aPost())).toMatchObject({ state: "failed", code: "bad_request" });
    expect(fake.mails).toEqual([]);
  });
});

describe("press mail: what the server's answers mean", () => {
  it("a refused connection sent nothing: the post waits for the server", async () => {
    const outcome = await outlet(`smtps://127.0.0.1:${await closedPort()}`).publish(aPost(), attempt);
    expect(outcome).toMatchObject({ state: "failed", code: "unreachable", retryable: true });
    expect(outcome.state === "failed" && outcome.reason).toContain("ECONNREFUSED");
  });

  it("a server that never greets sent nothing: unreachable", async () => {
    const port = await silentServer();
    const outcome = await outlet(`smtp://127.0.0.1:${port}`, { timeoutMs: 300 }).publish(aPost(), attempt);
    expect(outcome).toMatchObject({ state: "failed", code: "unreachable", retryable: true });
    expect(outcome.state === "failed" && outcome.reason).toContain("ETIMEDOUT");
  });

  it("a temporarily refused recipient (4xx) is retried later; no message data was sent", async () => {
    const fake = await smtp();
    fake.refuseRecipient(LIST, 451, "4.3.0 Mailbox temporarily unavailable");
    const outcome = await outlet(fake).publish(aPost(), attempt);
    expect(outcome).toMatchObject({ state: "failed", retryable: true });
    expect(outcome.state === "failed" && outcome.code).toBeUndefined();
    expect(outcome.state === "failed" && outcome.reason).toContain("451 4.3.0 Mailbox temporarily unavailable");
    expect(fake.mails).toEqual([]);
  });

  it("a refused recipient (550) is final, with the server's words", async () => {
    const fake = await smtp();
    fake.refuseRecipient(LIST, 550, "5.1.1 No such user here");
    const outcome = await outlet(fake).publish(aPost(), attempt);
    expect(outcome).toMatchObject({ state: "failed", code: "not_sent", retryable: false });
    expect(outcome.state === "failed" && outcome.reason).toContain("550 5.1.1 No such user here");
    expect(fake.mails).toEqual([]);
  });

  it("a message refused after its data (554) is final; a 4xx there is retried", async () => {
    const fake = await smtp();
    fake.refuseData(554, "5.7.1 Message rejected as spam");
    const final = await outlet(fake).publish(aPost(), attempt);
    expect(final).toMatchObject({ state: "failed", code: "not_sent", retryable: false });
    expect(final.state === "failed" && final.reason).toContain("554 5.7.1 Message rejected as spam");

    fake.refuseData(452, "4.3.1 Insufficient system storage");
    expect(await outlet(fake).publish(aPost(), attempt)).toMatchObject({ state: "failed", retryable: true });
    expect(fake.accepted).toEqual([]);
  });

  it("sends to the recipients the server takes when it refuses some, and logs the refused ones", async () => {
    const fake = await smtp();
    fake.refuseRecipient("weg@zeitung.example", 550, "5.1.1 User unknown");
    const lines: LogLine[] = [];
    const press = outlet(fake, { to: "weg@zeitung.example, da@radio.example", log: recordingLog(lines) });

    expect((await press.publish(aPost(), attempt)).state).toBe("sent");

    expect(only(fake.accepted).to).toEqual(["da@radio.example"]);
    expect(only(lines)).toMatchObject({ level: "warn", obj: { rejected: ["weg@zeitung.example"] } });
    expect(JSON.stringify(lines)).toContain("550 5.1.1 User unknown");
  });

  it("a refused login (535) is 'unauthorized', and the password appears nowhere", async () => {
    const fake = await smtp();
    const lines: LogLine[] = [];
    const wrong = { user: LOGIN.user, pass: "falsch-Geheim-42" };
    const press = outlet(fake.url(wrong), { log: recordingLog(lines) });

    const outcome = await press.publish(aPost(), attempt);

    expect(outcome).toMatchObject({ state: "failed", code: "unauthorized", retryable: false });
    expect(outcome.state === "failed" && outcome.reason).toContain("535");
    expect(fake.logins).toEqual([wrong]);
    expect(fake.mails).toEqual([]);
    const health = await press.health();
    expect(health).toMatchObject({ state: "down", problem: "unauthorized" });
    const everything = JSON.stringify([outcome, health, lines]);
    expect(everything).not.toContain(wrong.pass);
    expect(everything).not.toContain(fake.url(wrong));
  });

  it("a connection lost after the whole message was sent, before the answer, is an unknown outcome", async () => {
    const fake = await smtp();
    fake.dropAfterData();
    const outcome = await outlet(fake).publish(aPost(), attempt);
    expect(outcome.state).toBe("unknown");
    expect(only(fake.mails).accepted).toBe(false);
  });

  it("no answer after the whole message was sent is an unknown outcome", async () => {
    const fake = await smtp();
    fake.hangAfterData();
    const outcome = await outlet(fake, { timeoutMs: 1_500 }).publish(aPost(), attempt);
    expect(outcome.state).toBe("unknown");
    expect(only(fake.mails).accepted).toBe(false);
  });
});

describe("press mail: transport security", () => {
  it("logs in over STARTTLS on smtp:// and sends encrypted", async () => {
    const fake = await smtp({ tls: "starttls", login: LOGIN });
    expect((await outlet(fake).publish(aPost(), attempt)).state).toBe("sent");
    expect(only(fake.accepted)).toMatchObject({ secure: true, user: LOGIN.user });
  });

  it("never sends the password unencrypted: smtp:// with a login and no STARTTLS sends nothing", async () => {
    const fake = await smtp({ tls: "none", login: LOGIN });
    const outcome = await outlet(fake).publish(aPost(), attempt);
    expect(outcome).toMatchObject({ state: "failed", retryable: true });
    expect(fake.logins).toEqual([]);
    expect(fake.mails).toEqual([]);
  });

  it("refuses a server whose certificate it does not trust, before logging in", async () => {
    const fake = await smtp();
    const outcome = await outlet(fake, {}, false).publish(aPost(), attempt);
    expect(outcome).toMatchObject({ state: "failed", code: "unreachable" });
    expect(outcome.state === "failed" && outcome.reason).toContain("TLS");
    expect(fake.logins).toEqual([]);
  });

  it("sends through a relay without a login (smtp:// without credentials)", async () => {
    const fake = await smtp({ tls: "none" });
    expect((await outlet(fake.url()).publish(aPost(), attempt)).state).toBe("sent");
    expect(only(fake.accepted)).toMatchObject({ secure: false });
  });
});

describe("press mail: health", () => {
  it("is ok when the server takes the login", async () => {
    const fake = await smtp();
    expect(await outlet(fake).health()).toEqual({ state: "ok" });
    expect(fake.logins).toEqual([LOGIN]);
    expect(fake.mails).toEqual([]);
  });

  it("is down and unreachable when nothing listens", async () => {
    const health = await outlet(`smtps://${encodeURIComponent(LOGIN.user)}@127.0.0.1:${await closedPort()}`).health();
    expect(health).toMatchObject({ state: "down", problem: "unreachable" });
  });
});

describe("press mail: configuration", () => {
  const make = (o: Partial<PressMailOptions>) => () =>
    new PressMailOutlet({ smtpUrl: "smtp://127.0.0.1", to: LIST, from: FROM, media: async () => undefined, ...o });

  it("names the bad setting without repeating the URL, which holds the password", () => {
    expect(make({ smtpUrl: "https://user:geheim@mail.example" })).toThrow(/SMTP_URL/);
    expect(make({ smtpUrl: "https://user:geheim@mail.example" })).not.toThrow(/geheim/);
    expect(make({ smtpUrl: "geheim nicht-url" })).not.toThrow(/geheim/);
    expect(make({ to: "nobody" })).toThrow(/PRESS_TO/);
    expect(make({ from: "a@b.example, c@d.example" })).toThrow(/PRESS_FROM/);
    expect(make({ replyTo: "kaputt" })).toThrow(/PRESS_REPLY_TO/);
  });

  it("declares what a mail carries, within the adopted limits", () => {
    const c = make({})().capabilities;
    expect(c).toMatchObject({ text: true, image: true, video: true, poll: true, edit: true, delete: true });
    expect(c.maxTextLength).toBeLessThanOrEqual(4096);
    expect(c.maxCaptionLength).toBeLessThanOrEqual(1024);
  });
});

const unreachable = { state: "failed", code: "unreachable", retryable: true } as const;
const retry = { state: "failed", retryable: true } as const;
const refusedLogin = { state: "failed", code: "unauthorized" } as const;
const final = { state: "failed", code: "not_sent", retryable: false } as const;

describe("press mail: nodemailer's errors, by code and reply code, at each stage", () => {
  const where = "mail.achim.example:465";
  const cases: [string, Stage, SmtpError, Partial<PublishOutcome> & { state: PublishOutcome["state"] }][] = [
    ["no such host", "connect", { code: "EDNS", originalCode: "ENOTFOUND", command: "CONN" }, unreachable],
    ["DNS timeout", "connect", { code: "EDNS", originalCode: "EAI_AGAIN", command: "CONN" }, unreachable],
    ["refused", "connect", { code: "ESOCKET", originalCode: "ECONNREFUSED", command: "CONN" }, unreachable],
    ["no connection in time", "connect", { code: "ETIMEDOUT", command: "CONN" }, unreachable],
    ["closed before the greeting", "connect", { code: "ECONNECTION", command: "CONN" }, unreachable],
    ["closed during the envelope", "envelope", { code: "ECONNECTION", command: "CONN" }, unreachable],
    ["timeout during the envelope", "envelope", { code: "ETIMEDOUT", command: "CONN" }, unreachable],
    ["closed after the data", "data", { code: "ECONNECTION", command: "CONN" }, { state: "unknown" }],
    ["socket error after the data", "data", { code: "ESOCKET", originalCode: "ECONNRESET" }, { state: "unknown" }],
    ["timeout after the data", "data", { code: "ETIMEDOUT", command: "CONN" }, { state: "unknown" }],
    ["greeting 421", "connect", { code: "EPROTOCOL", responseCode: 421, response: "421 busy" }, retry],
    ["login 454", "login", { code: "EAUTH", responseCode: 454, response: "454 4.7.0 try later" }, retry],
    ["final 451", "data", { code: "EMESSAGE", responseCode: 451, response: "451 later", command: "DATA" }, retry],
    ["login 535", "login", { code: "EAUTH", responseCode: 535, response: "535 5.7.8 bad" }, refusedLogin],
    ["login needed 530", "envelope", { code: "EENVELOPE", responseCode: 530, command: "MAIL FROM" }, refusedLogin],
    ["no credentials", "login", { code: "ENOAUTH" }, refusedLogin],
    ["sender 553", "envelope", { code: "EENVELOPE", responseCode: 553, command: "MAIL FROM" }, final],
    ["final 554", "data", { code: "EMESSAGE", responseCode: 554, response: "554 spam", command: "DATA" }, final],
    ["503 is final too", "envelope", { code: "EENVELOPE", responseCode: 503, command: "DATA" }, final],
    ["bad address", "envelope", { code: "EENVELOPE", command: "API" }, { state: "failed", code: "bad_request" }],
    ["too large", "envelope", { code: "EMESSAGE", command: "MAIL FROM" }, { state: "failed", code: "bad_request" }],
    ["STARTTLS refused", "connect", { code: "ETLS", responseCode: 502, command: "STARTTLS" }, unreachable],
    ["certificate", "connect", { code: "ESOCKET", originalCode: "CERT_HAS_EXPIRED" }, unreachable],
  ];

  it.each(cases)("%s", (_name, stage, error, expected) => {
    expect(smtpOutcome(stage, error, where)).toMatchObject(expected);
  });

  it("quotes the server's answer and the command it answered, on one line", () => {
    const outcome = smtpOutcome(
      "envelope",
      { code: "EENVELOPE", responseCode: 550, response: "550-5.1.1 No such\n550 5.1.1 user", command: "RCPT TO" },
      where,
    );
    expect(outcome.state === "failed" && outcome.reason).toBe(
      `mail server ${where} refused the mail to RCPT TO: 550-5.1.1 No such 550 5.1.1 user`,
    );
  });
});
