import type { Person, Policy } from "../src/policy/policy.ts";
import type { AnnouncementService } from "../src/announcement/service.ts";
import type { Clock } from "../src/ports/clock.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { ChannelAdmin } from "../src/ports/channel-admin.ts";
import type { CommandInput, CommandOutcome } from "./input.ts";
import { L, type Localized } from "./messages.ts";
import * as handlers from "./handlers.ts";
import * as warningCommands from "./warnings.ts";
import type { WarningWatcher } from "../src/warnings/watcher.ts";

export interface CommandDeps {
  service: AnnouncementService;
  policy: Policy;
  clock: Clock;
  log: Logger;
  /** The WhatsApp gateway, where one is configured. */
  channel?: ChannelAdmin;
  /** The official-warnings watcher, where NINA_ARS is set. */
  warnings?: Pick<WarningWatcher, "current" | "serviceDown" | "relay" | "dismiss">;
}

export interface CommandContext extends CommandDeps {
  person: Person;
  input: Extract<CommandInput, { kind: "text" }>;
  /** What follows the command word. */
  rest: string;
}

export type Handler = (ctx: CommandContext) => Promise<CommandOutcome>;

export interface CommandSpec {
  usage: string;
  summary: Localized;
  aliases: readonly string[];
  run: Handler;
}

/** The one table that drives dispatch and help. `announce` is what any other text means. */
export const COMMANDS = {
  announce: {
    usage:
      'announce <Text> | --template <Name> name="Wert" … [--category <Kategorie>] [--at <Zeitpunkt>] [--expires <Zeitpunkt>] [--urgent] [--handoff] [--now] [--alt "<Bildbeschreibung>"] [--no-description] [--to <Kanal,…>] [--not <Kanal,…>]',
    summary: L("Meldung entwerfen und zur Freigabe stellen", "Draft an announcement and ask for approval"),
    aliases: ["--"],
    run: handlers.announce,
  },
  poll: {
    usage: 'poll "<Frage>" "<Antwort 1>" "<Antwort 2>" … [--multiple] [--category <Kategorie>] [--at <Zeitpunkt>]',
    summary: L("Umfrage (2–12 Antworten) entwerfen", "Draft a poll (2–12 options)"),
    aliases: ["umfrage"],
    run: handlers.poll,
  },
  status: {
    usage: "status A-0042",
    summary: L("Stand einer Meldung mit Vorschau", "State of one announcement, with preview"),
    aliases: [],
    run: handlers.status,
  },
  list: {
    usage: "list",
    summary: L("Offene Meldungen", "Open announcements"),
    aliases: ["liste"],
    run: handlers.list,
  },
  edit: {
    usage: "edit A-0042 <neuer Text>",
    summary: L("Text ändern (neue Fassung, Freigaben verfallen)", "Change the text (new version, approvals void)"),
    aliases: ["bearbeiten"],
    run: handlers.edit,
  },
  withdraw: {
    usage: "withdraw A-0042 <Grund>",
    summary: L("Meldung vor der Veröffentlichung zurückziehen", "Withdraw before publication"),
    aliases: ["zurückziehen"],
    run: handlers.withdraw,
  },
  approve: {
    usage: "approve A-0042 [v2]",
    summary: L("Freigeben (wie ✅ auf der Vorschau)", "Approve (like ✅ on the preview)"),
    aliases: ["freigeben", "ok"],
    run: handlers.approve,
  },
  reject: {
    usage: "reject A-0042 [v2] <Grund>",
    summary: L("Ablehnen, mit Grund für die Autorin oder den Autor", "Reject, with a reason for the author"),
    aliases: ["ablehnen"],
    run: handlers.reject,
  },
  posted: {
    usage: "posted A-0042 [Kanal]",
    summary: L(
      "Bestätigen: von Hand veröffentlicht (warten mehrere Kanäle, den Kanal nennen, z. B. telegram)",
      "Confirm: posted by hand (where several outlets wait, name the outlet, e.g. telegram)",
    ),
    aliases: ["gepostet", "veröffentlicht"],
    run: handlers.posted,
  },
  correct: {
    usage: "correct A-0042 <neuer Text>",
    summary: L(
      "Veröffentlichte Meldung korrigieren (braucht Freigabe; bis 30 Tage)",
      "Correct a published announcement (needs approval; up to 30 days)",
    ),
    aliases: ["korrigieren"],
    run: handlers.correct,
  },
  retract: {
    usage: "retract A-0042 <Grund>",
    summary: L(
      "Veröffentlichte Meldung überall löschen (braucht Freigabe)",
      "Delete a published announcement everywhere (needs approval)",
    ),
    aliases: ["löschen"],
    run: handlers.retract,
  },
  history: {
    usage: "history [A-0042]",
    summary: L("Verlauf mit allen Schritten", "History of every step"),
    aliases: ["verlauf"],
    run: handlers.history,
  },
  template: {
    usage: "template list | template show <Name> | template approve <Name>",
    summary: L(
      "Vorlagen ansehen; geänderte Vorlage freigeben (Leitung)",
      "See templates; approve a changed template (department heads)",
    ),
    aliases: ["vorlage", "vorlagen"],
    run: handlers.template,
  },
  update: {
    usage: "update A-0042 <Text>",
    summary: L("Update zu einer veröffentlichten Lage (verknüpft)", "Update to a published incident (linked)"),
    aliases: [],
    run: handlers.update,
  },
  allclear: {
    usage: "allclear A-0042 <Text>",
    summary: L("Entwarnung: schließt die Lage ab", "All-clear: closes the incident"),
    aliases: ["entwarnung"],
    run: handlers.allclear,
  },
  crisis: {
    usage: "crisis on | crisis off | crisis status",
    summary: L(
      "Krisenmodus: geplante Routine-Meldungen anhalten (Freigebende)",
      "Crisis mode: hold routine scheduled posts (approvers)",
    ),
    aliases: ["krisenmodus"],
    run: handlers.crisis,
  },
  exercise: {
    usage: "exercise on | exercise off | exercise status",
    summary: L(
      "Übungsmodus: alles in den Test-Kanal, als Übung markiert (Freigebende)",
      "Exercise mode: everything to the test channel, marked as an exercise (approvers)",
    ),
    aliases: ["übungsmodus"],
    run: handlers.exercise,
  },
  review: {
    usage: "review A-0042 ok | review A-0042 flag <Notiz>",
    summary: L(
      "Im Bereitschaftsdienst veröffentlichte Meldung nachprüfen (Leitung)",
      "Review an announcement published on duty (department heads)",
    ),
    aliases: ["prüfen"],
    run: handlers.review,
  },
  whatsapp: {
    usage: "whatsapp status | whatsapp pair <Telefonnummer> | whatsapp qr",
    summary: L(
      "Verbindung zum WhatsApp-Kanal prüfen; neu koppeln (nur Admins)",
      "Check the WhatsApp link; pair it again (admins only)",
    ),
    aliases: [],
    run: handlers.whatsapp,
  },
  warnings: {
    usage: "warnings",
    summary: L(
      "Amtliche Warnungen (NINA) für den Landkreis und ihr Stand",
      "Official warnings (NINA) for the district and their state",
    ),
    aliases: ["warnungen"],
    run: warningCommands.warnings,
  },
  relay: {
    usage: "relay W-0007",
    summary: L(
      "Amtliche Warnung (oder ihr Update, ihre Entwarnung) als Meldung weitergeben",
      "Relay an official warning (or its update, its all-clear) as an announcement",
    ),
    aliases: ["weitergeben"],
    run: warningCommands.relay,
  },
  dismiss: {
    usage: "dismiss W-0007",
    summary: L(
      "Amtliche Warnung ignorieren (mit Namen vermerkt)",
      "Dismiss an official warning (recorded with your name)",
    ),
    aliases: ["ignorieren"],
    run: warningCommands.dismiss,
  },
  help: {
    usage: "help",
    summary: L("Diese Hilfe", "This help"),
    aliases: ["hilfe", "?"],
    run: handlers.help,
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export function lookup(word: string): { name: CommandName; spec: CommandSpec } | undefined {
  const w = word.toLowerCase();
  for (const [name, spec] of Object.entries(COMMANDS) as [CommandName, CommandSpec][]) {
    if (name === w || spec.aliases.includes(w)) return { name, spec };
  }
  return undefined;
}

/** What an input asks for, by name (for logs): the command word, a button's command, or "reaction". */
export function actionOf(input: CommandInput): string {
  if (input.kind === "action") return input.action.command;
  if (input.kind === "reaction") return "reaction";
  return lookup(/^\S+/.exec(input.text.trim())?.[0] ?? "")?.name ?? "announce";
}
