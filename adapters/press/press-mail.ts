import { Readable } from "node:stream";
import addressparser from "nodemailer/lib/addressparser";
import MailComposer from "nodemailer/lib/mail-composer";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import type { DeliveryAttempt } from "../../src/announcement/announcement.ts";
import { LIMITS } from "../../src/announcement/content.ts";
import { silentLogger, type Logger } from "../../src/ports/logger.ts";
import type {
  OutboundPost,
  Outlet,
  OutletCapabilities,
  OutletErrorCode,
  OutletHealth,
  PublishOutcome,
  ReadBackOutcome,
  RemoteRef,
} from "../../src/ports/outlet.ts";
import { plainText } from "../../src/render/plain.ts";
import { wallTimeOf } from "../../src/time/zoned.ts";
import type { MediaSource } from "../whatsapp/waha.ts";

export interface PressMailOptions {
  /** `smtps://user:pass@host:465` (TLS from the start) or `smtp://[user:pass@]host:587` (STARTTLS). */
  smtpUrl: string;
  /** Comma-separated addresses, or one list address. */
  to: string;
  from: string;
  replyTo?: string;
  /** Put before every subject; default "[Pressemitteilung]". */
  subjectPrefix?: string;
  media: MediaSource;
  /** For connecting, the greeting, and each answer of the server. */
  timeoutMs?: number;
  /** Extra trusted CA certificates (PEM), for a server with a certificate from the town's own CA. */
  ca?: string;
  /** How "valid until" is written in the mail. */
  timeZone?: string;
  log?: Logger;
}

/** Longest subject text after the prefix, in code points; mail clients show about this much. */
const SUBJECT_MAX = 70;

/** What one SMTP exchange needs; the password stays here and goes nowhere else. */
interface Server {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
}

/** An error of nodemailer's SMTP client, by the fields it sets (never by its message text). */
export interface SmtpError {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/** How far one mail got: what an error means depends on it. */
export type Stage = "connect" | "login" | "envelope" | "data";

class SmtpFailure extends Error {
  readonly stage: Stage;
  readonly smtp: SmtpError;

  constructor(stage: Stage, smtp: SmtpError) {
    super(`SMTP ${stage} failed`);
    this.stage = stage;
    this.smtp = smtp;
  }
}

/**
 * The press mailing list: one plain-text mail per announcement, a correction or a retraction as a follow-up in its
 * thread. Mail cannot be read back or recalled: an unclear send is checked by a person in the list archive.
 */
export class PressMailOutlet implements Outlet {
  readonly id = "press";
  readonly handoff = false;
  readonly idempotent = false;
  readonly readBackGraceMs = 0;
  /** Mail has no length limit of its own: the adopted limits apply. A poll goes out as text. */
  readonly capabilities: OutletCapabilities = {
    text: true,
    image: true,
    video: true,
    poll: true,
    edit: true,
    delete: true,
    maxTextLength: LIMITS.text,
    maxCaptionLength: LIMITS.caption,
  };
  readonly #server: Server;
  readonly #from: string;
  readonly #domain: string;
  readonly #recipients: string[];
  readonly #o: Required<Pick<PressMailOptions, "subjectPrefix" | "timeoutMs" | "timeZone" | "log" | "media">> &
    Pick<PressMailOptions, "replyTo" | "ca">;

  constructor(options: PressMailOptions) {
    this.#server = parseSmtpUrl(options.smtpUrl);
    const from = mailboxes(options.from);
    if (from.length !== 1 || !from[0]) throw new Error("PRESS_FROM must be exactly one mail address");
    this.#from = options.from;
    this.#domain = from[0].slice(from[0].lastIndexOf("@") + 1).toLowerCase();
    this.#recipients = mailboxes(options.to);
    if (this.#recipients.length === 0) throw new Error("PRESS_TO must name at least one mail address");
    if (options.replyTo !== undefined && mailboxes(options.replyTo).length === 0) {
      throw new Error("PRESS_REPLY_TO must be a mail address");
    }
    this.#o = {
      subjectPrefix: "[Pressemitteilung]",
      timeoutMs: 30_000,
      timeZone: "Europe/Berlin",
      log: silentLogger,
      ...options,
    };
  }

  publish(post: OutboundPost, _attempt: DeliveryAttempt): Promise<PublishOutcome> {
    // An incident's follow-up goes into the thread of the post it follows.
    const thread = post.replyTo && isMessageId(post.replyTo.remoteId) ? post.replyTo.remoteId : undefined;
    return this.#mail(post, "publish", "", thread);
  }

  async readBack(_post: OutboundPost, _attempt: DeliveryAttempt): Promise<ReadBackOutcome> {
    return { state: "unavailable", reason: "a sent mail cannot be read back; please check the press list's archive" };
  }

  /** A correction cannot change a sent mail: it goes out as a follow-up in the original's thread. */
  async edit(ref: RemoteRef, post: OutboundPost): Promise<PublishOutcome> {
    if (!isMessageId(ref.remoteId)) return failed("bad_request", `"${ref.remoteId}" is not a Message-ID`, false);
    const outcome = await this.#mail(post, "edit", "Korrektur: ", ref.remoteId);
    return outcome.state === "sent" ? { state: "sent", remoteId: ref.remoteId } : outcome;
  }

  /** A retraction cannot take a mail back: it goes out as a follow-up saying the original no longer holds. */
  async remove(ref: RemoteRef, post?: OutboundPost): Promise<PublishOutcome> {
    if (!isMessageId(ref.remoteId)) return failed("bad_request", `"${ref.remoteId}" is not a Message-ID`, false);
    const outcome = await this.#send({
      messageId: post ? this.#messageId(post, "remove") : `<${leftPart(ref.remoteId)}.remove@${this.#domain}>`,
      subject: this.#subject("Zurückgezogen: ", post ? headline(post) : undefined),
      text: retractionText(post),
      thread: ref.remoteId,
    });
    return outcome.state === "sent" ? { state: "sent", remoteId: ref.remoteId } : outcome;
  }

  async health(): Promise<OutletHealth> {
    try {
      await this.#session(() => Promise.resolve());
      return { state: "ok" };
    } catch (error) {
      const outcome = this.#meaning(error);
      const reason = outcome.state === "failed" || outcome.state === "unknown" ? outcome.reason : "unexpected answer";
      if (outcome.state === "failed" && outcome.code === "unauthorized") {
        return { state: "down", reason, problem: "unauthorized" };
      }
      if (outcome.state === "failed" && outcome.code === "unreachable") {
        return { state: "down", reason, problem: "unreachable" };
      }
      return { state: "down", reason, problem: "unexpected" };
    }
  }

  async #mail(post: OutboundPost, action: "publish" | "edit", label: string, thread?: string): Promise<PublishOutcome> {
    const attachments: Attachment[] = [];
    for (const item of post.media) {
      const bytes = await this.#o.media(item.sha256);
      if (!bytes) return failed("bad_request", `the file ${item.name} is missing from the store`, false);
      attachments.push({ filename: item.name, contentType: item.mimeType, content: Buffer.from(bytes) });
    }
    const messageId = this.#messageId(post, action);
    const intro = action === "edit" ? "Korrigierte Fassung – sie ersetzt die frühere Mitteilung.\n\n" : "";
    return this.#send({
      messageId,
      subject: this.#subject(label, headline(post)),
      text: `${intro}${this.#body(post)}`,
      attachments,
      ...(thread ? { thread } : {}),
      ...(post.emergency ? { urgent: true } : {}),
      ...(post.expiresAt ? { expires: new Date(post.expiresAt) } : {}),
    });
  }

  /**
   * `<A-0042.v1.publish.f00dcafe1234@domain>`: the same for every attempt of one action, so a mail sent twice is
   * one mail to clients and archives; the content hash keeps it apart from another installation's A-0042.
   */
  #messageId(post: OutboundPost, action: "publish" | "edit" | "remove"): string {
    const parts = [post.announcementId, `v${post.version}`, action, post.fingerprint.slice(0, 12)];
    return `<${parts.map(atomText).join(".")}@${this.#domain}>`;
  }

  #subject(label: string, line: string | undefined): string {
    const text = `${label}${line ?? "Mitteilung"}`;
    return `${this.#o.subjectPrefix} ${shorten(text, SUBJECT_MAX)}`.trim();
  }

  #body(post: OutboundPost): string {
    const parts = [plainText(post.text).trim()];
    if (post.poll) {
      const choice = post.poll.multipleChoice ? "mehrere Antworten möglich" : "eine Antwort";
      const options = post.poll.options.map((o) => `  – ${o}`).join("\n");
      parts.push(`Umfrage (${choice}): ${post.poll.question}\n${options}`);
    }
    for (const item of post.media) {
      const kind = item.mimeType.startsWith("video/") ? "Video" : "Bild";
      const size = `${Math.max(1, Math.round(item.bytes / 1024))} KB`;
      const alt = item.altText ? `\nBildbeschreibung: ${item.altText}` : "";
      parts.push(`Anhang: ${item.name} (${kind}, ${size})${alt}`);
    }
    if (post.expiresAt) parts.push(`Gültig bis: ${this.#localTime(new Date(post.expiresAt))}`);
    return `${parts.filter(Boolean).join("\n\n")}\n`;
  }

  #localTime(at: Date): string {
    const w = wallTimeOf(at, this.#o.timeZone);
    const two = (n: number) => String(n).padStart(2, "0");
    return `${two(w.day)}.${two(w.month)}.${w.year}, ${two(w.hour)}:${two(w.minute)} Uhr`;
  }

  async #send(mail: Mail): Promise<PublishOutcome> {
    let raw: Buffer;
    try {
      raw = await compose(mail, {
        from: this.#from,
        recipients: this.#recipients,
        ...(this.#o.replyTo ? { replyTo: this.#o.replyTo } : {}),
      });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return failed("bad_request", `press mail could not be put together (${why}); nothing was sent`, false);
    }
    try {
      const info = await this.#session((c, step) => this.#transmit(c, step, raw));
      if (info.rejected.length > 0) {
        // Some recipients got it: sending again would reach the others twice. Logged for IT to fix the list.
        this.#o.log.warn(
          { outlet: this.id, messageId: mail.messageId, rejected: info.rejected, responses: info.responses },
          "press mail: the server refused some recipients; the others got it",
        );
      }
      // Some servers (Microsoft 365, Amazon SES) replace the Message-ID: follow-ups must name theirs.
      return { state: "sent", remoteId: info.serverMessageId ?? mail.messageId };
    } catch (error) {
      return this.#meaning(error);
    }
  }

  /** The envelope, then the message; `stage` moves to "data" once every byte of it was handed to the server. */
  #transmit(c: SMTPConnection, stage: (s: Stage) => void, raw: Buffer): Promise<Sent> {
    stage("envelope");
    const message = Readable.from([raw], { objectMode: false });
    // nodemailer reads the message only after the server's 354; once read to its end, the server may have it all.
    message.once("end", () => stage("data"));
    return new Promise((resolve, reject) => {
      c.send({ from: this.#envelopeFrom(), to: this.#recipients }, message, (err, info) => {
        if (err) return reject(err);
        resolve({
          rejected: info?.rejected ?? [],
          responses: (info?.rejectedErrors ?? []).map((e) => e.response ?? ""),
          ...(info?.serverMessageId && isMessageId(info.serverMessageId)
            ? { serverMessageId: info.serverMessageId }
            : {}),
        });
      });
    });
  }

  #envelopeFrom(): string {
    return mailboxes(this.#from)[0] ?? "";
  }

  /** Connects (and logs in where the URL has credentials), runs `work`, and says goodbye. */
  async #session<T>(work: (c: SMTPConnection, stage: (s: Stage) => void) => Promise<T>): Promise<T> {
    const s = this.#server;
    const c = new SMTPConnection({
      host: s.host,
      port: s.port,
      secure: s.secure,
      // A password never crosses the wire unencrypted: with credentials, smtp:// must upgrade by STARTTLS.
      requireTLS: !s.secure && s.auth !== undefined,
      connectionTimeout: this.#o.timeoutMs,
      greetingTimeout: this.#o.timeoutMs,
      socketTimeout: this.#o.timeoutMs,
      logger: false,
      debug: false,
      ...(this.#o.ca ? { tls: { ca: this.#o.ca } } : {}),
    });
    let stage: Stage = "connect";
    const setStage = (next: Stage) => (stage = next);
    const fail = (error: unknown) => new SmtpFailure(stage, smtpFields(error));
    // The client reports a broken connection as an event, or by closing, whatever step was waiting.
    const broken = new Promise<never>((_resolve, reject) => {
      c.on("error", (error: unknown) => reject(fail(error)));
      c.once("end", () => reject(fail({ code: "ECONNECTION" })));
    });
    broken.catch(() => undefined);
    const step = <R>(run: (done: (err: unknown, value?: R) => void) => void): Promise<R> =>
      Promise.race([
        new Promise<R>((resolve, reject) => run((err, value) => (err ? reject(fail(err)) : resolve(value as R)))),
        broken,
      ]);
    try {
      await step<void>((done) => c.connect((err) => done(err)));
      const auth = s.auth;
      if (auth) {
        setStage("login");
        await step<boolean>((done) => c.login({ user: auth.user, pass: auth.pass }, (err, ok) => done(err, ok)));
      }
      const result = await Promise.race([
        work(c, setStage).catch((error: unknown) => {
          throw error instanceof SmtpFailure ? error : fail(error);
        }),
        broken,
      ]);
      c.quit();
      return result;
    } catch (error) {
      c.close();
      throw error;
    }
  }

  #meaning(error: unknown): PublishOutcome {
    if (!(error instanceof SmtpFailure)) return { state: "unknown", reason: `press mail: ${String(error)}` };
    return smtpOutcome(error.stage, error.smtp, `${this.#server.host}:${this.#server.port}`);
  }
}

/**
 * What a failed exchange with the mail server at `where` means for the post, by how far it got, the client's
 * error code and the server's reply code (never by message text).
 */
export function smtpOutcome(stage: Stage, smtp: SmtpError, where: string): PublishOutcome {
  const answer = smtp.response ? `: ${oneLine(smtp.response)}` : "";
  const command = smtp.command && smtp.command !== "CONN" && smtp.command !== "API" ? ` to ${smtp.command}` : "";
  const code = smtp.responseCode;
  const cause = smtp.originalCode ? `${smtp.code} ${smtp.originalCode}` : (smtp.code ?? "no error code");
  // No STARTTLS, or a certificate not trusted: nothing, not even the login, went out unencrypted.
  const tlsFailed =
    smtp.command === "STARTTLS" ||
    smtp.code === "ETLS" ||
    /CERT|SIGNATURE|^ERR_TLS|^ERR_SSL/.test(smtp.originalCode ?? "");
  if (tlsFailed && stage !== "data") {
    return failed(
      "unreachable",
      `mail server ${where}: no trusted TLS connection (${cause}${answer}); nothing was sent`,
      true,
    );
  }
  if (code !== undefined && AUTH_REFUSED.has(code)) {
    return failed("unauthorized", `mail server ${where} refused the login (${code}${answer})`, false);
  }
  if (code !== undefined && code >= 400 && code < 500) {
    return failed(undefined, `mail server ${where} answered ${code}${command}${answer}; will try again`, true);
  }
  if (code !== undefined && code >= 500) {
    return failed("not_sent", `mail server ${where} refused the mail${command}${answer}`, false);
  }
  if (smtp.code === "EAUTH" || smtp.code === "ENOAUTH") {
    return failed("unauthorized", `mail server ${where} refused the login (${smtp.code})`, false);
  }
  if (stage === "data") {
    return {
      state: "unknown",
      reason: `mail server ${where}: ${cause} after the whole mail was sent, before the answer`,
    };
  }
  if (smtp.code && CONFIG_ERRORS.has(smtp.code)) {
    return failed("bad_request", `press mail cannot be sent as configured (${cause})`, false);
  }
  return failed("unreachable", `mail server ${where} not reachable (${cause}); nothing was sent`, true);
}

/** Login refused: credentials wrong, required, or too weak a mechanism (RFC 4954 §6). */
const AUTH_REFUSED: ReadonlySet<number> = new Set([530, 534, 535, 538]);

/** Refused by the client before anything was sent: retrying cannot help. */
const CONFIG_ERRORS: ReadonlySet<string> = new Set(["EENVELOPE", "EMESSAGE", "EREQUIRETLS", "ECONFIG", "ESTREAM"]);

interface Attachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

interface Mail {
  messageId: string;
  subject: string;
  text: string;
  attachments?: Attachment[];
  /** Message-ID this mail follows up. */
  thread?: string;
  urgent?: true;
  expires?: Date;
}

interface Sent {
  rejected: string[];
  responses: string[];
  serverMessageId?: string;
}

async function compose(mail: Mail, who: { from: string; recipients: string[]; replyTo?: string }): Promise<Buffer> {
  const headers: Record<string, string> = {};
  if (mail.urgent) Object.assign(headers, { "X-Priority": "1 (Highest)", Importance: "high" });
  if (mail.expires && !Number.isNaN(mail.expires.getTime())) headers.Expires = rfc5322Date(mail.expires);
  const composer = new MailComposer({
    from: who.from,
    // Several addresses are not shown to each other: they are only in the envelope.
    to: who.recipients.length === 1 ? who.recipients[0] : "undisclosed-recipients:;",
    ...(who.replyTo ? { replyTo: who.replyTo } : {}),
    subject: mail.subject,
    messageId: mail.messageId,
    ...(mail.thread ? { inReplyTo: mail.thread, references: [mail.thread] } : {}),
    text: mail.text,
    ...(mail.attachments?.length ? { attachments: mail.attachments } : {}),
    headers,
    xMailer: false,
  });
  return composer.compile().build();
}

function parseSmtpUrl(value: string): Server {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The value itself holds the password: it is never repeated in an error.
    throw new Error("SMTP_URL is not a URL (smtps://user:password@host:465 or smtp://host:587)");
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
    throw new Error("SMTP_URL must start with smtps:// (TLS) or smtp:// (STARTTLS)");
  }
  if (!url.hostname) throw new Error("SMTP_URL has no host");
  const secure = url.protocol === "smtps:";
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(user ? { auth: { user, pass } } : {}),
  };
}

/** The bare addresses of an address list ("Presse <a@b.de>, c@d.de"). */
function mailboxes(list: string): string[] {
  return addressparser(list, { flatten: true })
    .map((m) => m.address.trim())
    .filter((a) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a));
}

const isMessageId = (value: string): boolean => /^<[^<>\s@]+@[^<>\s@]+>$/.test(value);

const leftPart = (messageId: string): string => messageId.slice(1, messageId.lastIndexOf("@"));

/** Keeps what RFC 5322 allows in a Message-ID's left part. */
const atomText = (part: string): string => part.replace(/[^A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]/g, "_");

/** The first line a reader sees: the text's, else the poll's question, else the picture's description. */
function headline(post: OutboundPost): string | undefined {
  const line = plainText(post.text)
    .split("\n")
    .map((l) => l.trim())
    .find(Boolean);
  return line ?? post.poll?.question ?? post.media.find((m) => m.altText)?.altText;
}

/** At most `max` code points, cut at a word where one is near the end. */
function shorten(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const cut = chars.slice(0, max - 1).join("");
  const space = cut.lastIndexOf(" ");
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

function retractionText(post: OutboundPost | undefined): string {
  const notice = "Diese Mitteilung wird zurückgezogen und gilt nicht mehr. Bitte nicht mehr verwenden.";
  if (!post) return `${notice}\n`;
  const quoted = plainText(post.text)
    .trim()
    .split("\n")
    .map((l) => `> ${l}`.trimEnd())
    .join("\n");
  return quoted ? `${notice}\n\nZurückgezogen wurde:\n\n${quoted}\n` : `${notice}\n`;
}

const oneLine = (text: string): string => text.replace(/\s+/g, " ").trim();

function smtpFields(error: unknown): SmtpError {
  if (typeof error !== "object" || error === null) return {};
  const e = error as Record<string, unknown>;
  const fields: SmtpError = {};
  for (const key of ["code", "originalCode", "response", "command"] as const) {
    const value = e[key];
    if (typeof value === "string") fields[key] = value;
  }
  if (typeof e.responseCode === "number") fields.responseCode = e.responseCode;
  return fields;
}

function rfc5322Date(at: Date): string {
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())}`;
  return `${days[at.getUTCDay()]}, ${two(at.getUTCDate())} ${months[at.getUTCMonth()]} ${at.getUTCFullYear()} ${time} +0000`;
}

const failed = (code: OutletErrorCode | undefined, reason: string, retryable: boolean): PublishOutcome => ({
  state: "failed",
  reason,
  retryable,
  ...(code ? { code } : {}),
});
