import { describe, expect, it } from "vitest";
import { reactionMeaning } from "../../commands/actions.ts";
import { dispatch } from "../../commands/dispatch.ts";
import type { ChannelAdmin, PairingResult } from "../../src/ports/channel-admin.ts";
import { COMMANDS } from "../../commands/registry.ts";
import type { CommandInput } from "../../commands/input.ts";
import type { MediaItem } from "../../src/announcement/announcement.ts";
import { parsePolicy } from "../../adapters/config/policy-file.ts";
import { MemoryStore } from "../../src/memory/memory-store.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import { TEST_POLICY_YAML } from "../fakes/fixtures.ts";
import { OutageStore } from "../fakes/outage-store.ts";
import { aWorld, code, origin, say, type World } from "../fakes/world.ts";

const react = (w: World, user: string, id: string, reaction: string, extra: Partial<CommandInput> = {}) =>
  dispatch(
    {
      kind: "reaction",
      actor: { platform: "console", userId: user },
      origin,
      target: { id: id as `A-${string}` },
      reaction,
      ...extra,
    } as CommandInput,
    { service: w.service, policy: w.policy, clock: w.clock, log: silentLogger },
  );

describe("command grammar and handlers", () => {
  it("drafts from free text with flags and shows the WhatsApp preview", async () => {
    const w = aWorld();
    const o = await say(
      w,
      "anna",
      "Hauptstraße ab Montag **gesperrt**.\nUmleitung über Bergstraße. --category baustelle --urgent",
    );
    expect(o.kind).toBe("reply");
    if (o.kind !== "reply") return;
    expect(o.announcement).toMatchObject({ id: "A-0001", category: "baustelle", urgent: true, state: "pending" });
    expect(o.announcement?.handoff).toBeUndefined();
    expect(o.announcement?.versions[0]?.content.text).toBe(
      "Hauptstraße ab Montag *gesperrt*.\nUmleitung über Bergstraße.",
    );
    expect(o.message.de).toContain("Hauptstraße ab Montag *gesperrt*.");
    expect(o.message.en).toContain("awaits approval");
  });

  it("--handoff marks the announcement for posting by hand", async () => {
    const w = aWorld();
    const o = await say(w, "anna", "Von Hand bitte --handoff");
    expect(o.kind === "reply" && o.announcement?.handoff).toBe(true);
  });

  it("👍 from an approver is not an approval, and says which reaction is; from anyone else it is ignored", async () => {
    const w = aWorld();
    await say(w, "anna", "Wochenmarkt fällt aus");
    const hint = await react(w, "carla", "A-0001", "👍🏽");
    expect(hint.kind === "reply" && hint.message.de).toBe(
      "👍🏽 zählt nicht als Freigabe. Zum Freigeben von A-0001 bitte mit ✅ reagieren oder `approve A-0001` schreiben.",
    );
    expect(code(await react(w, "carla", "A-0001", ":+1:"))).toBe("reply");
    expect(code(await react(w, "zora", "A-0001", "👍"))).toBe("ignored");
    expect(code(await react(w, "carla", "A-0001", "🎉"))).toBe("ignored");
    expect((await w.store.get("A-0001"))?.approvals).toEqual([]);
  });

  it("--now publishes at once for the person on duty at night; ✅ then closes the review", async () => {
    const w = aWorld();
    w.clock.advance(Date.parse("2026-12-01T01:00:00Z") - w.clock.now().getTime());
    const o = await say(w, "ben", "Sturm: B 75 gesperrt. --category sturm --now");
    expect(o.kind === "reply" && o.announcement).toMatchObject({ state: "publishing", review: { state: "open" } });
    expect(o.kind === "reply" && o.message.de).toMatch(/^A-0001 geht jetzt ohne Freigabe raus/);
    expect(o.kind === "reply" && o.message.de).not.toMatch(/wartet auf Freigabe/);
    expect(code(await say(w, "anna", "Auch sofort --category sturm --now"))).toBe("BREAK_GLASS_NOT_ON_DUTY");
    const x = await react(w, "carla", "A-0001", "❌");
    expect(x.kind === "reply" && x.message.de).toContain("review A-0001 flag");
    expect(code(await react(w, "carla", "A-0001", "✅"))).toBe("reply");
    expect((await w.store.get("A-0001"))?.review).toMatchObject({ state: "ok", by: "carla" });
    expect(code(await say(w, "dieter", "review A-0001 ok"))).toBe("NO_OPEN_REVIEW");
    expect(code(await say(w, "dieter", "review A-0001 maybe"))).toBe("UNEXPECTED_ARGUMENTS");
  });

  it("schedules with --at in the town's time zone", async () => {
    const w = aWorld();
    const o = await say(w, "anna", 'Sommerfest! --at "2026-12-12 08:00"');
    expect(o.kind === "reply" && o.announcement?.publishAt).toBe("2026-12-12T07:00:00.000Z");
  });

  it.each([
    ["", "EMPTY_TEXT"],
    ["--category baustelle", "EMPTY_TEXT"],
    ["Text --foo", "UNKNOWN_FLAG"],
    ["Text --category", "FLAG_NEEDS_VALUE"],
    ["Text --category a --category b", "FLAG_REPEATED"],
    ["Text --category nirgends", "UNKNOWN_CATEGORY"],
    ["--template gasleck street=Obernstraße", "UNKNOWN_TEMPLATE"],
    ["--template wasserrohrbruch street=Obernstraße", "MISSING_VARIABLE"],
    [`${"x".repeat(4097)}`, "TEXT_TOO_LONG"],
    ["Text --at gestern", "UNPARSABLE_DATE"],
    ['Text --at "2026-02-30 10:00"', "UNPARSABLE_DATE"],
    ['Text --at "2026-11-01 10:00"', "DATE_IN_PAST"],
    ['Text --at "2027-03-28 02:30"', "DATE_DOES_NOT_EXIST"],
    ['Text --at "2029-01-01 10:00"', "DATE_TOO_FAR"],
    ["Info unter http://achim.de", "INSECURE_LINK"],
    ['poll "Welcher Termin?" "Dienstag"', "POLL_TOO_FEW_OPTIONS"],
    [`poll "Frage?" ${Array.from({ length: 13 }, (_, i) => `"O${i}"`).join(" ")}`, "POLL_TOO_MANY_OPTIONS"],
    ['poll "Frage?" "Ja" "ja"', "POLL_DUPLICATE_OPTION"],
    ["poll", "POLL_QUESTION_MISSING"],
    ["status", "MISSING_ID"],
    ["status 42x", "INVALID_ID"],
    ["status A-0042", "NOT_FOUND"],
    ["status A-0042 extra", "UNEXPECTED_ARGUMENTS"],
    ["list all", "UNEXPECTED_ARGUMENTS"],
    ["edit", "MISSING_ID"],
    ["edit A-0001", "NOT_FOUND"],
    ["withdraw A-9", "NOT_FOUND"],
    ["approve", "MISSING_ID"],
    ["approve A-0001 v1 now", "UNEXPECTED_ARGUMENTS"],
    ["reject A-0001", "NOT_FOUND"],
    ["posted A-0001", "NOT_FOUND"],
    ["correct A-0001 neuer Text", "NOT_FOUND"],
    ["retract A-0001 falsch", "NOT_FOUND"],
    ["correct", "MISSING_ID"],
    ["update A-0001 Text", "NOT_FOUND"],
    ["crisis maybe", "UNEXPECTED_ARGUMENTS"],
    ["statuss A-0001", "UNKNOWN_COMMAND"],
    ["zeige A-0042 bitte", "UNKNOWN_COMMAND"],
  ])("answers %j with %s and stores nothing", async (input, expected) => {
    const w = aWorld();
    const o = await say(w, "anna", input);
    expect(code(o)).toBe(expected);
    if (o.kind === "error") {
      expect(o.message.de.length).toBeGreaterThan(10);
      expect(o.message.en.length).toBeGreaterThan(10);
      expect(o.message.de).not.toBe(o.message.en);
    }
    expect(await w.store.currentSequence("announcement")).toBe(0);
    expect(await w.store.openIds()).toEqual([]);
  });

  it("names a past time as the person wrote it", async () => {
    const w = aWorld();
    const o = await say(w, "anna", 'Text --at "01.11.2026 10:00"');
    expect(o.kind === "error" && o.message.de).toContain(
      "„01.11.2026 10:00“ (So, 01.11.2026, 10:00) liegt in der Vergangenheit",
    );
    expect(o.kind === "error" && o.message.en).toContain('"01.11.2026 10:00" (Sun 1 Nov 2026, 10:00) is in the past');
  });

  it("refuses pictures of the wrong type or size before anything is stored", async () => {
    const w = aWorld();
    const gif: MediaItem = { name: "plan.gif", mimeType: "image/gif", bytes: 1000, sha256: "a" };
    const huge: MediaItem = { name: "foto.jpg", mimeType: "image/jpeg", bytes: 6 * 1024 * 1024, sha256: "b" };
    expect(code(await say(w, "anna", "Bild", [gif]))).toBe("MEDIA_TYPE_NOT_ALLOWED");
    const tooLarge = await say(w, "anna", "Bild", [huge]);
    expect(code(tooLarge)).toBe("MEDIA_TOO_LARGE");
    expect(tooLarge.kind === "error" && tooLarge.message.de).toContain("6.00 MB");
    expect(await w.store.currentSequence("announcement")).toBe(0);
  });

  it("a picture without a description: the author confirms first, or the category requires one", async () => {
    const w = aWorld();
    const photo: MediaItem = { name: "baustelle.jpg", mimeType: "image/jpeg", bytes: 1000, sha256: "c" };
    const asked = await say(w, "anna", "Die Baustelle von oben --category baustelle", [photo]);
    expect(code(asked)).toBe("MEDIA_DESCRIPTION_MISSING");
    expect(asked.kind === "error" && asked.message.de).toContain("--no-description");
    expect(await w.store.currentSequence("announcement")).toBe(0);
    const confirmed = await say(w, "anna", "Die Baustelle von oben --category baustelle --no-description", [photo]);
    expect(code(confirmed)).toBe("reply");
    const described = await say(w, "anna", 'Die Baustelle --alt "Bagger auf der Hauptstraße"', [photo]);
    expect(described.kind === "reply" && described.announcement?.versions[0]?.content.media[0]?.altText).toBe(
      "Bagger auf der Hauptstraße",
    );
    const strict = aWorld(
      new MemoryStore(),
      undefined,
      parsePolicy(
        TEST_POLICY_YAML.replace(
          "baustelle: { label: Baustelle, approvers: [carla, dieter, erik], quorum: 2, deadline: 1h }",
          "baustelle: { label: Baustelle, approvers: [carla, dieter, erik], quorum: 2, deadline: 1h, readability: { describeMedia: required } }",
        ),
        "strict.yaml",
      ),
    );
    const refused = await say(strict, "anna", "Ohne Beschreibung --category baustelle --no-description", [photo]);
    expect(code(refused)).toBe("MEDIA_DESCRIPTION_REQUIRED");
    expect(await strict.store.currentSequence("announcement")).toBe(0);
  });

  it("the draft's preview carries plain-language hints, and nothing is blocked by them", async () => {
    const w = aWorld();
    const long =
      "Aufgrund der umfangreichen Sanierungsarbeiten an der Wasserleitung in der Hauptstraße wird die Straße ab Montag, dem 12. Juni, bis voraussichtlich Freitag, dem 30. Juni, zwischen der Einmündung Bergstraße und dem Marktplatz für den gesamten Durchgangsverkehr voll gesperrt.";
    const o = await say(w, "anna", long);
    expect(code(o)).toBe("reply");
    expect(o.kind === "reply" && o.message.de).toMatch(/💡 Hinweise:[\s\S]*Satz mit \d+ Wörtern/);
    expect(o.kind === "reply" && o.message.en).toMatch(/💡 Hints:[\s\S]*Sentence with \d+ words/);
  });

  it("drafts text that merely mentions a motorway like A1", async () => {
    const w = aWorld();
    expect(code(await say(w, "anna", "Sperrung A1 zwischen Achim und Bremen"))).toBe("reply");
  });

  it("answers a store failure with a friendly error and logs it", async () => {
    const w = aWorld();
    w.store.get = () => Promise.reject(new Error("connection refused"));
    const logged: unknown[] = [];
    const log = { ...silentLogger, error: (obj: object) => void logged.push(obj) };
    const o = await dispatch(
      { kind: "text", actor: { platform: "console", userId: "anna" }, origin, text: "status A-0001" },
      { service: w.service, policy: w.policy, clock: w.clock, log },
    );
    expect(code(o)).toBe("TEMPORARILY_UNAVAILABLE");
    expect(logged).toHaveLength(1);
  });

  it("refuses people the policy does not know", async () => {
    const w = aWorld();
    expect(code(await say(w, "mallory", "Hallo"))).toBe("UNKNOWN_PERSON");
    expect(await w.store.currentSequence("announcement")).toBe(0);
  });

  it("approves by ✅ reaction (skin tone and U+FE0F ignored) and by command, refuses stale versions", async () => {
    const w = aWorld();
    await say(w, "anna", "Erster Text --category baustelle");
    expect(code(await react(w, "carla", "A-0001", "✅\uFE0F", { target: { id: "A-0001", version: 1 } }))).toBe("reply");
    expect(code(await say(w, "anna", "edit A-0001 Zweiter Text"))).toBe("reply");
    expect(
      code(
        await react(w, "dieter", "A-0001", "white_check_mark::skin-tone-3", { target: { id: "A-0001", version: 1 } }),
      ),
    ).toBe("STALE_VERSION");
    expect(code(await say(w, "dieter", "approve A-0001 v1"))).toBe("STALE_VERSION");
    expect(code(await say(w, "dieter", "freigeben a-1 v2"))).toBe("reply");
    const done = await say(w, "erik", "approve A-0001");
    expect(done.kind === "reply" && done.announcement?.state).toBe("publishing");
  });

  it("a removed ✅ revokes the approval; ❌ asks for a reason; other emoji are ignored", async () => {
    const w = aWorld();
    await say(w, "anna", "Text --category baustelle");
    await react(w, "carla", "A-0001", "✅");
    expect(code(await react(w, "carla", "A-0001", "✅", { removed: true }))).toBe("reply");
    expect((await w.store.get("A-0001"))?.approvals).toEqual([]);
    expect(code(await react(w, "carla", "A-0001", "✅", { removed: true }))).toBe("ignored");
    const x = await react(w, "carla", "A-0001", "❌");
    expect(x).toMatchObject({ kind: "needs_reason", action: "reject", id: "A-0001", version: 1 });
    expect((await w.store.get("A-0001"))?.state).toBe("pending");
    expect(code(await react(w, "anna", "A-0001", "❌"))).toBe("SELF_REJECTION");
    expect(code(await react(w, "ben", "A-0001", "❌"))).toBe("NOT_AN_APPROVER");
    expect(code(await react(w, "carla", "A-0001", "🎉"))).toBe("ignored");
  });

  it("a ✅ counted before changes nothing and says nothing; approvals report what is still needed", async () => {
    const w = aWorld();
    await say(w, "anna", "Text --category baustelle");
    const first = await react(w, "carla", "A-0001", "✅");
    expect(first).toMatchObject({ kind: "reply", effect: { kind: "approved", id: "A-0001", remaining: 1 } });
    expect(code(await react(w, "carla", "A-0001", "✅"))).toBe("ignored");
    expect((await w.store.get("A-0001"))?.approvals).toHaveLength(1);
    const second = await react(w, "dieter", "A-0001", "✅");
    expect(second).toMatchObject({ kind: "reply", effect: { kind: "approved", remaining: 0 } });
  });

  it("buttons and forms arrive as structured actions: the core checks who may, before a form opens", async () => {
    const w = aWorld();
    const deps = { service: w.service, policy: w.policy, clock: w.clock, log: silentLogger };
    const act = (userId: string, action: Extract<CommandInput, { kind: "action" }>["action"]) =>
      dispatch(
        { kind: "action", actor: { platform: "console", userId }, origin: { platform: "console", room: "t" }, action },
        deps,
      );
    await say(w, "anna", "Text");
    expect(code(await act("ben", { command: "reject", id: "A-0001", version: 1 }))).toBe("NOT_AN_APPROVER");
    expect(await act("carla", { command: "reject", id: "A-0001", version: 1 })).toMatchObject({ kind: "needs_reason" });
    expect(code(await act("ben", { command: "edit", id: "A-0001" }))).toBe("NOT_ALLOWED_TO_CHANGE");
    expect(await act("anna", { command: "edit", id: "A-0001" })).toMatchObject({ kind: "needs_text", text: "Text" });
    expect(await act("anna", { command: "withdraw", id: "A-0001" })).toMatchObject({
      kind: "needs_reason",
      action: "withdraw",
    });
    expect(await act("carla", { command: "reject", id: "A-0001", version: 1, reason: "Datum fehlt" })).toMatchObject({
      kind: "reply",
      effect: { kind: "rejected", id: "A-0001" },
    });
    expect((await w.store.get("A-0001"))?.decision?.reason).toBe("Datum fehlt");
  });

  it("self-approval and non-approvers are refused with a reason", async () => {
    const w = aWorld();
    await say(w, "carla", "Text");
    expect(code(await say(w, "carla", "approve A-0001"))).toBe("SELF_APPROVAL");
    expect(code(await react(w, "ben", "A-0001", "✅"))).toBe("NOT_AN_APPROVER");
    expect((await w.store.get("A-0001"))?.approvals).toEqual([]);
  });

  it("reject needs a reason and tells the author", async () => {
    const w = aWorld();
    await say(w, "anna", "Text");
    expect(code(await say(w, "carla", "reject A-0001"))).toBe("MISSING_REASON");
    expect(code(await say(w, "carla", "ablehnen A-0001 v1 Datum fehlt"))).toBe("reply");
    expect((await w.store.get("A-0001"))?.decision?.reason).toBe("Datum fehlt");
  });

  it("takes a form's literal body as the text, `--` and all, and records button approvals", async () => {
    const w = aWorld();
    const deps = { service: w.service, policy: w.policy, clock: w.clock, log: silentLogger };
    const base = { kind: "text" as const, origin, actor: { platform: "console", userId: "anna" } };
    const drafted = await dispatch(
      { ...base, text: "--category baustelle", body: "Umleitung --urgent beachten" },
      deps,
    );
    expect(drafted.kind === "reply" && drafted.announcement).toMatchObject({ category: "baustelle", urgent: false });
    expect(drafted.kind === "reply" && drafted.announcement?.versions[0]?.content.text).toBe(
      "Umleitung --urgent beachten",
    );
    const edited = await dispatch({ ...base, text: "edit A-0001", body: "Neu --at morgen" }, deps);
    expect(edited.kind === "reply" && edited.announcement?.versions[1]?.content.text).toBe("Neu --at morgen");
    const approved = await dispatch(
      {
        kind: "action",
        actor: { platform: "console", userId: "carla" },
        origin: base.origin,
        action: { command: "approve", id: "A-0001", version: 2 },
      },
      deps,
    );
    expect(approved.kind === "reply" && approved.announcement?.approvals[0]?.via).toBe("button");
  });

  it("`--` drafts text that begins with a command word", async () => {
    const w = aWorld();
    const o = await say(w, "anna", "-- Status der Baustelle: fertig");
    expect(o.kind === "reply" && o.announcement?.versions[0]?.content.text).toBe("Status der Baustelle: fertig");
  });

  it("list, status and history show the announcement", async () => {
    const w = aWorld();
    await say(w, "anna", "Eins");
    await say(w, "anna", "Zwei");
    await say(w, "carla", "reject A-0002 Doppelt");
    const list = await say(w, "anna", "list");
    expect(list.kind === "reply" && list.message.de).toContain("A-0001");
    expect(list.kind === "reply" && list.message.de).not.toContain("A-0002");
    const status = await say(w, "anna", "status A-0002");
    expect(status.kind === "reply" && status.message.de).toContain("Doppelt");
    const history = await say(w, "anna", "history A-0002");
    expect(history.kind === "reply" && history.message.de.split("\n")).toHaveLength(4);
    const recent = await say(w, "anna", "history");
    expect(recent.kind === "reply" && recent.message.en).toContain("A-0001");
  });

  it("list names a poll by its question and drops WhatsApp markup from titles", async () => {
    const w = aWorld();
    await say(w, "anna", 'poll "Welcher Termin passt für das Stadtfest?" Samstag Sonntag');
    await say(w, "anna", "*Sperrung* der Obernstraße\nab Montag");
    const list = await say(w, "anna", "list");
    expect(list.kind === "reply" && list.message.de).toContain("– Welcher Termin passt für das Stadtfest?");
    expect(list.kind === "reply" && list.message.de).toContain("– Sperrung der Obernstraße");
  });

  it("help lists every command of the table in both languages", async () => {
    const w = aWorld();
    const o = await say(w, "anna", "hilfe");
    if (o.kind !== "reply") throw new Error("no help");
    expect(o.message.de).toContain(
      "Kanal fake (`--to fake`, `--not fake`): Text, Bilder, Videos, Umfragen; bis 4096 Zeichen (mit Bild/Video 1024); korrigierbar.",
    );
    for (const spec of Object.values(COMMANDS)) {
      expect(typeof spec.run).toBe("function");
      expect(o.message.de).toContain(spec.usage);
      expect(o.message.de).toContain(spec.summary.de);
      expect(o.message.en).toContain(spec.summary.en);
    }
  });

  it("reads reactions", () => {
    expect(reactionMeaning("✅")).toBe("approve");
    expect(reactionMeaning(":heavy_check_mark:")).toBe("approve");
    expect(reactionMeaning("x")).toBe("reject");
    expect(reactionMeaning("❌")).toBe("reject");
    expect(reactionMeaning("👍🏽")).toBeUndefined();
  });

  describe("whatsapp status and pairing", () => {
    const admin = (health: "ok" | "down" = "down") => {
      const calls: string[] = [];
      return {
        calls,
        channel: {
          name: "WAHA",
          status: async () =>
            health === "ok"
              ? { state: "ok" as const }
              : { state: "down" as const, reason: "session SCAN_QR_CODE", problem: "session_not_ready" as const },
          pairingCode: async (phone: string) => {
            calls.push(`code ${phone}`);
            return { ok: true as const, kind: "code" as const, code: "ABCD-EFGH" };
          },
          pairingQr: async () => {
            calls.push("qr");
            return { ok: true as const, kind: "qr" as const, value: "2@xyz" };
          },
        },
      };
    };
    const run = (w: World, user: string, text: string, channel?: ChannelAdmin) =>
      dispatch(
        { kind: "text", actor: { platform: "console", userId: user }, origin, text },
        { service: w.service, policy: w.policy, clock: w.clock, log: silentLogger, ...(channel ? { channel } : {}) },
      );

    it("tells anyone the link's state", async () => {
      const w = aWorld();
      const o = await run(w, "anna", "whatsapp status", admin().channel);
      expect(o.kind === "reply" && o.message).toEqual({
        de: "WhatsApp (WAHA): funktioniert nicht – die WhatsApp-Sitzung ist nicht verbunden. IT: neu koppeln mit `whatsapp qr` oder `whatsapp pair <Telefonnummer>`.",
        en: "WhatsApp (WAHA): not working – the WhatsApp session is not linked. IT: re-pair with `whatsapp qr` or `whatsapp pair <phone number>`.",
      });
      expect(code(await run(w, "anna", "whatsapp"))).toBe("NO_GATEWAY");
    });

    it("pairs only for admins, privately, with a checked phone number", async () => {
      const w = aWorld();
      const a = admin();
      expect(code(await run(w, "carla", "whatsapp pair 4915112345678", a.channel))).toBe("NOT_ADMIN");
      expect(code(await run(w, "erik", "whatsapp pair 0151-123", a.channel))).toBe("INVALID_PHONE");
      expect(a.calls).toEqual([]);
      const paired = await run(w, "erik", "whatsapp pair +4915112345678", a.channel);
      expect(paired).toMatchObject({ kind: "reply", private: true });
      expect(paired.kind === "reply" && paired.message.en).toContain("Pairing code: ABCD-EFGH");
      const qr = await run(w, "erik", "whatsapp qr", a.channel);
      expect(qr).toMatchObject({ kind: "reply", private: true, qr: "2@xyz" });
      expect(a.calls).toEqual(["code 4915112345678", "qr"]);
      expect(code(await run(w, "erik", "whatsapp reboot", a.channel))).toBe("UNKNOWN_COMMAND");
    });

    it("a refused pairing is said in the admin's language; the gateway's own words go to the log", async () => {
      const w = aWorld();
      const refusing: PairingResult = { ok: false, reason: "the session is not waiting for pairing" };
      const channel: ChannelAdmin = { ...admin().channel, pairingQr: async () => refusing };
      const refused = await run(w, "erik", "whatsapp qr", channel);
      expect(code(refused)).toBe("GATEWAY_REFUSED");
      expect(refused.kind === "error" && refused.message.de).toBe(
        "Das Gateway hat die Kopplung abgelehnt (ist die Sitzung schon verbunden?). Einzelheiten stehen im Protokoll.",
      );
    });
  });
});

describe("while the store is unreachable", () => {
  /** A world with A-0001 drafted by anna, whose store then goes down. */
  async function downWorld() {
    const store = new OutageStore();
    const w = aWorld(store);
    expect(code(await say(w, "anna", "Hauptstraße gesperrt --category baustelle"))).toBe("reply");
    store.down = true;
    return w;
  }

  it.each([
    "status A-0001",
    "list",
    "approve A-0001",
    "approve A-0001 v1",
    "reject A-0001 Falsche Straße",
    "edit A-0001 Bergstraße gesperrt",
    "withdraw A-0001 doppelt",
    "posted A-0001",
    "history A-0001",
    "history",
    "correct A-0001 Bergstraße",
    "retract A-0001 falsch",
    "update A-0001 Weiter gesperrt",
    "allclear A-0001 Wieder frei",
    "review A-0001 ok",
    "crisis on",
    "crisis status",
    "exercise status",
    "template list",
    "template approve wasserrohrbruch",
    "announce Neue Meldung",
    'poll "Frage?" "Ja" "Nein"',
    "Freier Text wird eine Meldung",
  ])("`%s` says it cannot check or change anything now, never that something does not exist", async (line) => {
    const w = await downWorld();
    const o = await say(w, "carla", line);
    expect(code(o)).toBe("STORE_UNAVAILABLE");
    expect(o.kind === "error" && o.message.de).toMatch(/nichts prüfen oder ändern.*nicht erreichbar/);
    expect(o.kind === "error" && o.message.en).toMatch(/cannot check or change anything.*unreachable/);
  });

  it("a reaction and a button answer the same", async () => {
    const w = await downWorld();
    expect(code(await react(w, "carla", "A-0001", "✅"))).toBe("STORE_UNAVAILABLE");
    const button = await dispatch(
      {
        kind: "action",
        actor: { platform: "console", userId: "carla" },
        origin,
        action: { command: "approve", id: "A-0001" },
      },
      { service: w.service, policy: w.policy, clock: w.clock, log: silentLogger },
    );
    expect(code(button)).toBe("STORE_UNAVAILABLE");
  });

  it("logs a warning naming the store, not an error, and once it is back the same command works", async () => {
    const w = await downWorld();
    const warned: object[] = [];
    const errors: object[] = [];
    const log = {
      ...silentLogger,
      warn: (obj: object) => void warned.push(obj),
      error: (obj: object) => void errors.push(obj),
    };
    const approve = () =>
      dispatch(
        { kind: "text", actor: { platform: "console", userId: "carla" }, origin, text: "approve A-0001" },
        { service: w.service, policy: w.policy, clock: w.clock, log },
      );
    expect(code(await approve())).toBe("STORE_UNAVAILABLE");
    expect(warned).toEqual([expect.objectContaining({ store: expect.stringMatching(/unreachable/) })]);
    expect(errors).toEqual([]);
    (w.store as OutageStore).down = false;
    expect(code(await approve())).toBe("reply");
    expect((await w.store.get("A-0001"))?.approvals).toHaveLength(1);
  });
});
