import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerSession } from "smtp-server";

/**
 * A real SMTP server on 127.0.0.1 (the `smtp-server` package, which speaks RFC 5321 and RFC 4954 itself: it refuses
 * AUTH before TLS, mail before login, DATA before a recipient), scriptable to refuse, fail or drop.
 */

const tlsFile = (name: string) => readFileSync(new URL(`./tls/${name}`, import.meta.url), "utf8");

/** A self-signed test certificate for localhost and 127.0.0.1 (test only; its key is in the repository). */
export const TEST_CA = tlsFile("smtp-test-cert.pem");

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  /** Who logged in, if anyone. */
  user?: string;
  /** The session was encrypted (TLS from the start or after STARTTLS). */
  secure: boolean;
  /** The server answered 250: the mail is on its way. */
  accepted: boolean;
}

export interface FakeSmtpOptions {
  /** The only login it takes; without, it takes mail from anyone (an internal relay). */
  login?: { user: string; pass: string };
  /** "implicit": TLS from the start (port 465 style); "starttls": offers STARTTLS; "none": plain only. */
  tls?: "implicit" | "starttls" | "none";
}

interface Refusal {
  code: number;
  text: string;
}

const refusal = (r: Refusal): Error & { responseCode: number } =>
  Object.assign(new Error(r.text), { responseCode: r.code });

export class FakeSmtp {
  /** Every mail whose data arrived completely, accepted or not. */
  readonly mails: ReceivedMail[] = [];
  /** Recipients asked for by RCPT TO, in order, refused ones too. */
  readonly recipientsAsked: string[] = [];
  /** Logins tried, with the password given. */
  readonly logins: { user: string; pass: string }[] = [];
  readonly socketErrors: string[] = [];
  readonly #server: SMTPServer;
  readonly #refusedRecipients = new Map<string, Refusal>();
  #dataAnswer: Refusal | "drop" | "hang" | undefined;
  #failLogin: Refusal | undefined;
  #port = 0;

  readonly options: FakeSmtpOptions;

  private constructor(options: FakeSmtpOptions) {
    this.options = options;
    const mode = options.tls ?? "none";
    this.#server = new SMTPServer({
      secure: mode === "implicit",
      hideSTARTTLS: mode === "none",
      key: tlsFile("smtp-test-key.pem"),
      cert: TEST_CA,
      authOptional: options.login === undefined,
      disabledCommands: [...(mode === "none" ? ["STARTTLS"] : []), ...(options.login ? [] : ["AUTH"])],
      disableReverseLookup: true,
      logger: false,
      onAuth: (auth, _session, callback) => {
        const given = { user: auth.username ?? "", pass: auth.password ?? "" };
        this.logins.push(given);
        const wanted = this.options.login;
        if (this.#failLogin) return callback(refusal(this.#failLogin));
        if (!wanted || given.user !== wanted.user || given.pass !== wanted.pass) {
          return callback(refusal({ code: 535, text: "5.7.8 Authentication credentials invalid" }));
        }
        callback(null, { user: given.user });
      },
      onRcptTo: (address, _session, callback) => {
        this.recipientsAsked.push(address.address);
        const refused = this.#refusedRecipients.get(address.address.toLowerCase());
        callback(refused ? refusal(refused) : null);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          const answer = this.#dataAnswer;
          const mail = this.#record(session, Buffer.concat(chunks), answer === undefined);
          if (answer === "drop") {
            // The session's own (topmost) socket: tearing a TLS wrap down from below crashes Node.
            for (const c of this.#server.connections) if (c.session.id === session.id) c._socket.destroy();
          } else if (answer === "hang") {
            // Never answers: the client's time limit ends the wait.
          } else if (answer) {
            callback(refusal(answer));
          } else {
            callback(null, `2.0.0 Ok: queued as ${this.mails.indexOf(mail) + 1}`);
          }
        });
      },
    });
    // A client that hangs up mid-session is a socket error to the server, not a failure of the fake.
    this.#server.on("error", (error: Error) => this.socketErrors.push(error.message));
  }

  static async start(options: FakeSmtpOptions = {}): Promise<FakeSmtp> {
    const fake = new FakeSmtp(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, "127.0.0.1", resolve));
    fake.#port = (fake.#server.server.address() as AddressInfo).port;
    return fake;
  }

  get port(): number {
    return this.#port;
  }

  /** The mails the server accepted. */
  get accepted(): ReceivedMail[] {
    return this.mails.filter((m) => m.accepted);
  }

  /** An SMTP_URL for this server, with the given login (percent-encoded as a URL needs it). */
  url(login?: { user: string; pass: string }): string {
    const scheme = this.options.tls === "implicit" ? "smtps" : "smtp";
    const auth = login ? `${encodeURIComponent(login.user)}:${encodeURIComponent(login.pass)}@` : "";
    return `${scheme}://${auth}127.0.0.1:${this.#port}`;
  }

  /** RCPT TO this address is answered with `code text`. */
  refuseRecipient(address: string, code: number, text: string): void {
    this.#refusedRecipients.set(address.toLowerCase(), { code, text });
  }

  /** The final answer to the message data, instead of 250. */
  refuseData(code: number, text: string): void {
    this.#dataAnswer = { code, text };
  }

  /** The message data is answered with 250 again (after `refuseData`, `dropAfterData` or `hangAfterData`). */
  acceptData(): void {
    this.#dataAnswer = undefined;
  }

  /** Takes the whole message, then closes the connection without an answer. */
  dropAfterData(): void {
    this.#dataAnswer = "drop";
  }

  /** Takes the whole message and never answers. */
  hangAfterData(): void {
    this.#dataAnswer = "hang";
  }

  /** Every login is refused with `code text`, the right password too. */
  failLogin(code: number, text: string): void {
    this.#failLogin = { code, text };
  }

  async close(): Promise<void> {
    for (const connection of this.#server.connections) connection.close();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #record(session: SMTPServerSession, raw: Buffer, accepted: boolean): ReceivedMail {
    const { mailFrom, rcptTo } = session.envelope;
    const mail: ReceivedMail = {
      from: mailFrom ? mailFrom.address : "",
      to: rcptTo.map((r) => r.address),
      raw,
      ...(typeof session.user === "string" ? { user: session.user } : {}),
      secure: session.secure,
      accepted,
    };
    this.mails.push(mail);
    return mail;
  }
}
