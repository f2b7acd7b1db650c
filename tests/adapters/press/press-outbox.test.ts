import { afterEach, describe, expect, it } from "vitest";
import { PressMailOutlet } from "../../../adapters/press/press-mail.ts";
import type { AnnouncementId } from "../../../src/announcement/announcement.ts";
import { createAnnouncementService } from "../../../src/announcement/service.ts";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { Outbox } from "../../../src/outbox/outbox.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import { FakeSmtp, TEST_CA } from "../../fakes/fake-smtp.ts";
import { FixedClock, RecordingNotices, testPolicy } from "../../fakes/fixtures.ts";
import { parseMail } from "../../fakes/mime.ts";
import { origin, text } from "../../fakes/world.ts";

const LOGIN = { user: "presse@achim.example", pass: "geheim" };

let fake: FakeSmtp | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Service and outbox with the press mail as the only outlet, as the composition root wires an outlet. */
async function pressWorld() {
  fake = await FakeSmtp.start({ tls: "implicit", login: LOGIN });
  const press = new PressMailOutlet({
    smtpUrl: fake.url(LOGIN),
    to: "presseverteiler@lists.achim.example",
    from: "Pressestelle <presse@achim.example>",
    media: async () => undefined,
    ca: TEST_CA,
    timeoutMs: 2_000,
  });
  const store = new MemoryStore();
  const clock = new FixedClock();
  const notices = new RecordingNotices();
  const policy = testPolicy();
  const service = createAnnouncementService({ store, policy, clock, outlets: [press], notices, log: silentLogger });
  const outbox = new Outbox({
    store,
    outlets: new Map([[press.id, press]]),
    clock,
    notices,
    log: silentLogger,
  });
  const publish = async (body: string): Promise<AnnouncementId> => {
    const a = await service.draft("anna", { content: text(body), origin });
    if (!a.ok) throw new Error(a.error.code);
    await service.approve("carla", a.value.id, { via: "command" });
    await outbox.runOnce();
    return a.value.id;
  };
  return { smtp: fake, store, clock, notices, service, outbox, publish };
}

describe("press mail through the outbox", () => {
  it("publishes, corrects and retracts as one mail thread", async () => {
    const w = await pressWorld();
    const id = await w.publish("*Hauptstraße* gesperrt.");
    expect((await w.store.get(id))?.state).toBe("published");

    await w.service.requestCorrection("anna", id, text("Hauptstraße gesperrt – bis Freitag."));
    await w.service.approve("carla", id, { via: "command" });
    await w.outbox.runOnce();
    expect((await w.store.get(id))?.state).toBe("corrected");

    await w.service.requestRetraction("anna", id, "Falsche Straße");
    await w.service.approve("carla", id, { via: "command" });
    await w.outbox.runOnce();
    expect((await w.store.get(id))?.state).toBe("retracted");

    const mails = w.smtp.accepted.map((m) => parseMail(m.raw).headers);
    const original = mails[0]?.get("message-id");
    expect(original).toMatch(new RegExp(`^<${id}\\.v1\\.publish\\.[0-9a-f]+@achim\\.example>$`));
    expect(mails.map((h) => h.get("subject"))).toEqual([
      "[Pressemitteilung] Hauptstraße gesperrt.",
      "[Pressemitteilung] Korrektur: Hauptstraße gesperrt – bis Freitag.",
      "[Pressemitteilung] Zurückgezogen: Hauptstraße gesperrt – bis Freitag.",
    ]);
    expect(mails.slice(1).map((h) => h.get("in-reply-to"))).toEqual([original, original]);
    expect((await w.store.get(id))?.deliveries[0]?.receipt?.remoteId).toBe(original);
  });

  it("an unclear send is handed to a person to check, never sent again by itself", async () => {
    const w = await pressWorld();
    w.smtp.dropAfterData();
    const id = await w.publish("Hauptstraße gesperrt.");
    w.clock.advance(60_000);
    await w.outbox.runOnce();

    expect((await w.store.get(id))?.deliveries[0]?.state).toBe("needs_manual_check");
    expect(w.notices.kinds()).toContain("needs_manual_check");
    expect(w.smtp.mails).toHaveLength(1);
  });

  it("a server that cannot be reached makes the post wait, nothing sent", async () => {
    const w = await pressWorld();
    await w.smtp.close();
    fake = undefined;
    const id = await w.publish("Hauptstraße gesperrt.");

    const delivery = (await w.store.get(id))?.deliveries[0];
    expect(delivery).toMatchObject({ state: "queued", waitsForOutlet: true });
    expect(delivery?.lastError).toContain("ECONNREFUSED");
  });
});
