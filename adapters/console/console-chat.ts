import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Announcement } from "../../src/announcement/announcement.ts";
import { displayName, resolvePerson, type Language, type Policy } from "../../src/policy/policy.ts";
import type { CommandInput, CommandOutcome } from "../../commands/input.ts";
import { pick, type Localized } from "../../commands/messages.ts";
import type { StaffChat } from "../staff-chat.ts";

export const CONSOLE_PLATFORM = "console";
export const CONSOLE_ROOM = "terminal";

export interface ConsoleChatOptions {
  input: Readable;
  output: Writable;
  policy: Policy;
  /** Console identity of whoever types. */
  user: string;
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
    return resolvePerson(this.#o.policy, CONSOLE_PLATFORM, userId)?.language ?? this.#o.policy.language;
  }

  #write(text: string): void {
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
    if ((this.#o.output as { isTTY?: boolean }).isTTY) this.#o.output.write(`${this.#user}> `);
  }

  async #line(raw: string, handle: (input: CommandInput) => Promise<CommandOutcome>): Promise<void> {
    let line = raw.trim();
    if (!line || COMMENT.test(line)) return;
    let actor = this.#user;
    const as = AS.exec(line);
    if (as?.[1] && as[2] !== undefined) {
      actor = as[1];
      line = as[2].trim();
    } else if (/^as\s+\S+$/i.test(line)) {
      this.#user = line.split(/\s+/)[1] ?? this.#user;
      this.#write(`(${this.#user})`);
      return;
    }
    const text = line.replace(PREFIX, "");
    const outcome = await handle({
      kind: "text",
      actor: { platform: CONSOLE_PLATFORM, userId: actor },
      origin: { platform: CONSOLE_PLATFORM, room: CONSOLE_ROOM },
      text,
    });
    const language = this.#language(actor);
    if (outcome.kind === "reply") this.#write(pick(outcome.message, language));
    if (outcome.kind === "error") this.#write(`⚠️ ${pick(outcome.message, language)}`);
  }
}

const indent = (label: string, text: string): string => `${label} ${text.split("\n").join("\n  ")}`;
