import { describe, expect, it } from "vitest";
import { errorText } from "../../commands/messages.ts";
import { outletsPreview } from "../../commands/render.ts";
import type { ConfiguredOutlet } from "../../src/announcement/outlets.ts";
import { aWorld, say } from "../fakes/world.ts";
import { channelDownText, handoffRemoveText, handoffText } from "../../commands/notices.ts";
import type { OutboundPost } from "../../src/ports/outlet.ts";
import { testPolicy } from "../fakes/fixtures.ts";

const post: OutboundPost = {
  announcementId: "A-0007",
  version: 1,
  category: "allgemein",
  text: "*Hauptstraße* gesperrt",
  media: [],
  fingerprint: "f",
};

describe("texts that name an outlet", () => {
  it("a hand-off says where to post and, for plain-text outlets, gives the text without formatting", () => {
    const mastodon = handoffText(testPolicy(), { ...post, outlet: "mastodon" });
    expect(mastodon.de).toContain("Bitte auf Mastodon veröffentlichen");
    expect(mastodon.de).toContain("```\nHauptstraße gesperrt\n```");
    const whatsapp = handoffText(testPolicy(), { ...post, outlet: "whatsapp-manual" });
    expect(whatsapp.en).toContain("Please post it on the WhatsApp channel");
    expect(whatsapp.en).toContain("*Hauptstraße* gesperrt");
    expect(handoffRemoveText({ remoteId: "A-0007", outlet: "telegram" }).de).toBe(
      "🗑️ Bitte den Beitrag A-0007 im Telegram-Kanal löschen.",
    );
  });

  it("a hand-off after an unclear outcome says to look first; for the press list, in its archive", () => {
    const press = handoffText(testPolicy(), { ...post, outlet: "press", checkFirst: true });
    expect(press.de).toContain("Unklar, ob A-0007 (Fassung 1) schon beim Presseverteiler angekommen ist");
    expect(press.de).toContain(
      "Bitte ERST im Archiv oder Postfach des Verteilers nachsehen: Ist der Beitrag da, nur `posted A-0007 press`",
    );
    expect(handoffText(testPolicy(), { ...post, outlet: "telegram", checkFirst: true }).en).toContain(
      "already appeared on the Telegram channel. Please LOOK on the Telegram channel FIRST",
    );
  });

  it("a poll too big for an outlet says its limits and how to leave it out", () => {
    const text = errorText({
      code: "POLL_TOO_BIG_FOR",
      params: { outlet: "mastodon", options: 6, maxOptions: 4, longest: 12, maxLength: 50 },
    });
    expect(text.de).toBe(
      "Mastodon nimmt Umfragen mit höchstens 4 Antworten zu je 50 Zeichen; diese hat 6 Antworten, die längste mit 12 Zeichen. Bitte kürzen oder Mastodon weglassen (`--not mastodon`).",
    );
  });

  it("an outlet that stops working is named, with what IT should check for that outlet", () => {
    expect(channelDownText("telegram", "not_admin").de).toContain("der Bot ist nicht Administrator des Kanals");
    expect(channelDownText("press", "unauthorized").en).toContain("check user and password in SMTP_URL");
    expect(channelDownText("mastodon", "session_not_ready").de).toContain("Mastodon antwortet nicht wie erwartet");
    expect(channelDownText("whatsapp-waha", "unauthorized").de).toContain("WAHA_API_KEY");
    expect(channelDownText("mastodon", "unauthorized").de).toMatch(
      /^⚠️ Der Kanal Mastodon \(mastodon\) funktioniert nicht/,
    );
    expect(channelDownText("whatsapp-waha", "unreachable").en).toMatch(/^⚠️ The WhatsApp channel \(whatsapp-waha\)/);
  });
});

describe("the preview for other outlets", () => {
  const can = { text: true, image: true, video: true, poll: true, edit: true, delete: true };
  const outlets: ConfiguredOutlet[] = [
    { id: "whatsapp-waha", handoff: false, capabilities: { ...can, maxTextLength: 4096, maxCaptionLength: 1024 } },
    {
      id: "mastodon",
      handoff: false,
      capabilities: { ...can, maxTextLength: 500, maxCaptionLength: 500 },
      measure: () => 312,
    },
    { id: "press", handoff: false, capabilities: { ...can, maxTextLength: 4096, maxCaptionLength: 1024 } },
  ];

  it("shows the text without formatting where outlets show it so, and how long it is where they count otherwise", async () => {
    const w = aWorld();
    const drafted = await say(w, "anna", "*Hauptstraße* gesperrt");
    if (drafted.kind !== "reply" || !drafted.announcement) throw new Error("not drafted");
    const a = { ...drafted.announcement, outlets: ["whatsapp", "mastodon", "press"] };
    const lines = outletsPreview(a, outlets).map((l) => l.de);
    expect(lines).toEqual([
      "─── ohne Formatierung (Mastodon, der Presseverteiler) ───",
      "Hauptstraße gesperrt",
      "────────────────",
      "Mastodon: 312 von 500 Zeichen",
    ]);
    expect(outletsPreview({ ...a, outlets: ["whatsapp"] }, outlets)).toEqual([]);
  });
});
