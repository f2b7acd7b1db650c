import { createInterface } from "node:readline";
import QRCode from "qrcode";
import type { Readable, Writable } from "node:stream";
import type { Announcement } from "../../src/announcement/announcement.ts";
import { displayName, languageOf, resolvePerson, type Language, type Policy } from "../../src/policy/policy.ts";
import type { CommandInput, CommandOutcome } from "../../commands/input.ts";
import { takeFlags } from "../../commands/grammar.ts";
import { errorText, pick, type Localized } from "../../commands/messages.ts";
import type { MediaItem } from "../../src/announcement/announcement.ts";
import { fail, ok, type Result } from "../../src/errors.ts";
import { revealInvisible } from "../../src/announcement/text-hygiene.ts";
import { readLocalFile, type MediaIntake } from "../media/intake.ts";
import type { StaffChat } from "../staff-chat.ts";

export const CONSOLE_PLATFORM = "console";
export const CONSOLE_ROOM = "terminal";

export interface ConsoleChatOptions {
  input: Readable;
  output: Writable;
  policy: Policy;
  /** Console identity of whoever types. */
  user: string;
  /** Takes in a file named by `--image`/`--video`; without it, attachments are refused. */
  intake?: MediaIntake;
}

const PREFIX = /^[/!]?announce(?:\s+|$)/i;
/** `# note` is a comment (for scripted sessions); `#Sperrung …` is text with a hashtag. */
const COMMENT = /^#(\s|$)/;
const AS = /^as\s+(\S+)\s+(.*)$/is;

/**
 * The terminal as a chat room: each line is a command typed by the local user;
 * `as <user> <command>` acts once as someone else, `as <user>` switches for good.
 */
export class ConsoleChat implements StaffChat {
  readonly #o: ConsoleChatOptions;
  #user: string;
  #closed = false;

  constructor(options: ConsoleChatOptions) {
    this.#o = options;
    this.#user = options.user;
  }

  get user(): string {
    return this.#user;
  }

  #language(userId: string): Language {
    return languageOf(this.#o.policy, CONSOLE_PLATFORM, userId);
  }

  /** Every line the console prints may quote what someone typed: control characters are shown, never obeyed. */
  #write(text: string): void {
    this.#writeRaw(revealInvisible(text));
  }

  /** Only for the bot's own terminal drawing (the pairing QR code's colours). */
  #writeRaw(text: string): void {
    if (!this.#closed) this.#o.output.write(`${text}\n`);
  }

  async toApprovers(message: Localized): Promise<void> {
    this.#write(indent("[Freigabe-Raum]", pick(message, this.#o.policy.language)));
  }

  async toAuthor(a: Announcement, message: Localized): Promise<void> {
    const author = this.#o.policy.people.get(a.author);
    const name = displayName(this.#o.policy, a.author);
    this.#write(indent(`[an ${name}]`, pick(message, author?.language ?? this.#o.policy.language)));
  }

  /** Reads lines until the input ends; resolves then. Lines are handled one after another. */
  async run(handle: (input: CommandInput) => Promise<CommandOutcome>): Promise<void> {
    const lines = createInterface({ input: this.#o.input, crlfDelay: Infinity, terminal: false });
    this.#prompt();
    for await (const line of lines) {
      await this.#line(line, handle);
      this.#prompt();
    }
    this.#closed = true;
  }

  #prompt(): void {
    if ((this.#o.output as { isTTY?: boolean }).isTTY) this.#o.output.write(`${revealInvisible(this.#user)}> `);
  }

  /** `--image <file>` or `--video <file>` (with `--alt "<description>"`): the console's way to attach. */
  async #attachments(raw: string): Promise<Result<{ text: string; attachments: MediaItem[] }>> {
    if (!/--(image|video|alt)\b/i.test(raw)) return ok({ text: raw, attachments: [] });
    const flags = takeFlags(raw, FILE_FLAGS, { keepUnknown: true });
    if (!flags.ok) return flags;
    const path = flags.value.values.get("image") ?? flags.value.values.get("video");
    const alt = flags.value.values.get("alt");
    if (typeof path !== "string") {
      return fail("UNEXPECTED_ARGUMENTS", { flag: "--alt", usage: '--image <file> --alt "…"' });
    }
    if (!this.#o.intake) return fail("OUTLET_CANNOT", { outlet: "console", what: "image" });
    const file = await readLocalFile(path);
    if (!file.ok) return file;
    const item = await this.#o.intake({ ...file.value, ...(typeof alt === "string" ? { altText: alt } : {}) });
    if (!item.ok) return item;
    return ok({ text: flags.value.rest, attachments: [item.value] });
  }

  async #line(raw: string, handle: (input: CommandInput) => Promise<CommandOutcome>): Promise<void> {
    let line = raw.trim();
    if (!line || COMMENT.test(line)) return;
    let actor = this.#user;
    const as = AS.exec(line);
    const switchTo = /^as\s+(\S+)$/i.exec(line)?.[1];
    const named = as?.[1] ?? switchTo;
    if (named !== undefined && !resolvePerson(this.#o.policy, CONSOLE_PLATFORM, named)) {
      const known = [...this.#o.policy.people.values()].flatMap((p) => p.identities.console ?? []).join(", ");
      const unknown = errorText({ code: "UNKNOWN_CONSOLE_USER", params: { name: named, known } });
      this.#write(`⚠️ ${pick(unknown, this.#language(this.#user))}`);
      return;
    }
    if (as?.[1] && as[2] !== undefined) {
      actor = as[1];
      line = as[2].trim();
    } else if (switchTo) {
      this.#user = switchTo;
      this.#write(`(${this.#user})`);
      return;
    }
    const language = this.#language(actor);
    const attached = await this.#attachments(line.replace(PREFIX, ""));
    if (!attached.ok) {
      this.#write(`⚠️ ${pick(errorText(attached.error), language)}`);
      return;
    }
    const { text, attachments } = attached.value;
    const outcome = await handle({
      kind: "text",
      actor: { platform: CONSOLE_PLATFORM, userId: actor },
      origin: { platform: CONSOLE_PLATFORM, room: CONSOLE_ROOM },
      text,
      ...(attachments.length ? { attachments } : {}),
    });
    if (outcome.kind === "reply") {
      this.#write(pick(outcome.message, language));
      if (outcome.qr) this.#writeRaw(await QRCode.toString(outcome.qr, { type: "terminal", small: true }));
    }
    if (outcome.kind === "error") this.#write(`⚠️ ${pick(outcome.message, language)}`);
  }
}

const FILE_FLAGS = {
  image: { takesValue: true },
  video: { takesValue: true },
  alt: { takesValue: true },
} as const;

const indent = (label: string, text: string): string => `${label} ${text.split("\n").join("\n  ")}`;
