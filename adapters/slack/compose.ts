import { codePoints, LIMITS } from "../../src/announcement/content.ts";
import type { Language } from "../../src/policy/policy.ts";
import { parseWhen } from "../../commands/dates.ts";
import { errorText, pick } from "../../commands/messages.ts";
import { checkedValues, filesOf, inputValue, type SlackFile, type ViewSubmission } from "./payloads.ts";

/** What a submitted compose form asks for, as command text plus the literal body. */
export interface ComposedCommand {
  text: string;
  body?: string;
  file?: SlackFile;
  altText?: string;
}

/** Errors to show next to the form's fields, by block id (Slack's `response_action: "errors"`). */
export type FieldErrors = Record<string, string>;

const PAIRS: readonly [string, string][] = [
  ['"', '"'],
  ["„", "“"],
  ["«", "»"],
  ["'", "'"],
];

/** Quotes a value for the command grammar with a pair it does not contain; undefined when none fits. */
export function quoteWord(value: string): string | undefined {
  const pair = PAIRS.find(([, close]) => !value.includes(close));
  return pair ? `${pair[0]}${value}${pair[1]}` : undefined;
}

/**
 * Turns a compose-form submission into a command for the core grammar, or into field errors.
 * Only what can be checked without the store is checked here (Slack wants the answer within 3 s);
 * the core checks the rest and the bot answers in the chat.
 */
export function composeCommand(
  view: ViewSubmission["view"],
  now: Date,
  timeZone: string,
  language: Language,
): { ok: true; value: ComposedCommand } | { ok: false; errors: FieldErrors } {
  const say = (de: string, en: string) => (language === "de" ? de : en);
  const errors: FieldErrors = {};
  const text = inputValue(view, "text")?.trim();
  const question = inputValue(view, "poll_question")?.trim();
  const options = (inputValue(view, "poll_options") ?? "")
    .split("\n")
    .map((o) => o.trim())
    .filter(Boolean);
  const template = inputValue(view, "template");
  const templateValues = inputValue(view, "template_values")?.trim() ?? "";
  const category = inputValue(view, "category");
  const date = inputValue(view, "date");
  const time = inputValue(view, "time");
  const flags = checkedValues(view, "flags");
  const [file, ...moreFiles] = filesOf(view, "media");
  const altText = inputValue(view, "alt")?.trim();
  /** A proposed message's own picture travels in the form's metadata, not in its file field. */
  const proposedFile = /"file"\s*:/.test(view.private_metadata);

  const given = [text, question, template].filter(Boolean).length;
  if (given === 0) {
    errors.text = say(
      "Bitte einen Text, eine Umfrage oder eine Vorlage angeben.",
      "Please give a text, a poll or a template.",
    );
  }
  if (given > 1) {
    errors[question ? "poll_question" : "template"] = say(
      "Entweder Text, Umfrage oder Vorlage – nicht mehrere zugleich.",
      "Either a text, a poll or a template – not several at once.",
    );
  }
  if (text && codePoints(text) > LIMITS.text) {
    errors.text = say(`Höchstens ${LIMITS.text} Zeichen.`, `At most ${LIMITS.text} characters.`);
  }
  if (question && (options.length < LIMITS.pollOptionsMin || options.length > LIMITS.pollOptionsMax)) {
    errors.poll_options = say(
      `Eine Umfrage braucht ${LIMITS.pollOptionsMin} bis ${LIMITS.pollOptionsMax} Antworten, eine pro Zeile.`,
      `A poll needs ${LIMITS.pollOptionsMin} to ${LIMITS.pollOptionsMax} options, one per line.`,
    );
  }
  if (!question && options.length) {
    errors.poll_question = say("Die Umfrage braucht eine Frage.", "The poll needs a question.");
  }
  if (question && file) errors.media = say("Eine Umfrage kann kein Bild tragen.", "A poll cannot carry a picture.");
  if (moreFiles.length) errors.media = say("Nur eine Datei pro Meldung.", "Only one file per announcement.");
  if (!file && !proposedFile && altText)
    errors.alt = say("Die Beschreibung gehört zu einem Bild.", "The description belongs to a picture.");
  if ((file || proposedFile) && !altText && !flags.includes("no_description")) {
    errors.alt = say(
      "Bitte beschreiben, was zu sehen ist – oder „Bild bewusst ohne Beschreibung“ ankreuzen.",
      "Please describe what it shows – or tick “Picture without a description, on purpose”.",
    );
  }
  if (!template && templateValues) {
    errors.template_values = say("Bitte auch die Vorlage wählen.", "Please choose the template too.");
  }
  if (Boolean(date) !== Boolean(time)) {
    errors[date ? "time" : "date"] = say("Bitte Datum und Uhrzeit angeben.", "Please give both date and time.");
  }
  const at = date && time ? `${date} ${time}` : undefined;
  if (at) {
    const when = parseWhen(at, now, timeZone);
    if (!when.ok && when.error.code === "DATE_DOES_NOT_EXIST") errors.time = pick(errorText(when.error), language);
    else if (!when.ok)
      errors.time = say("Diese Uhrzeit gibt es an dem Tag nicht.", "That time does not exist on that day.");
    else if (when.value.getTime() <= now.getTime()) {
      errors.time = say("Der Zeitpunkt liegt in der Vergangenheit.", "That moment has passed.");
    }
  }
  const words: string[] = [];
  const quoted = (field: string, value: string) => {
    const q = quoteWord(value);
    if (q === undefined)
      errors[field] = say(
        "Bitte nicht alle Arten von Anführungszeichen mischen.",
        "Please do not mix every kind of quotation mark.",
      );
    return q ?? "";
  };
  if (question) words.push("poll", quoted("poll_question", question), ...options.map((o) => quoted("poll_options", o)));
  if (template) words.push(`--template ${template}`, templateValues);
  if (category) words.push(`--category ${category}`);
  const outlets = checkedValues(view, "outlets");
  if (outlets.length) words.push(`--to ${outlets.join(",")}`);
  if (at) words.push(`--at "${at}"`);
  if (flags.includes("urgent")) words.push("--urgent");
  if (flags.includes("handoff")) words.push("--handoff");
  if ((file || proposedFile) && flags.includes("no_description")) words.push("--no-description");
  if (question && flags.includes("multiple")) words.push("--multiple");
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      text: words.filter(Boolean).join(" "),
      ...(text && !template && !question ? { body: text } : {}),
      ...(file ? { file } : {}),
      ...(altText ? { altText } : {}),
    },
  };
}
