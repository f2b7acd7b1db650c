import type { AnnouncementState } from "../src/announcement/announcement.ts";
import type { DomainError, ErrorCode, ErrorParams } from "../src/errors.ts";
import type { Language } from "../src/policy/policy.ts";
import type { EngineAbility, EngineFeature, EngineReport } from "../src/ports/channel-admin.ts";
import type { Localized } from "../src/ports/localized.ts";
import { revealInvisible } from "../src/announcement/text-hygiene.ts";
import { outletName } from "../src/announcement/outlets.ts";
import { formatWallTime } from "../src/time/zoned.ts";

/** Every text a person reads exists in German and English. */
export type { Localized };

export const L = (de: string, en: string): Localized => ({ de, en });

export const pick = (text: Localized, language: Language): string => text[language];

export const joinLocalized = (parts: readonly Localized[], separator = "\n"): Localized =>
  L(parts.map((p) => p.de).join(separator), parts.map((p) => p.en).join(separator));

export const STATE_LABELS = {
  draft: L("Entwurf", "draft"),
  pending: L("wartet auf Freigabe", "awaiting approval"),
  approved: L("freigegeben", "approved"),
  scheduled: L("geplant", "scheduled"),
  publishing: L("wird veröffentlicht", "publishing"),
  published: L("veröffentlicht", "published"),
  rejected: L("abgelehnt", "rejected"),
  withdrawn: L("zurückgezogen", "withdrawn"),
  expired: L("abgelaufen (nicht rechtzeitig freigegeben)", "expired (not approved in time)"),
  failed: L("fehlgeschlagen", "failed"),
  corrected: L("korrigiert", "corrected"),
  retracted: L("gelöscht", "retracted"),
} as const satisfies Record<AnnouncementState, Localized>;

/** A parameter as shown: often the person's own input, so a control character in it is made visible. */
const s = (p: ErrorParams | undefined, key: string): string => revealInvisible(String(p?.[key] ?? ""));

/** Where in the input, for a sentence that starts with it: "Im Text", "In Antwort 2 der Umfrage". */
function where(p: ErrorParams | undefined): Localized {
  switch (s(p, "field")) {
    case "pollQuestion":
      return L("In der Umfragefrage", "In the poll question");
    case "pollOption":
      return L(`In Antwort ${s(p, "number")} der Umfrage`, `In poll option ${s(p, "number")}`);
    case "description":
      return L(`In der Beschreibung von „${s(p, "file")}“`, `In the description of "${s(p, "file")}"`);
    case "reason":
      return L("Im Grund", "In the reason");
    case "note":
      return L("In der Notiz", "In the note");
    default:
      return L("Im Text", "In the text");
  }
}

/** A reason or a note is shown to staff and kept in the audit trail, never published. */
const published = (p: ErrorParams | undefined): boolean => !["reason", "note"].includes(s(p, "field"));

const lower = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1);

/** `U+001B (ESC)`, or the code alone where the character has no short name. */
const character = (p: ErrorParams | undefined): string =>
  s(p, "name") ? `${s(p, "code")} (${s(p, "name")})` : s(p, "code");

/** The time in the params (`at`: ISO instant, `timeZone`: the policy's), with what was typed (`value`) if given. */
function time(p: ErrorParams | undefined, language: "de" | "en"): string {
  const at = new Date(s(p, "at"));
  const zone = s(p, "timeZone");
  const shown = zone && !Number.isNaN(at.getTime()) ? formatWallTime(at, zone, language) : s(p, "at");
  const typed = s(p, "value");
  if (!typed) return shown;
  return language === "de" ? `„${typed}“ (${shown})` : `"${typed}" (${shown})`;
}

const ERROR_TEXTS = {
  EMPTY_TEXT: (p) =>
    s(p, "invisible")
      ? L(
          `Der Text besteht nur aus unsichtbaren Zeichen (z. B. ${s(p, "invisible")}) und ist damit leer. Beispiel: \`announce Hauptstraße ab Montag gesperrt.\``,
          `The text consists of invisible characters only (e.g. ${s(p, "invisible")}), so it is empty. Example: \`announce Main street closed from Monday.\``,
        )
      : L(
          "Die Meldung hat keinen Text. Beispiel: `announce Hauptstraße ab Montag gesperrt.`",
          "The announcement has no text. Example: `announce Main street closed from Monday.`",
        ),
  TEXT_TOO_LONG: (p) =>
    L(
      `Der Text ist ${s(p, "length")} Zeichen lang, erlaubt sind ${s(p, "max")}. Bitte um ${s(p, "over")} Zeichen kürzen.`,
      `The text is ${s(p, "length")} characters long; the limit is ${s(p, "max")}. Please cut ${s(p, "over")} characters.`,
    ),
  CAPTION_TOO_LONG: (p) =>
    L(
      `Mit Bild oder Video darf der Text höchstens ${s(p, "max")} Zeichen haben; er hat ${s(p, "length")}.`,
      `With a picture or video the text may have at most ${s(p, "max")} characters; it has ${s(p, "length")}.`,
    ),
  INSECURE_LINK: (p) =>
    L(
      `Der Link ${s(p, "url")} ist unverschlüsselt. Bitte nur https://-Links verwenden.`,
      `The link ${s(p, "url")} is not encrypted. Please use https:// links only.`,
    ),
  UNSAFE_LINK: (p) => {
    const label = s(p, "label");
    const at = where(p);
    return L(
      `Der Link ${label ? `„${label}“ ` : ""}${lower(at.de)} führt zu „${s(p, "url")}“. Veröffentlicht werden nur Links mit https:// (dazu mailto: und tel:). Bitte die https://-Adresse selbst angeben.`,
      `The link ${label ? `"${label}" ` : ""}${lower(at.en)} leads to "${s(p, "url")}". Only https:// links are published (and mailto: and tel:). Please give the https:// address itself.`,
    );
  },
  CONTROL_CHARACTER: (p) => {
    const at = where(p);
    const fate = published(p)
      ? L(
          "Es würde so veröffentlicht und kann die Anzeige verfälschen.",
          "It would be published as it is and can garble the display.",
        )
      : L(
          "Es würde so gespeichert und weitergegeben und kann die Anzeige verfälschen.",
          "It would be stored and passed on as it is and can garble the display.",
        );
    return L(
      `${at.de} steht an Stelle ${s(p, "position")} das unsichtbare Steuerzeichen ${character(p)}: „${s(p, "near")}“. ${fate.de} Bitte entfernen – oft hilft es, die Stelle neu zu tippen statt sie einzufügen.`,
      `${at.en} there is the invisible control character ${character(p)} at position ${s(p, "position")}: "${s(p, "near")}". ${fate.en} Please remove it – retyping the spot instead of pasting it often helps.`,
    );
  },
  BIDI_CONTROL: (p) => {
    const at = where(p);
    const real = published(p) ? L("veröffentlicht wird", "what is published") : L("gespeichert ist", "what is stored");
    return L(
      `${at.de} steht an Stelle ${s(p, "position")} das unsichtbare Schreibrichtungszeichen ${character(p)}: „${s(p, "near")}“. Es ändert die Richtung, in der der Text angezeigt wird, sodass er – auch in der Vorschau – anders aussieht, als er ${real.de}. Bitte entfernen.`,
      `${at.en} there is the invisible text-direction control ${character(p)} at position ${s(p, "position")}: "${s(p, "near")}". It changes the direction the text is shown in, so it looks – in the preview too – different from ${real.en}. Please remove it.`,
    );
  },
  POLL_QUESTION_MISSING: () =>
    L(
      'Die Umfrage braucht eine Frage: `announce poll "Frage?" "Antwort 1" "Antwort 2"`',
      'The poll needs a question: `announce poll "Question?" "Answer 1" "Answer 2"`',
    ),
  POLL_QUESTION_TOO_LONG: (p) =>
    L(
      `Die Umfragefrage hat ${s(p, "length")} Zeichen, erlaubt sind ${s(p, "max")}.`,
      `The poll question has ${s(p, "length")} characters; the limit is ${s(p, "max")}.`,
    ),
  POLL_TOO_FEW_OPTIONS: (p) =>
    L(
      `Eine Umfrage braucht mindestens ${s(p, "min")} Antworten, angegeben: ${s(p, "count")}.`,
      `A poll needs at least ${s(p, "min")} options; given: ${s(p, "count")}.`,
    ),
  POLL_TOO_MANY_OPTIONS: (p) =>
    L(
      `Eine Umfrage darf höchstens ${s(p, "max")} Antworten haben, angegeben: ${s(p, "count")}.`,
      `A poll may have at most ${s(p, "max")} options; given: ${s(p, "count")}.`,
    ),
  POLL_OPTION_TOO_LONG: (p) =>
    L(
      `Die Antwort „${s(p, "option")}“ ist zu lang (höchstens ${s(p, "max")} Zeichen).`,
      `The option "${s(p, "option")}" is too long (at most ${s(p, "max")} characters).`,
    ),
  POLL_DUPLICATE_OPTION: (p) =>
    L(
      `Die Antwort „${s(p, "option")}“ steht doppelt in der Umfrage.`,
      `The option "${s(p, "option")}" appears twice in the poll.`,
    ),
  POLL_EMPTY_OPTION: (p) =>
    s(p, "number")
      ? L(`Antwort ${s(p, "number")} der Umfrage ist leer.`, `Poll option ${s(p, "number")} is empty.`)
      : L("Eine Antwort der Umfrage ist leer.", "One of the poll options is empty."),
  MEDIA_TYPE_NOT_ALLOWED: (p) =>
    L(
      `Die Datei „${s(p, "name")}“ (${p?.type === undefined ? "unbekanntes Format" : s(p, "type")}) kann nicht veröffentlicht werden. Erlaubt: JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF (wird zu JPEG), MP4.`,
      `The file "${s(p, "name")}" (${p?.type === undefined ? "unknown format" : s(p, "type")}) cannot be published. Allowed: JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF (converted to JPEG), MP4.`,
    ),
  MEDIA_TOO_LARGE: (p) =>
    p?.moreThanMb === undefined
      ? L(
          `Die Datei „${s(p, "name")}“ ist ${s(p, "mb")} MB groß, erlaubt sind ${s(p, "maxMb")} MB.`,
          `The file "${s(p, "name")}" is ${s(p, "mb")} MB; the limit is ${s(p, "maxMb")} MB.`,
        )
      : L(
          `Die Datei „${s(p, "name")}“ ist größer als ${s(p, "moreThanMb")} MB und wurde nicht ganz gelesen; erlaubt sind ${s(p, "maxMb")} MB.`,
          `The file "${s(p, "name")}" is larger than ${s(p, "moreThanMb")} MB and was not read to the end; the limit is ${s(p, "maxMb")} MB.`,
        ),
  TOO_MANY_MEDIA: (p) =>
    L(
      `Ein Kanal-Beitrag trägt ein Bild oder ein Video, hier sind es ${s(p, "count")}. Bitte eines wählen oder mehrere Meldungen schreiben.`,
      `A channel post carries one picture or video; here there are ${s(p, "count")}. Please pick one or write several announcements.`,
    ),
  MEDIA_DESCRIPTION_MISSING: (p) =>
    L(
      `${s(p, "count")} Bild(er) oder Video(s) ohne Beschreibung. Blinde und sehbehinderte Menschen erfahren sonst nicht, was zu sehen ist; WhatsApp zeigt die Beschreibung in der Bildunterschrift. Bitte mit \`--alt "Was zu sehen ist"\` beschreiben, oder bewusst ohne: \`--no-description\`. Noch ist nichts angelegt.`,
      `${s(p, "count")} picture(s) or video(s) without a description. Blind and partially sighted people will not learn what they show; WhatsApp shows the description in the caption. Please describe with \`--alt "What it shows"\`, or go on without on purpose: \`--no-description\`. Nothing is drafted yet.`,
    ),
  MEDIA_DESCRIPTION_REQUIRED: (p) =>
    L(
      `In der Kategorie „${s(p, "category")}“ braucht jedes Bild und Video eine Beschreibung: \`--alt "Was zu sehen ist"\`. Noch ist nichts angelegt.`,
      `In the category "${s(p, "category")}" every picture and video needs a description: \`--alt "What it shows"\`. Nothing is drafted yet.`,
    ),
  EMPTY_DESCRIPTION: (p) =>
    L(
      `Die Beschreibung von „${s(p, "name")}“ besteht nur aus unsichtbaren Zeichen${s(p, "invisible") ? ` (z. B. ${s(p, "invisible")})` : ""}. Bitte beschreiben, was zu sehen ist: \`--alt "Was zu sehen ist"\` – oder die Beschreibung weglassen und bewusst ohne senden: \`--no-description\`. Noch ist nichts angelegt.`,
      `The description of "${s(p, "name")}" consists of invisible characters only${s(p, "invisible") ? ` (e.g. ${s(p, "invisible")})` : ""}. Please describe what it shows: \`--alt "What it shows"\` – or leave the description out and send it without on purpose: \`--no-description\`. Nothing is drafted yet.`,
    ),
  MEDIA_DOWNLOAD_FAILED: (p) =>
    L(
      `Die Datei „${s(p, "name")}“ ließ sich nicht aus dem Chat laden. Bitte erneut anhängen.`,
      `The file "${s(p, "name")}" could not be fetched from the chat. Please attach it again.`,
    ),
  FILE_NOT_READABLE: (p) =>
    L(
      `Die Datei ${s(p, "path")} lässt sich nicht lesen (${s(p, "reason")}).`,
      `The file ${s(p, "path")} cannot be read (${s(p, "reason")}).`,
    ),
  NOT_A_REGULAR_FILE: (p) => {
    const kind =
      {
        directory: L("ein Ordner", "a folder"),
        device: L("ein Gerät", "a device"),
        fifo: L("eine Pipe (FIFO)", "a pipe (FIFO)"),
        socket: L("ein Socket", "a socket"),
      }[s(p, "kind")] ?? L("keine gewöhnliche Datei", "not an ordinary file");
    return L(
      `„${s(p, "path")}“ ist ${kind.de}, keine Bild- oder Videodatei; es wurde nichts gelesen. Bitte eine Datei angeben, z. B. \`--image ./plakat.jpg\`.`,
      `"${s(p, "path")}" is ${kind.en}, not a picture or video file; nothing was read. Please name a file, e.g. \`--image ./poster.jpg\`.`,
    );
  },
  POLL_WITH_MEDIA: () =>
    L(
      "Eine Umfrage kann kein Bild oder Video tragen. Bitte getrennt veröffentlichen.",
      "A poll cannot carry a picture or video. Please publish them separately.",
    ),
  UNKNOWN_CATEGORY: (p) =>
    L(
      `Die Kategorie „${s(p, "category")}“ gibt es nicht. Möglich: ${s(p, "known")}.`,
      `There is no category "${s(p, "category")}". Available: ${s(p, "known")}.`,
    ),
  UNKNOWN_TEMPLATE: (p) =>
    L(
      `Die Vorlage „${s(p, "template")}“ gibt es nicht. ${s(p, "known") ? `Vorhanden: ${s(p, "known")}.` : "Es sind keine Vorlagen eingerichtet."}`,
      `There is no template "${s(p, "template")}". ${s(p, "known") ? `Available: ${s(p, "known")}.` : "No templates are set up."}`,
    ),
  UNKNOWN_FLAG: (p) =>
    L(
      `Die Option ${s(p, "flag")} kenne ich nicht. Möglich: ${s(p, "known")}.`,
      `Unknown option ${s(p, "flag")}. Available: ${s(p, "known")}.`,
    ),
  FLAG_NEEDS_VALUE: (p) =>
    L(
      `Die Option ${s(p, "flag")} braucht einen Wert, z. B. ${s(p, "flag")} baustelle.`,
      `The option ${s(p, "flag")} needs a value.`,
    ),
  FLAG_REPEATED: (p) =>
    L(`Die Option ${s(p, "flag")} steht mehrfach da.`, `The option ${s(p, "flag")} is given more than once.`),
  UNPARSABLE_DATE: (p) =>
    L(
      `„${s(p, "value")}“ verstehe ich nicht als Zeitpunkt. Beispiele: "2026-06-12 08:00", "12.06.2026 08:00", "morgen 07:30".`,
      `I cannot read "${s(p, "value")}" as a time. Examples: "2026-06-12 08:00", "12.06.2026 08:00", "tomorrow 07:30".`,
    ),
  DATE_IN_PAST: (p) =>
    L(`Der Zeitpunkt ${time(p, "de")} liegt in der Vergangenheit.`, `The time ${time(p, "en")} is in the past.`),
  DATE_DOES_NOT_EXIST: (p) =>
    L(
      `„${s(p, "value")}“ gibt es nicht: Bei der Zeitumstellung springen die Uhren an diesem Tag von ${s(p, "from")} auf ${s(p, "to")} Uhr. Bitte eine Uhrzeit vor ${s(p, "from")} oder ab ${s(p, "to")} wählen.`,
      `"${s(p, "value")}" does not exist: on that day the clocks jump from ${s(p, "from")} to ${s(p, "to")} for daylight saving. Please choose a time before ${s(p, "from")} or from ${s(p, "to")} on.`,
    ),
  DATE_TOO_FAR: (p) =>
    L(
      `Der Zeitpunkt ${time(p, "de")} liegt mehr als ein Jahr in der Zukunft.`,
      `The time ${time(p, "en")} is more than a year ahead.`,
    ),
  MISSING_ID: (p) =>
    L(`Welche Meldung? Beispiel: \`${s(p, "usage")}\``, `Which announcement? Example: \`${s(p, "usage")}\``),
  INVALID_ID: (p) =>
    L(
      `„${s(p, "value")}“ ist keine Meldungsnummer. Nummern sehen so aus: A-0042.`,
      `"${s(p, "value")}" is not an announcement number. Numbers look like A-0042.`,
    ),
  UNEXPECTED_ARGUMENTS: (p) =>
    L(
      `Zu viele Angaben: „${s(p, "extra") || s(p, "flag")}“. ${s(p, "usage")}`,
      `Unexpected input: "${s(p, "extra") || s(p, "flag")}". ${s(p, "usage")}`,
    ),
  UNKNOWN_COMMAND: (p) =>
    L(
      `Den Befehl „${s(p, "command")}“ kenne ich nicht. \`help\` zeigt alle Befehle.`,
      `Unknown command "${s(p, "command")}". \`help\` lists all commands.`,
    ),
  MISSING_REASON: (p) =>
    s(p, "action") === "flag"
      ? L(
          `Bitte eine Notiz zur Beanstandung angeben: \`review ${s(p, "id")} flag <Notiz>\``,
          `Please add a note to the flag: \`review ${s(p, "id")} flag <note>\``,
        )
      : s(p, "action") === "retract"
        ? L(
            `Bitte einen Grund für die Löschung angeben: \`retract ${s(p, "id")} <Grund>\``,
            `Please give a reason for the retraction: \`retract ${s(p, "id")} <reason>\``,
          )
        : s(p, "action") === "withdraw"
          ? L(
              `Bitte einen Grund angeben: \`withdraw ${s(p, "id")} <Grund>\``,
              `Please give a reason: \`withdraw ${s(p, "id")} <reason>\``,
            )
          : L(
              `Eine Ablehnung braucht einen Grund für die Autorin oder den Autor: \`reject ${s(p, "id")} <Grund>\``,
              `A rejection needs a reason for the author: \`reject ${s(p, "id")} <reason>\``,
            ),
  NOT_FOUND: (p) => L(`Die Meldung ${s(p, "id")} gibt es nicht.`, `There is no announcement ${s(p, "id")}.`),
  UNKNOWN_CONSOLE_USER: (p) =>
    L(
      `„${s(p, "name")}“ steht nicht in der Richtlinie. Bekannt sind: ${s(p, "known")}.`,
      `"${s(p, "name")}" is not in the policy. Known: ${s(p, "known")}.`,
    ),
  UNKNOWN_PERSON: () =>
    L(
      "Sie sind in der Richtlinie (policy) nicht eingetragen. Bitte wenden Sie sich an die IT.",
      "You are not listed in the policy. Please ask IT to add you.",
    ),
  NOT_ALLOWED_TO_DRAFT: () => L("Sie dürfen keine Meldungen anlegen.", "You are not allowed to draft announcements."),
  NOT_AN_APPROVER: (p) =>
    L(
      `Sie dürfen Meldungen der Kategorie „${s(p, "category")}“ nicht freigeben oder ablehnen.`,
      `You may not approve or reject announcements of category "${s(p, "category")}".`,
    ),
  NOT_ALLOWED_TO_CHANGE: (p) =>
    L(
      `Nur die Autorin oder der Autor und die Freigebenden dürfen ${s(p, "id")} ändern.`,
      `Only the author and the approvers may change ${s(p, "id")}.`,
    ),
  NOT_ALLOWED_TO_CONFIRM: () =>
    L("Sie dürfen keine Veröffentlichung bestätigen.", "You are not allowed to confirm a publication."),
  SELF_APPROVAL: (p) =>
    L(
      `Vier-Augen-Prinzip: Ihre eigene Meldung ${s(p, "id")} muss jemand anderes freigeben.`,
      `Four-eyes rule: someone else must approve your own announcement ${s(p, "id")}.`,
    ),
  SELF_REJECTION: (p) =>
    L(
      `Die eigene Meldung lehnt man nicht ab, man zieht sie zurück: \`withdraw ${s(p, "id")} <Grund>\``,
      `You do not reject your own announcement, you withdraw it: \`withdraw ${s(p, "id")} <reason>\``,
    ),
  ALREADY_APPROVED_BY_YOU: (p) =>
    L(
      `Sie haben ${s(p, "id")} in dieser Fassung schon freigegeben.`,
      `You have already approved this version of ${s(p, "id")}.`,
    ),
  NO_APPROVAL_TO_REVOKE: (p) =>
    L(
      `Sie haben ${s(p, "id")} in dieser Fassung nicht freigegeben.`,
      `You have not approved this version of ${s(p, "id")}.`,
    ),
  STALE_VERSION: (p) =>
    L(
      `${s(p, "id")} wurde inzwischen geändert: Sie haben Fassung ${s(p, "given")} gesehen, aktuell ist Fassung ${s(p, "current")}. Bitte die neue Vorschau prüfen.`,
      `${s(p, "id")} has changed since: you saw version ${s(p, "given")}, the current one is ${s(p, "current")}. Please check the new preview.`,
    ),
  INVALID_STATE: (p) => {
    const state = STATE_LABELS[s(p, "state") as AnnouncementState] ?? L(s(p, "state"), s(p, "state"));
    return L(
      `Das geht nicht: ${s(p, "id")} hat den Stand „${state.de}“.`,
      `Not possible: ${s(p, "id")} is in state "${state.en}".`,
    );
  },
  UNCHANGED_CONTENT: (p) =>
    L(`Der neue Text von ${s(p, "id")} ist unverändert.`, `The new text of ${s(p, "id")} is unchanged.`),
  NOTHING_TO_CONFIRM: (p) =>
    L(
      `Bei ${s(p, "id")} wartet keine Veröffentlichung auf Bestätigung.`,
      `${s(p, "id")} has no publication waiting for confirmation.`,
    ),
  NOTHING_TO_CONFIRM_FOR: (p) => {
    const outlet = outletLabel(s(p, "outlet"));
    const waiting = outletList(s(p, "waiting"));
    return L(
      `Bei ${s(p, "id")} wartet für ${outlet.de} keine Veröffentlichung auf Bestätigung. Es warten: ${waiting.de}.`,
      `${s(p, "id")} has no publication on ${outlet.en} waiting for confirmation. Waiting: ${waiting.en}.`,
    );
  },
  WHICH_OUTLET_POSTED: (p) => {
    const waiting = outletList(s(p, "waiting"));
    const first = s(p, "waiting").split(",")[0] ?? "";
    return L(
      `${s(p, "id")} wartet an mehreren Stellen auf Bestätigung: ${waiting.de}. Bitte jede einzeln bestätigen, z. B. \`posted ${s(p, "id")} ${first}\`.`,
      `${s(p, "id")} waits for confirmation in several places: ${waiting.en}. Please confirm each one, e.g. \`posted ${s(p, "id")} ${first}\`.`,
    );
  },
  OUTLET_CANNOT: (p) => {
    const what =
      {
        poll: L("Umfragen", "polls"),
        image: L("Bilder", "pictures"),
        video: L("Videos", "videos"),
      }[s(p, "what")] ?? L(s(p, "what"), s(p, "what"));
    const outlet = outletLabel(s(p, "outlet"));
    return L(
      `${capitalised(outlet.de)} kann keine ${what.de} veröffentlichen. Bitte ohne versuchen, oder ${outlet.de} weglassen (\`--not ${s(p, "outlet")}\`).`,
      `${capitalised(outlet.en)} cannot publish ${what.en}. Please try without, or leave ${outlet.en} out (\`--not ${s(p, "outlet")}\`).`,
    );
  },
  UNKNOWN_OUTLET: (p) =>
    L(
      `Einen Kanal „${s(p, "outlet")}“ gibt es hier nicht. Eingerichtet: ${s(p, "known")}.`,
      `There is no outlet "${s(p, "outlet")}" here. Set up: ${s(p, "known")}.`,
    ),
  NO_OUTLET_LEFT: (p) =>
    L(
      `Damit bliebe kein Kanal übrig. Eingerichtet: ${s(p, "known")}.`,
      `That leaves no outlet. Set up: ${s(p, "known")}.`,
    ),
  POLL_TOO_BIG_FOR: (p) => {
    const outlet = outletTitle(s(p, "outlet"));
    return L(
      `${outlet.de} nimmt Umfragen mit höchstens ${s(p, "maxOptions")} Antworten zu je ${s(p, "maxLength")} Zeichen; diese hat ${s(p, "options")} Antworten, die längste mit ${s(p, "longest")} Zeichen. Bitte kürzen oder ${outlet.de} weglassen (\`--not ${s(p, "outlet")}\`).`,
      `${outlet.en} takes polls of at most ${s(p, "maxOptions")} options of ${s(p, "maxLength")} characters each; this one has ${s(p, "options")}, the longest with ${s(p, "longest")} characters. Please shorten it or leave ${outlet.en} out (\`--not ${s(p, "outlet")}\`).`,
    );
  },
  TEXT_TOO_LONG_FOR: (p) => {
    const outlet = outletLabel(s(p, "outlet"));
    return L(
      `Für ${outlet.de} ist der Text zu lang: ${s(p, "length")} Zeichen, erlaubt sind ${s(p, "max")}. Bitte um ${s(p, "over")} Zeichen kürzen oder ${outlet.de} weglassen (\`--not ${s(p, "outlet")}\`).`,
      `The text is too long for ${outlet.en}: ${s(p, "length")} characters, the limit is ${s(p, "max")}. Please cut ${s(p, "over")} characters or leave ${outlet.en} out (\`--not ${s(p, "outlet")}\`).`,
    );
  },
  CHANGE_PENDING: (p) =>
    L(
      `Für ${s(p, "id")} wartet schon eine ${s(p, "kind") === "retract" ? "Löschung" : "Korrektur"}. Erst entscheiden oder zurückziehen (\`withdraw ${s(p, "id")} <Grund>\`).`,
      `${s(p, "id")} already has a ${s(p, "kind") === "retract" ? "retraction" : "correction"} waiting. Decide or withdraw it first (\`withdraw ${s(p, "id")} <reason>\`).`,
    ),
  EDIT_WINDOW_CLOSED: (p) =>
    L(
      `${s(p, "id")} ist seit ${s(p, "days")} Tagen veröffentlicht; WhatsApp erlaubt Änderungen nur 30 Tage lang. Bitte eine neue Meldung schreiben.`,
      `${s(p, "id")} was published ${s(p, "days")} days ago; WhatsApp allows changes for 30 days only. Please post a new announcement.`,
    ),
  NOT_ADMIN: () => L("Das dürfen nur Administratorinnen und Administratoren.", "Only administrators may do that."),
  INVALID_PHONE: (p) =>
    L(
      `„${s(p, "value")}“ ist keine Telefonnummer. Bitte international ohne Leerzeichen, z. B. 4915112345678.`,
      `"${s(p, "value")}" is not a phone number. Please give it internationally without spaces, e.g. 4915112345678.`,
    ),
  NO_GATEWAY: () =>
    L(
      "Es ist kein WhatsApp-Gateway eingerichtet; Meldungen gehen per Übergabe an eine Person.",
      "No WhatsApp gateway is set up; announcements are handed to a person.",
    ),
  GATEWAY_REFUSED: () =>
    L(
      "Das Gateway hat die Kopplung abgelehnt (ist die Sitzung schon verbunden?). Einzelheiten stehen im Protokoll.",
      "The gateway refused the pairing (is the session already linked?). The log has the details.",
    ),
  BREAK_GLASS_NOT_EMERGENCY: (p) =>
    L(
      `Sofort veröffentlichen (--now) geht nur in Notfall-Kategorien; „${s(p, "category")}“ ist keine. Bitte normal zur Freigabe stellen.`,
      `Publishing at once (--now) is for emergency categories only; "${s(p, "category")}" is not one. Please ask for approval as usual.`,
    ),
  BREAK_GLASS_OFFICE_HOURS: () =>
    L(
      "Während der Dienstzeit wird freigegeben, nicht sofort veröffentlicht. Bitte ohne --now einreichen und eine Freigabe einholen.",
      "During office hours announcements are approved, not published at once. Please submit without --now and get an approval.",
    ),
  BREAK_GLASS_NOT_ON_DUTY: () =>
    L(
      "Sofort veröffentlichen darf nur, wer gerade Bereitschaft hat (laut Dienstplan in der Richtlinie).",
      "Only the person on duty (per the roster in the policy) may publish at once.",
    ),
  BREAK_GLASS_NEEDS_TEMPLATE: (p) =>
    L(
      `Nachts geht „${s(p, "category")}“ nur aus einer freigegebenen Vorlage: \`announce --template <Name> …\` (\`template list\`).`,
      `At night "${s(p, "category")}" goes out from an approved template only: \`announce --template <name> …\` (\`template list\`).`,
    ),
  NO_OPEN_REVIEW: (p) => L(`Für ${s(p, "id")} ist keine Nachprüfung offen.`, `${s(p, "id")} has no open review.`),
  EXERCISE_NEEDS_TEST_CHANNEL: () =>
    L(
      "Für den Übungsmodus braucht das Gateway einen Test-Kanal (WHATSAPP_TEST_CHANNEL_ID). Bitte die IT fragen.",
      "Exercise mode needs a test channel for the gateway (WHATSAPP_TEST_CHANNEL_ID). Please ask IT.",
    ),
  INCIDENT_CLOSED: (p) =>
    L(
      `Die Lage zu ${s(p, "id")} ist mit einer Entwarnung abgeschlossen. Für Neues bitte eine neue Meldung.`,
      `The incident of ${s(p, "id")} is closed by an all-clear. Please write a new announcement for anything new.`,
    ),
  NOT_LIVE: (p) =>
    L(
      `${s(p, "id")} ist noch nicht veröffentlicht; ein Update geht erst zu einer veröffentlichten Meldung. Bis dahin: \`edit ${s(p, "id")} <Text>\`.`,
      `${s(p, "id")} is not published yet; updates follow a published announcement. Until then: \`edit ${s(p, "id")} <text>\`.`,
    ),
  UNKNOWN_VARIABLE: (p) =>
    L(
      `Die Vorlage „${s(p, "template")}“ hat keine Angabe „${s(p, "variable")}“. Möglich: ${s(p, "known")}.`,
      `Template "${s(p, "template")}" has no field "${s(p, "variable")}". Available: ${s(p, "known")}.`,
    ),
  MISSING_VARIABLE: (p) =>
    L(
      `Für die Vorlage „${s(p, "template")}“ fehlt ${s(p, "variable")}=… (${s(p, "hint")}).`,
      `Template "${s(p, "template")}" needs ${s(p, "variable")}=… (${s(p, "hint")}).`,
    ),
  BAD_VARIABLE: (p) =>
    L(
      `${s(p, "variable")}=„${s(p, "value")}“ passt nicht zur Vorlage „${s(p, "template")}“ (${s(p, "hint")}).`,
      `${s(p, "variable")}="${s(p, "value")}" does not fit template "${s(p, "template")}" (${s(p, "hint")}).`,
    ),
  TEMPLATE_NOT_APPROVED: (p) =>
    L(
      `Die Vorlage „${s(p, "template")}“ wurde geändert und ist noch nicht freigegeben; ohne Freigabe nicht sofort veröffentlichen. Leitung: \`template approve ${s(p, "template")}\`.`,
      `Template "${s(p, "template")}" was changed and is not approved yet; it cannot be published at once. Department heads: \`template approve ${s(p, "template")}\`.`,
    ),
  WARNINGS_OFF: () =>
    L(
      "Amtliche Warnungen (NINA) sind nicht eingerichtet: dafür muss die IT NINA_ARS setzen (Regionalschlüssel des Landkreises).",
      "Official warnings (NINA) are not set up: IT needs to set NINA_ARS (the district's regional key).",
    ),
  INVALID_WARNING_HANDLE: (p) =>
    L(
      `„${s(p, "value")}“ ist keine Warnungsnummer; sie sieht so aus: W-0007 (siehe \`warnings\`).`,
      `"${s(p, "value")}" is not a warning number; it looks like W-0007 (see \`warnings\`).`,
    ),
  WARNING_NOT_FOUND: (p) =>
    L(
      `Eine Warnung ${s(p, "handle")} gibt es nicht. \`warnings\` zeigt die aktuellen.`,
      `There is no warning ${s(p, "handle")}. \`warnings\` lists the current ones.`,
    ),
  NOT_ALLOWED_TO_RELAY: () =>
    L(
      "Amtliche Warnungen weitergeben oder ignorieren darf nur, wer Meldungen entwerfen darf. Bitte die Leitung oder die Bereitschaft fragen.",
      "Only people who may draft announcements may relay or dismiss official warnings. Please ask a department head or the person on duty.",
    ),
  WARNING_ALREADY_RELAYED: (p) =>
    L(
      `${s(p, "handle")} ist schon als ${s(p, "id")} weitergegeben; gerade wartet kein Update und keine Entwarnung darauf.`,
      `${s(p, "handle")} is already relayed as ${s(p, "id")}; no update or all-clear is waiting right now.`,
    ),
  WARNING_ALREADY_DISMISSED: (p) =>
    L(`${s(p, "handle")} ist schon ignoriert.`, `${s(p, "handle")} is already dismissed.`),
  WARNING_ENDED: (p) =>
    L(
      `${s(p, "handle")} ist nicht mehr aktuell (aufgehoben oder abgelaufen); sie wird nicht mehr weitergegeben.`,
      `${s(p, "handle")} is no longer current (cancelled or ended); it is not relayed any more.`,
    ),
  WARNING_SERVICE_UNAVAILABLE: (p) =>
    L(
      `Die Einzelheiten zu ${s(p, "handle")} sind beim Warndienst gerade nicht abrufbar. Bitte in einer Minute noch einmal versuchen.`,
      `The details of ${s(p, "handle")} cannot be read from the warning service right now. Please try again in a minute.`,
    ),
  TEMPORARILY_UNAVAILABLE: () =>
    L(
      "Das hat gerade nicht geklappt: Speicher oder Dienst nicht erreichbar. Bitte mit `status` prüfen, ob der Schritt angekommen ist, und sonst gleich noch einmal versuchen.",
      "That did not work just now: store or service unreachable. Please check with `status` whether the step got through, and otherwise try again in a moment.",
    ),
  STORE_UNAVAILABLE: () =>
    L(
      "Ich kann gerade nichts prüfen oder ändern: der Speicher von amtsbote ist nicht erreichbar. Bitte in einer Minute noch einmal versuchen; was schon gespeichert ist, bleibt erhalten. Dauert es länger, bitte der IT Bescheid geben.",
      "I cannot check or change anything right now: amtsbote's store is unreachable. Please try again in a minute; what is already stored stays safe. If it takes longer, please tell IT.",
    ),
} as const satisfies Record<ErrorCode, (p: ErrorParams | undefined) => Localized>;

export const errorText = (error: DomainError): Localized => ERROR_TEXTS[error.code](error.params);

const OUTLET_LABELS: Record<string, Localized> = {
  whatsapp: L("WhatsApp", "WhatsApp"),
  mastodon: L("Mastodon", "Mastodon"),
  telegram: L("Telegram", "Telegram"),
  feeds: L("die Website (Feeds)", "the website (feeds)"),
  press: L("der Presseverteiler", "the press list"),
};

/** The text with its first letter upper-case, for a label that begins a sentence or a line. */
export const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** An outlet's label without its article: "Website (Feeds)" from "die Website (Feeds)". */
export function outletWithoutArticle(outlet: string): Localized {
  const label = outletLabel(outlet);
  return L(label.de.replace(/^(der|die|das) /, ""), label.en.replace(/^the /, ""));
}

/** An outlet as a list or a card line names it, without article: "Website (Feeds)", "Presseverteiler". */
export function outletTitle(outlet: string): Localized {
  const label = outletWithoutArticle(outlet);
  return L(capitalised(label.de), capitalised(label.en));
}

/** An outlet as people call it, by its name or id (`whatsapp-waha` is WhatsApp). */
export function outletLabel(outlet: string): Localized {
  const name = outletName(outlet);
  return OUTLET_LABELS[name] ?? L(outlet, outlet);
}

/** Outlet names, comma-separated, as people call them: "Telegram, der Presseverteiler". */
function outletList(names: string): Localized {
  const labels = names.split(",").filter(Boolean).map(outletLabel);
  return L(labels.map((l) => l.de).join(", "), labels.map((l) => l.en).join(", "));
}

const OUTLET_PLACES: Record<string, Localized> = {
  whatsapp: L("im WhatsApp-Kanal", "on the WhatsApp channel"),
  mastodon: L("auf Mastodon", "on Mastodon"),
  telegram: L("im Telegram-Kanal", "on the Telegram channel"),
  feeds: L("auf der Website", "on the website"),
  press: L("an den Presseverteiler", "to the press list"),
};

const OUTLET_ARRIVALS: Record<string, Localized> = {
  press: L("beim Presseverteiler angekommen ist", "reached the press list"),
};

/** "im WhatsApp-Kanal erschienen ist", "beim Presseverteiler angekommen ist": after "Unklar, ob A-0042". */
export function outletArrival(outlet: string): Localized {
  const name = outletName(outlet);
  const place = outletPlace(outlet);
  return OUTLET_ARRIVALS[name] ?? L(`${place.de} erschienen ist`, `appeared ${place.en}`);
}

const OUTLET_LOOKUPS: Record<string, Localized> = {
  press: L("im Archiv oder Postfach des Verteilers", "in the list's archive or mailbox"),
  feeds: L("auf der Website", "on the website"),
};

/** Where a person looks whether a post is out: "im Telegram-Kanal", "im Archiv oder Postfach des Verteilers". */
export function outletLookup(outlet: string): Localized {
  const name = outletName(outlet);
  return OUTLET_LOOKUPS[name] ?? outletPlace(outlet);
}

/** Where a person posts by hand: "im WhatsApp-Kanal", "auf Mastodon". */
export function outletPlace(outlet: string): Localized {
  const name = outletName(outlet);
  return OUTLET_PLACES[name] ?? L(`bei ${outlet}`, `on ${outlet}`);
}

const FEATURE_LABELS = {
  readBack: { label: L("Beiträge zurücklesen", "read back posts"), setting: "WAHA_CAN_READ_BACK" },
  edit: { label: L("Beiträge bearbeiten", "edit posts"), setting: "WAHA_CAN_EDIT" },
  poll: { label: L("Umfragen", "polls"), setting: "WAHA_CAN_POLL" },
} as const satisfies Record<EngineFeature, { label: Localized; setting: string }>;

const CAN_LABELS = {
  yes: L("ja", "yes"),
  no: L("nein", "no"),
  unknown: L("unbekannt", "unknown"),
} as const satisfies Record<EngineAbility["can"], Localized>;

function abilityWhy(ability: EngineAbility, setting: string, engine: string): Localized {
  switch (ability.why) {
    case "config":
      return L(`so eingestellt (${setting})`, `set so in the configuration (${setting})`);
    case "engine_default":
      return L(`bekannt für die Engine ${engine}`, `known for the engine ${engine}`);
    case "engine_unconfirmed":
      return L(
        `für die Engine ${engine} nicht bestätigt; die erste Antwort zeigt es`,
        `unconfirmed for the engine ${engine}; its first answer will tell`,
      );
    case "engine_unknown":
      return L("die Engine hat sich noch nicht gemeldet", "the engine has not been reported yet");
    case "worked":
      return L("hat seit dem Start funktioniert", "worked since the start");
    case "refused":
      return L(
        "die Engine hat es als nicht unterstützt abgelehnt; aus bis zum Neustart",
        "the engine refused it as not supported; off until restart",
      );
  }
}

/** What the gateway's engine can do, one line per ability, and where what it cannot do goes. */
export function engineReportText(report: EngineReport): Localized {
  const engine = report.name ?? "?";
  const lines = (Object.keys(FEATURE_LABELS) as EngineFeature[]).map((feature) => {
    const { label, setting } = FEATURE_LABELS[feature];
    const ability = report.abilities[feature];
    const can = CAN_LABELS[ability.can];
    const why = abilityWhy(ability, setting, engine);
    return L(`– ${label.de}: ${can.de} (${why.de})`, `– ${label.en}: ${can.en} (${why.en})`);
  });
  return joinLocalized([
    L(`Engine: ${report.name ?? "noch nicht bekannt"}`, `Engine: ${report.name ?? "not known yet"}`),
    ...lines,
    L(
      "Was die Engine nicht kann, geht für den einzelnen Beitrag an die Übergabe von Hand; ein unklarer Versand ohne Zurücklesen wird von einer Person geprüft, nie blind wiederholt.",
      "What the engine cannot do goes to the manual hand-off for that post; an unclear send without read-back is checked by a person, never blindly re-sent.",
    ),
  ]);
}
