import { outletName } from "../../src/announcement/outlets.ts";
import { outletLabel, outletWithoutArticle, pick, type Localized } from "../../commands/messages.ts";
import {
  approvalLine,
  deliveryLines,
  headline,
  hintsBlock,
  previewHints,
  shownVersion,
  timeLines,
} from "../../commands/render.ts";
import type { Announcement, AnnouncementId } from "../../src/announcement/announcement.ts";
import { toOutboundPost } from "../../src/outbox/outbox.ts";
import { displayName, type Language, type Policy } from "../../src/policy/policy.ts";
import { renderForWhatsApp } from "../../src/render/whatsapp.ts";
import { escapeSlack } from "../markup/slack.ts";

export const ACTIONS = {
  approve: "amtsbote_approve",
  reject: "amtsbote_reject",
  edit: "amtsbote_edit",
  withdraw: "amtsbote_withdraw",
  posted: "amtsbote_posted",
} as const;

export const VIEWS = {
  compose: "amtsbote_compose",
  reject: "amtsbote_reject_reason",
  withdraw: "amtsbote_withdraw_reason",
  edit: "amtsbote_edit_text",
} as const;

export const SHORTCUT = "propose_announcement";

/** Slack's limit for one section's text. */
const SECTION_CHARS = 3000;

export type Block = Record<string, unknown>;

const plain = (text: string) => ({ type: "plain_text", text: text.slice(0, 150), emoji: true });
const mrkdwn = (text: string) => ({ type: "mrkdwn", text });

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > size) {
    const cut = Math.max(rest.lastIndexOf("\n", size), rest.lastIndexOf(" ", size), Math.floor(size / 2));
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, "");
  }
  if (rest) out.push(rest);
  return out;
}

/** Quoted, so the frame is never mistaken for the post; WhatsApp's `*b*`, `_i_`, `~s~` read the same in Slack. */
const quote = (text: string): string =>
  escapeSlack(text)
    .split("\n")
    .map((line) => `>${line}`)
    .join("\n");

/** Button value: the announcement and the version the card shows, so a stale click is refused. */
export const cardValue = (a: Announcement): string => `${a.id}:${shownVersion(a)}`;

export function parseCardValue(
  value: string | undefined,
): { id: AnnouncementId; version: number; outlet?: string } | undefined {
  const m = /^(A-\d{4,}):(\d+)(?::([a-z]+))?$/.exec(value ?? "");
  if (!m?.[1] || !m[2]) return undefined;
  return { id: m[1] as AnnouncementId, version: Number(m[2]), ...(m[3] ? { outlet: m[3] } : {}) };
}

const button = (text: string, actionId: string, value: string, style?: "primary" | "danger"): Block => ({
  type: "button",
  text: plain(text),
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});

/** The approval card: the post exactly as WhatsApp will show it, who wrote it, and what is still needed. */
export function cardBlocks(policy: Policy, a: Announcement, language: Language): { text: string; blocks: Block[] } {
  const say = (l: Localized) => pick(l, language);
  const title = say(headline(policy, a));
  const requester = a.change?.requestedBy ?? a.author;
  const facts = [
    say({ de: `Von ${displayName(policy, requester)}`, en: `By ${displayName(policy, requester)}` }),
    say(approvalLine(policy, a)),
    ...timeLines(policy, a).map(say),
    ...deliveryLines(policy, a).map(say),
  ];
  if (a.change?.reason) facts.push(say({ de: `Grund: ${a.change.reason}`, en: `Reason: ${a.change.reason}` }));
  const blocks: Block[] = [
    { type: "section", text: mrkdwn(`*${escapeSlack(title)}*`) },
    { type: "context", elements: [mrkdwn(escapeSlack(facts.join(" · ")))] },
    { type: "divider" },
  ];
  const r = renderForWhatsApp(toOutboundPost(a));
  for (const part of chunks(r.text, SECTION_CHARS - 200)) blocks.push({ type: "section", text: mrkdwn(quote(part)) });
  if (r.poll) {
    const head = say({ de: "📊 Umfrage", en: "📊 Poll" }) + (r.poll.multipleChoice ? " (+)" : "");
    const lines = [`${head}: *${escapeSlack(r.poll.question)}*`, ...r.poll.options.map((o) => `○ ${escapeSlack(o)}`)];
    blocks.push({ type: "section", text: mrkdwn(lines.join("\n").slice(0, SECTION_CHARS)) });
  }
  if (r.media.length) {
    blocks.push({ type: "context", elements: r.media.slice(0, 10).map((m) => mrkdwn(`📎 ${escapeSlack(m)}`)) });
  }
  const hints = hintsBlock(previewHints(policy, a)).map(say);
  if (hints.length) blocks.push({ type: "context", elements: [mrkdwn(escapeSlack(hints.join("\n")).slice(0, 2900))] });
  const actions = cardActions(a, language);
  if (actions.length) blocks.push({ type: "actions", block_id: `card:${a.id}`, elements: actions });
  return { text: title, blocks };
}

function cardActions(a: Announcement, language: Language): Block[] {
  const say = (l: Localized) => pick(l, language);
  const value = cardValue(a);
  const decide = [
    button(say({ de: "✅ Freigeben", en: "✅ Approve" }), ACTIONS.approve, value, "primary"),
    button(say({ de: "❌ Ablehnen", en: "❌ Reject" }), ACTIONS.reject, value, "danger"),
  ];
  if (a.change && !a.change.approved) return decide;
  if (a.state === "pending") {
    return [
      ...decide,
      button(say({ de: "✏️ Bearbeiten", en: "✏️ Edit" }), ACTIONS.edit, value),
      button(say({ de: "↩️ Zurückziehen", en: "↩️ Withdraw" }), ACTIONS.withdraw, value),
    ];
  }
  if (a.state === "scheduled" || a.state === "approved") {
    return [button(say({ de: "↩️ Zurückziehen", en: "↩️ Withdraw" }), ACTIONS.withdraw, value)];
  }
  return [];
}

/** The copy-ready hand-off with a button that records who posted it. */
export function handoffBlocks(
  message: string,
  id: AnnouncementId,
  version: number,
  language: Language,
  outlet = "whatsapp",
): Block[] {
  const name = outletName(outlet);
  const label =
    name === "whatsapp"
      ? pick({ de: "📲 Auf WhatsApp gepostet", en: "📲 Posted on WhatsApp" }, language)
      : pick(
          {
            de: `📲 Gepostet: ${outletWithoutArticle(name).de}`,
            en: `📲 Posted: ${outletWithoutArticle(name).en}`,
          },
          language,
        );
  return [
    ...chunks(escapeSlack(message), SECTION_CHARS).map((part) => ({ type: "section", text: mrkdwn(part) })),
    {
      type: "actions",
      block_id: `handoff:${id}:${name}`,
      // The outlet travels with the button: with several outlets waiting for a person, each is confirmed by name.
      elements: [button(label, ACTIONS.posted, `${id}:${version}:${name}`, "primary")],
    },
  ];
}

/** A question for one person with the button that opens the form for the answer. */
export function reasonButtonBlocks(
  text: string,
  form: { action: "reject" | "withdraw"; id: AnnouncementId; version: number },
  language: Language,
): Block[] {
  const label =
    form.action === "reject"
      ? pick({ de: "❌ Grund angeben", en: "❌ Give the reason" }, language)
      : pick({ de: "↩️ Grund angeben", en: "↩️ Give the reason" }, language);
  return [
    { type: "section", text: mrkdwn(text) },
    {
      type: "actions",
      block_id: `reason:${form.id}`,
      elements: [button(label, ACTIONS[form.action], `${form.id}:${form.version}`, "danger")],
    },
  ];
}

/** What a form carries from its opening to its submission. */
export interface FormOrigin {
  channel: string;
  thread?: string;
  id?: AnnouncementId;
  version?: number;
  /** A file of the message a shortcut proposed. */
  file?: { id: string; name: string; mimetype: string; url: string };
}

const input = (id: string, label: string, element: Block, optional = true, hint?: string): Block => ({
  type: "input",
  block_id: id,
  optional,
  label: plain(label),
  element: { ...element, action_id: id },
  ...(hint ? { hint: plain(hint) } : {}),
});

const option = (value: string, text: string) => ({ text: plain(text), value });

export function composeView(
  policy: Policy,
  language: Language,
  origin: FormOrigin,
  initialText = "",
  outlets: readonly string[] = [],
): Record<string, unknown> {
  const say = (de: string, en: string) => (language === "de" ? de : en);
  const categories = [...policy.categories.values()].slice(0, 100).map((c) => option(c.id, c.label));
  const initialCategory = categories.find((c) => c.value === policy.defaultCategory);
  const blocks: Block[] = [
    input(
      "text",
      say("Text der Meldung", "Announcement text"),
      {
        type: "plain_text_input",
        multiline: true,
        max_length: 3000,
        ...(initialText ? { initial_value: initialText } : {}),
      },
      true,
      say("*fett*, _kursiv_, ~durchgestrichen~ wie in WhatsApp.", "*bold*, _italic_, ~strike~ as in WhatsApp."),
    ),
    input(
      "category",
      say("Kategorie", "Category"),
      { type: "static_select", options: categories, ...(initialCategory ? { initial_option: initialCategory } : {}) },
      false,
    ),
    ...(outlets.length > 1
      ? [
          input(
            "outlets",
            say("Kanäle", "Outlets"),
            {
              type: "checkboxes",
              options: outlets.slice(0, 10).map((name) => option(name, pick(outletLabel(name), language))),
            },
            true,
            say("Nichts angekreuzt: die Kanäle der Kategorie.", "None ticked: the category's outlets."),
          ),
        ]
      : []),
    input("date", say("Veröffentlichen am (leer: sofort nach Freigabe)", "Publish on (empty: right after approval)"), {
      type: "datepicker",
    }),
    input("time", say("um", "at"), { type: "timepicker" }),
    input(
      "media",
      say("Bild oder Video", "Picture or video"),
      { type: "file_input", filetypes: ["jpg", "jpeg", "png", "webp", "gif", "heic", "mp4"], max_files: 1 },
      true,
      say(
        "Ein Bild (bis 5 MB nach Umwandlung) oder ein MP4-Video.",
        "One picture (up to 5 MB once converted) or an MP4 video.",
      ),
    ),
    input(
      "alt",
      say("Bildbeschreibung", "Picture description"),
      { type: "plain_text_input", max_length: 500 },
      true,
      say(
        "Was ist zu sehen? Für blinde und sehbehinderte Menschen; WhatsApp zeigt sie in der Bildunterschrift.",
        "What does it show? For blind and partially sighted people; WhatsApp shows it in the caption.",
      ),
    ),
    input("poll_question", say("Umfrage: Frage", "Poll: question"), { type: "plain_text_input", max_length: 255 }),
    input("poll_options", say("Umfrage: Antworten, eine pro Zeile", "Poll: options, one per line"), {
      type: "plain_text_input",
      multiline: true,
      max_length: 1300,
    }),
    input("flags", say("Optionen", "Options"), {
      type: "checkboxes",
      options: [
        option("multiple", say("Umfrage: mehrere Antworten erlaubt", "Poll: allow several answers")),
        option("urgent", say("Dringend", "Urgent")),
        option("handoff", say("Von Hand auf WhatsApp posten", "Post on WhatsApp by hand")),
        option("no_description", say("Bild bewusst ohne Beschreibung", "Picture without a description, on purpose")),
      ],
    }),
  ];
  if (policy.templates.size) {
    blocks.push(
      input("template", say("Vorlage", "Template"), {
        type: "static_select",
        options: [...policy.templates.keys()].slice(0, 100).map((name) => option(name, name)),
      }),
      input(
        "template_values",
        say("Werte für die Vorlage", "Template values"),
        { type: "plain_text_input", max_length: 2000 },
        true,
        'street="Obernstraße" until="18 Uhr"',
      ),
    );
  }
  return {
    type: "modal",
    callback_id: VIEWS.compose,
    private_metadata: JSON.stringify(origin),
    title: plain(say("Neue Meldung", "New announcement")),
    submit: plain(say("Zur Freigabe", "Submit")),
    close: plain(say("Abbrechen", "Cancel")),
    blocks,
  };
}

/** A one-field form: the reason for a rejection or withdrawal, or the new text of an edit. */
export function reasonView(
  kind: "reject" | "withdraw" | "edit",
  language: Language,
  origin: FormOrigin & { id: AnnouncementId },
  initialText = "",
): Record<string, unknown> {
  const say = (de: string, en: string) => (language === "de" ? de : en);
  const titles = {
    reject: [
      say(`${origin.id} ablehnen`, `Reject ${origin.id}`),
      say("Grund (die Autorin / der Autor liest ihn)", "Reason (the author reads it)"),
    ],
    withdraw: [say(`${origin.id} zurückziehen`, `Withdraw ${origin.id}`), say("Grund", "Reason")],
    edit: [
      say(`${origin.id} bearbeiten`, `Edit ${origin.id}`),
      say("Neuer Text (Freigaben gelten danach nicht mehr)", "New text (approvals no longer count)"),
    ],
  } as const;
  const [title, label] = titles[kind];
  return {
    type: "modal",
    callback_id: VIEWS[kind],
    private_metadata: JSON.stringify(origin),
    title: plain(title),
    submit: plain(say("Senden", "Send")),
    close: plain(say("Abbrechen", "Cancel")),
    blocks: [
      input(
        "reason",
        label,
        {
          type: "plain_text_input",
          multiline: true,
          max_length: 3000,
          ...(initialText ? { initial_value: initialText } : {}),
        },
        false,
      ),
    ],
  };
}
