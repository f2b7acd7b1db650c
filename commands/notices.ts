import type { Announcement } from "../src/announcement/announcement.ts";
import type { ModeNotice, Notice } from "../src/ports/notices.ts";
import type { OutboundPost, OutletErrorCode, OutletProblem, RemoteRef } from "../src/ports/outlet.ts";
import { displayName, type Policy } from "../src/policy/policy.ts";
import { renderForWhatsApp } from "../src/render/whatsapp.ts";
import {
  capitalised,
  joinLocalized,
  L,
  outletArrival,
  outletLabel,
  outletLookup,
  outletPlace,
  type Localized,
} from "./messages.ts";
import { outletName, PLAIN_TEXT_OUTLETS } from "../src/announcement/outlets.ts";
import { plainText } from "../src/render/plain.ts";
import { approvalRequest, whatsappBlock, when } from "./render.ts";

export type Audience = "approvers" | "author";

export interface RenderedNotice {
  audience: Audience;
  message: Localized;
}

/** Words for each notice and who should read them. */
export function renderNotice(policy: Policy, notice: Notice): RenderedNotice[] {
  const a = notice.announcement;
  switch (notice.kind) {
    case "delivery_changed":
      return [];
    case "approval_requested":
      return [{ audience: "approvers", message: approvalRequest(policy, a) }];
    case "approved": {
      const by = displayName(policy, notice.by);
      const at = a.state === "scheduled" && a.publishAt ? when(policy, a.publishAt) : undefined;
      const message = at
        ? L(
            `✅ ${a.id} wurde von ${by} freigegeben und geht am ${at.de} raus.`,
            `✅ ${a.id} was approved by ${by} and goes out on ${at.en}.`,
          )
        : L(`✅ ${a.id} wurde von ${by} freigegeben.`, `✅ ${a.id} was approved by ${by}.`);
      return [
        { audience: "approvers", message },
        { audience: "author", message },
      ];
    }
    case "approval_given": {
      const by = displayName(policy, notice.by);
      return [
        {
          audience: "approvers",
          message: L(
            `✅ ${by} hat ${a.id} freigegeben – es fehlen noch ${notice.remaining}.`,
            `✅ ${by} approved ${a.id} – ${notice.remaining} still needed.`,
          ),
        },
      ];
    }
    case "approval_revoked": {
      const by = displayName(policy, notice.by);
      return [
        {
          audience: "approvers",
          message: L(
            `↩️ ${by} hat die Freigabe für ${a.id} zurückgenommen.`,
            `↩️ ${by} took back the approval of ${a.id}.`,
          ),
        },
      ];
    }
    case "rejected": {
      const by = displayName(policy, a.decision?.by ?? "");
      const reason = a.decision?.reason ?? "";
      return [
        {
          audience: "author",
          message: L(
            `❌ ${a.id} wurde von ${by} abgelehnt. Grund: ${reason}`,
            `❌ ${a.id} was rejected by ${by}. Reason: ${reason}`,
          ),
        },
        { audience: "approvers", message: L(`❌ ${a.id} ist abgelehnt (${by}).`, `❌ ${a.id} is rejected (${by}).`) },
      ];
    }
    case "withdrawn":
      return [
        {
          audience: "approvers",
          message: L(
            `↩️ ${a.id} wurde zurückgezogen: ${a.decision?.reason ?? ""}`,
            `↩️ ${a.id} was withdrawn: ${a.decision?.reason ?? ""}`,
          ),
        },
      ];
    case "expired": {
      const message = L(
        `⌛ ${a.id} wurde nicht rechtzeitig freigegeben und ist abgelaufen.`,
        `⌛ ${a.id} was not approved in time and has expired.`,
      );
      return [
        { audience: "author", message },
        { audience: "approvers", message },
      ];
    }
    case "published": {
      const message = L(`📣 ${a.id} ist veröffentlicht.`, `📣 ${a.id} is published.`);
      return [
        { audience: "author", message },
        { audience: "approvers", message },
      ];
    }
    case "break_glass": {
      const by = displayName(policy, a.author);
      return [
        {
          audience: "approvers",
          message: joinLocalized([
            L(
              `🚨 ${a.id} wurde im Bereitschaftsdienst von ${by} ohne Freigabe veröffentlicht. Bitte am nächsten Arbeitstag prüfen: \`review ${a.id} ok\` oder \`review ${a.id} flag <Notiz>\` (✅/❌).`,
              `🚨 ${a.id} was published by ${by} on duty, without approval. Please check it on the next working day: \`review ${a.id} ok\` or \`review ${a.id} flag <note>\` (✅/❌).`,
            ),
            whatsappBlock(a),
          ]),
        },
      ];
    }
    case "escalated": {
      const names = notice.people.map((p) => displayName(policy, p)).join(", ");
      const minutes = Math.round(notice.waitedMs / 60_000);
      const waited =
        minutes < 120
          ? L(`${minutes} Min.`, `${minutes} min`)
          : L(`${Math.round(minutes / 60)} Std.`, `${Math.round(minutes / 60)} h`);
      return [
        {
          audience: "approvers",
          message: L(
            `⏰ ${a.id} wartet seit ${waited.de} auf Freigabe. Bitte ansehen: ${names}. \`status ${a.id}\``,
            `⏰ ${a.id} has waited ${waited.en} for approval. Please look at it: ${names}. \`status ${a.id}\``,
          ),
        },
      ];
    }
    case "published_late": {
      const minutes = Math.round(notice.lateMs / 60_000);
      const message = L(
        `🕒 ${a.id} geht ${minutes} Min. später als geplant raus (der Bot war in der Zeit nicht erreichbar oder die Veröffentlichung war angehalten).`,
        `🕒 ${a.id} goes out ${minutes} min later than planned (the bot was unreachable meanwhile, or publication was held).`,
      );
      return [
        { audience: "author", message },
        { audience: "approvers", message },
      ];
    }
    case "expiry_reached":
      return [
        {
          audience: "author",
          message: L(
            `⌛ ${a.id} gilt laut Angabe nur bis jetzt. Ist die Lage beendet? Dann Entwarnung: \`allclear ${a.id} <Text>\`; sonst ein Update: \`update ${a.id} <Text>\`.`,
            `⌛ ${a.id} was marked valid until now. Is it over? Then post the all-clear: \`allclear ${a.id} <text>\`; otherwise an update: \`update ${a.id} <text>\`.`,
          ),
        },
      ];
    case "review_due":
      return [
        {
          audience: "approvers",
          message: L(
            `⏰ Nachprüfung offen: ${a.id} (Bereitschaft, ${displayName(policy, a.author)}). \`review ${a.id} ok\` oder \`review ${a.id} flag <Notiz>\`.`,
            `⏰ Review open: ${a.id} (on duty, ${displayName(policy, a.author)}). \`review ${a.id} ok\` or \`review ${a.id} flag <note>\`.`,
          ),
        },
      ];
    case "reviewed": {
      const r = a.review;
      const by = displayName(policy, r?.by ?? "");
      const message =
        r?.state === "flagged"
          ? L(
              `⚠️ ${a.id} wurde bei der Nachprüfung von ${by} beanstandet: ${r.note ?? ""}`,
              `⚠️ ${a.id} was flagged in review by ${by}: ${r.note ?? ""}`,
            )
          : L(`✅ ${a.id} ist nachgeprüft (${by}).`, `✅ ${a.id} is reviewed (${by}).`);
      return [
        { audience: "author", message },
        { audience: "approvers", message },
      ];
    }
    case "change_requested":
      return [{ audience: "approvers", message: approvalRequest(policy, a) }];
    case "change_rejected": {
      const by = displayName(policy, notice.by);
      const what = notice.change === "retract" ? L("Löschung", "retraction") : L("Korrektur", "correction");
      return [
        {
          audience: "author",
          message: L(
            `❌ Die ${what.de} von ${a.id} wurde von ${by} abgelehnt. Grund: ${notice.reason}`,
            `❌ The ${what.en} of ${a.id} was rejected by ${by}. Reason: ${notice.reason}`,
          ),
        },
      ];
    }
    case "corrected": {
      const message = L(`✏️ ${a.id} ist im Kanal korrigiert.`, `✏️ ${a.id} is corrected on the channel.`);
      return [
        { audience: "author", message },
        { audience: "approvers", message },
      ];
    }
    case "retracted": {
      const message = L(`🗑️ ${a.id} ist aus dem Kanal gelöscht.`, `🗑️ ${a.id} is deleted from the channel.`);
      return [
        { audience: "author", message },
        { audience: "approvers", message },
      ];
    }
    case "delivery_failed": {
      const why = failureText(notice.code, notice.outlet);
      const message = L(
        `⚠️ ${a.id} konnte nicht an ${outletLabel(notice.outlet).de} gehen: ${why.de}. Bitte von Hand veröffentlichen.`,
        `⚠️ ${a.id} could not go to ${outletLabel(notice.outlet).en}: ${why.en}. Please publish it by hand.`,
      );
      return [
        { audience: "approvers", message },
        { audience: "author", message },
      ];
    }
    case "needs_manual_check": {
      const confirm = confirmCommand(a.id, notice.outlet);
      return [
        {
          audience: "approvers",
          message: L(
            `⚠️ Unklar, ob ${a.id} ${outletArrival(notice.outlet).de} (das lässt sich nicht zurücklesen). Bitte ${outletLookup(notice.outlet).de} nachsehen: Ist sie da, nur \`${confirm}\`; sonst den Text von Hand posten und dann \`${confirm}\`.`,
            `⚠️ Unclear whether ${a.id} ${outletArrival(notice.outlet).en} (it cannot be read back). Please look ${outletLookup(notice.outlet).en}: if it is there, just \`${confirm}\`; otherwise post the text by hand, then \`${confirm}\`.`,
          ),
        },
      ];
    }
  }
}

/**
 * How a person confirms a post made by hand: WhatsApp's by the id alone (as ever), any other outlet's by name too,
 * so that with several waiting each confirmation lands on the right one.
 */
export const confirmCommand = (id: string, outlet: string): string =>
  outletName(outlet) === "whatsapp" ? `posted ${id}` : `posted ${id} ${outletName(outlet)}`;

/** The copy-ready hand-off: exactly the text to paste into the WhatsApp app, then how to confirm. */
export function handoffText(policy: Policy, post: OutboundPost, a?: Announcement): Localized {
  const outlet = post.outlet ?? "whatsapp";
  const place = outletPlace(outlet);
  const plain = PLAIN_TEXT_OUTLETS.has(outletName(outlet));
  const r = renderForWhatsApp(plain ? { ...post, text: plainText(post.text) } : post);
  const author = a ? displayName(policy, a.author) : "";
  const confirm = confirmCommand(post.announcementId, outlet);
  const parts: Localized[] = [
    post.checkFirst
      ? L(
          `📋 Unklar, ob ${post.announcementId} (Fassung ${post.version}) schon ${outletArrival(outlet).de}. Bitte ERST ${outletLookup(outlet).de} nachsehen: Ist der Beitrag da, nur \`${confirm}\`. Sonst jetzt veröffentlichen – den Text zwischen den Zeilen unverändert kopieren:`,
          `📋 Unclear whether ${post.announcementId} (version ${post.version}) already ${outletArrival(outlet).en}. Please LOOK ${outletLookup(outlet).en} FIRST: if the post is there, just \`${confirm}\`. Otherwise post it now – copy the text between the lines unchanged:`,
        )
      : L(
          `📋 ${post.announcementId} (Fassung ${post.version}) ist freigegeben. Bitte ${place.de} veröffentlichen – den Text zwischen den Zeilen unverändert kopieren:`,
          `📋 ${post.announcementId} (version ${post.version}) is approved. Please post it ${place.en} – copy the text between the lines unchanged:`,
        ),
  ];
  if (r.text) parts.push(L(`\`\`\`\n${r.text}\n\`\`\``, `\`\`\`\n${r.text}\n\`\`\``));
  if (r.poll) {
    const kind = r.poll.multipleChoice
      ? L("Umfrage anlegen (mehrere Antworten erlauben):", "Create a poll (allow multiple answers):")
      : L("Umfrage anlegen (eine Antwort):", "Create a poll (single answer):");
    const body = [r.poll.question, ...r.poll.options.map((o, i) => `${i + 1}. ${o}`)].join("\n");
    parts.push(kind, L(body, body));
  }
  if (r.media.length) {
    const files = r.media.join(", ");
    parts.push(L(`Anhänge: ${files}`, `Attachments: ${files}`));
  }
  parts.push(
    L(
      `Danach bestätigen: \`${confirm}\`${author ? ` (Autor/in: ${author})` : ""}`,
      `Then confirm: \`${confirm}\`${author ? ` (author: ${author})` : ""}`,
    ),
  );
  return joinLocalized(parts);
}

/** Asks a person to change a post by hand; `ref.remoteId` is how the post was recorded. */
export function handoffEditText(policy: Policy, ref: RemoteRef, post: OutboundPost): Localized {
  const copy = handoffText(policy, post);
  const place = outletPlace(ref.outlet ?? post.outlet ?? "whatsapp");
  const whatsapp = outletName(ref.outlet ?? post.outlet ?? "whatsapp") === "whatsapp";
  return joinLocalized([
    L(
      `✏️ Bitte den Beitrag ${post.announcementId} (${ref.remoteId}) ${place.de} bearbeiten${whatsapp ? " (gedrückt halten → Bearbeiten)" : ""} und den Text ersetzen:`,
      `✏️ Please edit post ${post.announcementId} (${ref.remoteId}) ${place.en}${whatsapp ? " (long-press → Edit)" : ""} and replace the text:`,
    ),
    copy,
  ]);
}

export function handoffRemoveText(ref: RemoteRef): Localized {
  const place = outletPlace(ref.outlet ?? "whatsapp");
  const whatsapp = outletName(ref.outlet ?? "whatsapp") === "whatsapp";
  return L(
    `🗑️ Bitte den Beitrag ${ref.remoteId} ${place.de} löschen${whatsapp ? " (gedrückt halten → Löschen → Für alle löschen)" : ""}.`,
    `🗑️ Please delete post ${ref.remoteId} ${place.en}${whatsapp ? " (long-press → Delete → Delete for everyone)" : ""}.`,
  );
}

/** Why an outlet refused a post, in the reader's language; the outlet's own words are in the log. */
function failureText(code: OutletErrorCode | undefined, outlet: string): Localized {
  if (outletName(outlet) === "whatsapp") return gatewayFailureText(code);
  const who = outletLabel(outlet);
  switch (code) {
    case "bad_request":
      return L(`${who.de} hat den Beitrag als ungültig abgelehnt`, `${who.en} refused the post as invalid`);
    case "not_found":
      return L(`${who.de} kennt den Kanal oder Beitrag nicht`, `${who.en} does not know the channel or post`);
    case "not_sent":
      return L(`${who.de} hat den Beitrag nicht angenommen`, `${who.en} did not accept the post`);
    default:
      return L("es blieb nach mehreren Versuchen bei einem Fehler", "it kept failing after several attempts");
  }
}

function gatewayFailureText(code: OutletErrorCode | undefined): Localized {
  switch (code) {
    case "bad_request":
      return L("das Gateway hat den Beitrag als ungültig abgelehnt", "the gateway refused the post as invalid");
    case "not_found":
      return L("das Gateway kennt den Kanal oder Beitrag nicht", "the gateway does not know the channel or post");
    case "not_sent":
      return L("das Gateway hat den Beitrag nicht gesendet", "the gateway did not send the post");
    case "not_supported":
      return L(
        "die WhatsApp-Engine des Gateways kann das nicht (z. B. Umfragen oder Bearbeiten); nur dieser Beitrag geht an eine Person",
        "the gateway's WhatsApp engine cannot do this (e.g. polls or edits); only this post goes to a person",
      );
    default:
      return L("es blieb nach mehreren Versuchen bei einem Fehler", "it kept failing after several attempts");
  }
}

/** Why the channel does not work and what IT should do, in the reader's language (the technical detail is logged). */
export function outletProblemText(problem: OutletProblem, outlet = "whatsapp"): Localized {
  const own = OTHER_OUTLET_PROBLEMS[outletName(outlet)]?.[problem];
  if (own) return own;
  if (outletName(outlet) !== "whatsapp") {
    const who = outletLabel(outlet);
    return L(
      `${who.de} antwortet nicht wie erwartet. IT: Details stehen im Protokoll`,
      `${who.en} does not answer as expected. IT: the log has the details`,
    );
  }
  switch (problem) {
    case "unauthorized":
      return L(
        "das Gateway lehnt den API-Schlüssel ab. IT: Schlüssel prüfen (WAHA_API_KEY bzw. WHAPI_TOKEN) und amtsbote neu starten",
        "the gateway refuses the API key. IT: check the key (WAHA_API_KEY or WHAPI_TOKEN) and restart amtsbote",
      );
    case "unreachable":
      return L(
        "das Gateway ist nicht erreichbar. IT: läuft es, stimmt die Adresse (WAHA_URL)?",
        "the gateway cannot be reached. IT: is it running, is the address (WAHA_URL) right?",
      );
    case "session_not_ready":
      return L(
        "die WhatsApp-Sitzung ist nicht verbunden. IT: neu koppeln mit `whatsapp qr` oder `whatsapp pair <Telefonnummer>`",
        "the WhatsApp session is not linked. IT: re-pair with `whatsapp qr` or `whatsapp pair <phone number>`",
      );
    case "channel_unknown":
      return L(
        "die verbundene Nummer kennt den Kanal nicht. IT: WHATSAPP_CHANNEL_ID prüfen",
        "the linked number does not know the channel. IT: check WHATSAPP_CHANNEL_ID",
      );
    case "not_admin":
      return L(
        "die verbundene Nummer ist nicht Administrator des Kanals. IT: im Kanal zum Admin machen",
        "the linked number is not an admin of the channel. IT: make it an admin of the channel",
      );
    case "unexpected":
      return L(
        "das Gateway antwortet unerwartet. IT: Details stehen im Protokoll",
        "the gateway answers unexpectedly. IT: the log has the details",
      );
  }
}

/** The channel stopped working: said once, with what to do. */
export function channelDownText(outlet: string, problem: OutletProblem): Localized {
  const why = outletProblemText(problem, outlet);
  const name = channelName(outlet);
  return L(
    `⚠️ ${name.de} funktioniert nicht: ${why.de}. Freigegebene Meldungen warten und gehen automatisch raus, sobald er wieder läuft; dringende bis dahin von Hand posten.`,
    `⚠️ ${name.en} is not working: ${why.en}. Approved announcements wait and go out by themselves once it works again; post urgent ones by hand meanwhile.`,
  );
}

export function channelUpText(outlet: string): Localized {
  const name = channelName(outlet);
  return L(
    `✅ ${name.de} läuft wieder; wartende Meldungen werden jetzt veröffentlicht.`,
    `✅ ${name.en} works again; waiting announcements are being published now.`,
  );
}

/** The outlet as the subject of a sentence, with its id for IT: "Der WhatsApp-Kanal (whatsapp-waha)". */
function channelName(outlet: string): Localized {
  if (outletName(outlet) === "whatsapp") return L(`Der WhatsApp-Kanal (${outlet})`, `The WhatsApp channel (${outlet})`);
  const label = outletLabel(outlet);
  return L(`Der Kanal ${capitalised(label.de)} (${outlet})`, `The outlet ${label.en} (${outlet})`);
}

export function renderModeNotice(policy: Policy, notice: ModeNotice): Localized {
  const by = displayName(policy, notice.by);
  if (notice.mode === "crisis") {
    return notice.on
      ? L(
          `🚨 Krisenmodus AN (${by}): geplante Routine-Meldungen werden angehalten, Notfall-Kategorien gehen weiter raus.`,
          `🚨 Crisis mode ON (${by}): routine scheduled posts are held; emergency categories keep going out.`,
        )
      : L(
          `Krisenmodus AUS (${by}): angehaltene Meldungen gehen jetzt raus.`,
          `Crisis mode OFF (${by}): held posts go out now.`,
        );
  }
  return notice.on
    ? L(
        `🧪 Übungsmodus AN (${by}): alles geht in den Test-Kanal und ist als Übung markiert.`,
        `🧪 Exercise mode ON (${by}): everything goes to the test channel, marked as an exercise.`,
      )
    : L(
        `Übungsmodus AUS (${by}): Meldungen gehen wieder in den echten Kanal.`,
        `Exercise mode OFF (${by}): announcements go to the real channel again.`,
      );
}

/** What IT should check when an outlet beside WhatsApp stops working, by the variables that set it up. */
const OTHER_OUTLET_PROBLEMS: Record<string, Partial<Record<OutletProblem, Localized>>> = {
  mastodon: {
    unauthorized: L(
      "Mastodon lehnt das Zugangs-Token ab. IT: MASTODON_TOKEN und seine Berechtigungen prüfen (write:statuses write:media read:accounts read:statuses)",
      "Mastodon refuses the access token. IT: check MASTODON_TOKEN and its scopes (write:statuses write:media read:accounts read:statuses)",
    ),
    unreachable: L(
      "die Mastodon-Instanz ist nicht erreichbar. IT: MASTODON_URL prüfen",
      "the Mastodon instance cannot be reached. IT: check MASTODON_URL",
    ),
  },
  telegram: {
    unauthorized: L(
      "Telegram lehnt das Bot-Token ab. IT: TELEGRAM_BOT_TOKEN prüfen",
      "Telegram refuses the bot token. IT: check TELEGRAM_BOT_TOKEN",
    ),
    unreachable: L("Telegram ist nicht erreichbar", "Telegram cannot be reached"),
    channel_unknown: L(
      "der Bot kennt den Kanal nicht. IT: TELEGRAM_CHAT_ID prüfen und den Bot in den Kanal aufnehmen",
      "the bot does not know the channel. IT: check TELEGRAM_CHAT_ID and add the bot to the channel",
    ),
    not_admin: L(
      "der Bot ist nicht Administrator des Kanals mit dem Recht, Beiträge zu veröffentlichen. IT: in den Kanal-Einstellungen ändern",
      "the bot is not an admin of the channel allowed to post. IT: change it in the channel's settings",
    ),
  },
  press: {
    unauthorized: L(
      "der Mailserver lehnt die Anmeldung ab. IT: Benutzer und Passwort in SMTP_URL prüfen",
      "the mail server refuses the login. IT: check user and password in SMTP_URL",
    ),
    unreachable: L(
      "der Mailserver ist nicht erreichbar. IT: SMTP_URL prüfen",
      "the mail server cannot be reached. IT: check SMTP_URL",
    ),
  },
  feeds: {
    unexpected: L(
      "der Ordner der Website-Feeds (FEED_DIR) ist nicht beschreibbar oder ihr Listener (FEED_PORT) ist ausgefallen. IT: Details stehen im Protokoll",
      "the website feeds' folder (FEED_DIR) cannot be written or their listener (FEED_PORT) failed. IT: the log has the details",
    ),
    unreachable: L(
      "die Website-Feeds können nicht geschrieben oder ausgeliefert werden. IT: FEED_DIR, FEED_PORT und den Speicher prüfen",
      "the website feeds cannot be written or served. IT: check FEED_DIR, FEED_PORT and the store",
    ),
  },
};
