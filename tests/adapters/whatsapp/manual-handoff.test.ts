import { describe, expect, it } from "vitest";
import { ManualHandoffOutlet } from "../../../adapters/whatsapp/manual-handoff.ts";
import type { Localized } from "../../../commands/messages.ts";
import type { BotNotice, NoticeSink } from "../../../src/ports/notices.ts";
import { aPost, outletContract } from "../../contracts/outlet.contract.ts";
import { testPolicy } from "../../fakes/fixtures.ts";

/** What a chat subscribed to the notice bus would show of the hand-off. */
class RecordingChat implements NoticeSink {
  readonly toRoom: Localized[] = [];
  async emit(notice: BotNotice) {
    if (notice.kind === "handoff") this.toRoom.push(notice.message);
  }
}

outletContract("manual hand-off", () => ({
  outlet: new ManualHandoffOutlet(new RecordingChat(), testPolicy()),
  gateway: false,
  verify: () => undefined,
}));

describe("manual hand-off", () => {
  it("puts the exact WhatsApp text, poll and how to confirm into the approval room", async () => {
    const chat = new RecordingChat();
    const outlet = new ManualHandoffOutlet(chat, testPolicy());
    const poll = { question: "Welcher Termin?", options: ["Dienstag", "Donnerstag"], multipleChoice: true };
    await outlet.publish(aPost({ poll }), { id: "x", startedAt: new Date().toISOString(), fingerprint: "f" });
    const de = chat.toRoom[0]?.de ?? "";
    expect(de).toContain(`\`\`\`\n${aPost().text}\n\`\`\``);
    expect(de).toContain("Umfrage anlegen (mehrere Antworten erlauben):\nWelcher Termin?\n1. Dienstag\n2. Donnerstag");
    expect(de).toContain("`posted A-0042`");
    expect(chat.toRoom[0]?.en).toContain("Please post it on the WhatsApp channel");
  });

  it("names the outlet in the confirmation where it is not WhatsApp, so several waiting are told apart", async () => {
    const chat = new RecordingChat();
    const outlet = new ManualHandoffOutlet(chat, testPolicy());
    const attempt = { id: "x", startedAt: new Date().toISOString(), fingerprint: "f" };
    await outlet.publish(aPost({ outlet: "telegram" }), attempt);
    await outlet.publish(aPost({ outlet: "whatsapp-waha" }), attempt);
    expect(chat.toRoom[0]?.de).toContain("Danach bestätigen: `posted A-0042 telegram`");
    expect(chat.toRoom[0]?.en).toContain("Then confirm: `posted A-0042 telegram`");
    expect(chat.toRoom[1]?.de).toContain("Danach bestätigen: `posted A-0042`");
  });

  it("asks a person to edit or delete, naming the post", async () => {
    const chat = new RecordingChat();
    const outlet = new ManualHandoffOutlet(chat, testPolicy());
    await outlet.edit({ remoteId: "true_1@newsletter_X" }, aPost({ text: "Neu" }));
    await outlet.remove({ remoteId: "true_1@newsletter_X" });
    expect(chat.toRoom[0]?.de).toContain("true_1@newsletter_X");
    expect(chat.toRoom[0]?.de).toContain("Neu");
    expect(chat.toRoom[1]?.en).toContain("Delete for everyone");
  });
});
