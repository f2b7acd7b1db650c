import { afterEach, describe, expect, it } from "vitest";
import type { FeedsOutlet } from "../../../adapters/feeds/feeds-outlet.ts";
import { capTime } from "../../../adapters/feeds/text.ts";
import { attempt, BASE, capSchemaErrors, feeds, listening, LOOPBACK, parser, post, SENDER } from "./harness.ts";

const started: FeedsOutlet[] = [];
afterEach(async () => {
  for (const outlet of started.splice(0)) await outlet.stop();
});

async function running(options: Parameters<typeof feeds>[0] = {}) {
  const f = feeds({ listen: LOOPBACK, ...options });
  started.push(f.outlet);
  return { ...f, ...(await listening(f)) };
}

interface CapAlert {
  identifier: string;
  sender: string;
  sent: string;
  status: string;
  msgType: string;
  scope: string;
  references?: string;
  incidents?: string;
  info: {
    language: string;
    category: string;
    event: string;
    responseType?: string;
    urgency: string;
    severity: string;
    certainty: string;
    expires?: string;
    headline: string;
    description: string;
    web: string;
    area: { areaDesc: string; geocode?: { valueName: string; value: string } };
  }[];
}

interface CapIndexEntry {
  id: string;
  title: string;
  updated: string;
  link: { "@rel": string; "@type": string; "@href": string }[];
}

/** Every CAP document in the index, newest first: schema-valid, parsed. */
async function capMessages(get: (path: string) => Promise<Response>) {
  const index = parser.parse(await (await get("/cap.atom")).text()) as { feed: { entry?: CapIndexEntry[] } };
  const entries = index.feed.entry ?? [];
  const alerts: CapAlert[] = [];
  for (const entry of entries) {
    const link = [entry.link].flat().find((l) => l["@rel"] === "alternate");
    expect(link?.["@type"]).toBe("application/cap+xml");
    const path = (link?.["@href"] ?? "").slice(BASE.length);
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/cap+xml; charset=utf-8");
    const doc = await res.text();
    expect(await capSchemaErrors(doc)).toEqual([]);
    alerts.push((parser.parse(doc) as { alert: CapAlert }).alert);
  }
  return { entries, alerts };
}

const triple = (a: CapAlert) => `${a.sender},${a.identifier},${a.sent}`;

describe("CAP 1.2 for emergency posts", () => {
  it("Alert → Update → Cancel (all-clear): valid documents, each referencing the earlier ones of the incident", async () => {
    const f = await running();
    await f.outlet.publish(
      post({
        text: "*Wasserrohrbruch* in der Obernstraße.\nBitte meiden Sie den Bereich.",
        category: "wasser",
        emergency: true,
        incident: { kind: "alert", root: "A-0042" },
        expiresAt: "2026-11-30T17:00:00.000Z",
      }),
      attempt(),
    );
    f.clock.advance(30 * 60_000);
    await f.outlet.publish(
      post({
        announcementId: "A-0043",
        text: "Die Reparatur dauert bis 18 Uhr.",
        category: "wasser",
        emergency: true,
        incident: { kind: "update", root: "A-0042", follows: "A-0042" },
      }),
      attempt(),
    );
    f.clock.advance(60 * 60_000);
    await f.outlet.publish(
      post({
        announcementId: "A-0044",
        text: "Entwarnung: Die Obernstraße ist wieder frei.",
        category: "wasser",
        emergency: true,
        incident: { kind: "cancel", root: "A-0042", follows: "A-0043" },
      }),
      attempt(),
    );
    const { entries, alerts } = await capMessages(f.get);
    const [cancel, update, alert] = alerts;
    if (!alert || !update || !cancel) throw new Error("three CAP messages expected");
    expect(alerts.map((a) => a.msgType)).toEqual(["Cancel", "Update", "Alert"]);
    expect(alert).toMatchObject({
      identifier: "amtsbote.A-0042.v1.alert",
      sender: SENDER,
      sent: "2026-11-30T10:00:00+01:00",
      status: "Actual",
      scope: "Public",
      incidents: "A-0042",
    });
    expect(alert.references).toBeUndefined();
    expect(alert.info[0]).toMatchObject({
      language: "de-DE",
      category: "Safety",
      event: "wasser",
      urgency: "Immediate",
      severity: "Severe",
      certainty: "Observed",
      expires: "2026-11-30T18:00:00+01:00",
      headline: "Wasserrohrbruch in der Obernstraße.",
      description: "Wasserrohrbruch in der Obernstraße.\nBitte meiden Sie den Bereich.",
      web: `${BASE}/posts/A-0042.html`,
      area: { areaDesc: "Stadt Achim", geocode: { valueName: "ARS", value: "033610001001" } },
    });
    expect(update).toMatchObject({ identifier: "amtsbote.A-0043.v1.update", sent: "2026-11-30T10:30:00+01:00" });
    expect(update.references).toBe(triple(alert));
    expect(cancel.identifier).toBe("amtsbote.A-0044.v1.cancel");
    expect(cancel.references).toBe(`${triple(alert)} ${triple(update)}`);
    expect(cancel.info[0]?.responseType).toBe("AllClear");
    expect(entries.map((e) => e.updated)).toEqual([
      "2026-11-30T10:30:00Z",
      "2026-11-30T09:30:00Z",
      "2026-11-30T09:00:00Z",
    ]);
  });

  it("a correction is an Update and a retraction a Cancel of the post's own messages; the Cancel stays in the index", async () => {
    const f = await running();
    const alert = post({ emergency: true, text: "Hochwasser an der Weser." });
    await f.outlet.publish(alert, attempt());
    f.clock.advance(60_000);
    await f.outlet.edit(
      { remoteId: "A-0042" },
      post({ emergency: true, version: 2, text: "Hochwasser an der Weser und Aller." }),
    );
    f.clock.advance(60_000);
    await f.outlet.remove({ remoteId: "A-0042" });
    const { alerts } = await capMessages(f.get);
    const [cancel, update, first] = alerts;
    if (!first || !update || !cancel) throw new Error("three CAP messages expected");
    expect(alerts.map((a) => a.identifier)).toEqual([
      "amtsbote.A-0042.v2.cancel",
      "amtsbote.A-0042.v2.update",
      "amtsbote.A-0042.v1.alert",
    ]);
    expect(update.references).toBe(triple(first));
    expect(update.info[0]?.description).toBe("Hochwasser an der Weser und Aller.");
    expect(cancel.references).toBe(`${triple(first)} ${triple(update)}`);
    expect(cancel.info[0]?.headline).toBe("Zurückgenommen: Hochwasser an der Weser und Aller.");
    const json = (await (await f.get("/feed.json")).json()) as { items: unknown[] };
    expect(json.items).toEqual([]);
  });

  it("issuing again (a repeated publication, edit or removal) never makes a second CAP message", async () => {
    const f = await running();
    await f.outlet.publish(post({ emergency: true }), attempt(1));
    f.clock.advance(60_000);
    await f.outlet.publish(post({ emergency: true }), attempt(2));
    await f.outlet.edit({ remoteId: "A-0042" }, post({ emergency: true, version: 2, text: "Neu" }));
    f.clock.advance(60_000);
    await f.outlet.edit({ remoteId: "A-0042" }, post({ emergency: true, version: 2, text: "Neu" }));
    await f.outlet.remove({ remoteId: "A-0042" });
    f.clock.advance(60_000);
    await f.outlet.remove({ remoteId: "A-0042" });
    const { alerts } = await capMessages(f.get);
    expect(alerts.map((a) => [a.msgType, a.sent])).toEqual([
      ["Cancel", "2026-11-30T10:02:00+01:00"],
      ["Update", "2026-11-30T10:01:00+01:00"],
      ["Alert", "2026-11-30T10:00:00+01:00"],
    ]);
  });

  it("retracting an all-clear adds nothing: the incident stays ended; correcting it is again a Cancel", async () => {
    const f = await running();
    await f.outlet.publish(post({ emergency: true, incident: { kind: "alert", root: "A-0042" } }), attempt());
    const allClear = post({
      announcementId: "A-0043",
      emergency: true,
      text: "Entwarnung",
      incident: { kind: "cancel", root: "A-0042" },
    });
    await f.outlet.publish(allClear, attempt());
    await f.outlet.edit({ remoteId: "A-0043" }, { ...allClear, version: 2, text: "Entwarnung: alles frei" });
    await f.outlet.remove({ remoteId: "A-0043" });
    const { alerts } = await capMessages(f.get);
    expect(alerts.map((a) => a.identifier).sort()).toEqual([
      "amtsbote.A-0042.v1.alert",
      "amtsbote.A-0043.v1.cancel",
      "amtsbote.A-0043.v2.cancel",
    ]);
  });

  it("no CAP for ordinary posts, nor when CAP is not configured; a follow-up with nothing to follow is an Alert", async () => {
    const plain = await running();
    await plain.outlet.publish(post(), attempt());
    expect((await capMessages(plain.get)).alerts).toEqual([]);
    const noCap = await running({ cap: undefined });
    await noCap.outlet.publish(post({ emergency: true }), attempt());
    expect((await capMessages(noCap.get)).alerts).toEqual([]);
    const orphan = await running();
    await orphan.outlet.publish(
      post({ announcementId: "A-0050", emergency: true, incident: { kind: "update", root: "A-0001" } }),
      attempt(),
    );
    await orphan.outlet.publish(
      post({ announcementId: "A-0051", emergency: true, incident: { kind: "cancel", root: "A-0002" } }),
      attempt(),
    );
    const { alerts } = await capMessages(orphan.get);
    expect(alerts.map((a) => [a.identifier, a.references])).toEqual([["amtsbote.A-0050.v1.alert", undefined]]);
  });

  it("hostile text, a picture and configured values still make a schema-valid document", async () => {
    const f = await running({
      cap: {
        sender: SENDER,
        area: `Achim <Innenstadt> & "Bierden"`,
        category: "Met",
        urgency: "Expected",
        severity: "Moderate",
        certainty: "Likely",
        status: "Exercise",
        events: { unwetter: "Sturm & Hagel" },
      },
    });
    const text = `<script>alert(1)</script> & ]]> "Sturm"\nzweite Zeile`;
    await f.outlet.publish(
      post({
        text,
        category: "unwetter",
        emergency: true,
        media: [{ name: "k.jpg", mimeType: "image/jpeg", bytes: 9, sha256: "9f2c4b5a", altText: "Karte <rot> & blau" }],
      }),
      attempt(),
    );
    const { alerts } = await capMessages(f.get);
    expect(alerts[0]).toMatchObject({ status: "Exercise" });
    expect(alerts[0]?.info[0]).toMatchObject({
      category: "Met",
      event: "Sturm & Hagel",
      urgency: "Expected",
      severity: "Moderate",
      certainty: "Likely",
      description: text,
      area: { areaDesc: `Achim <Innenstadt> & "Bierden"` },
    });
  });

  it("the schema check itself refuses what CAP forbids (a `Z` time, an unknown msgType)", async () => {
    const f = await running();
    await f.outlet.publish(post({ emergency: true }), attempt());
    const doc = await (await f.get("/cap/amtsbote.A-0042.v1.alert.xml")).text();
    expect(await capSchemaErrors(doc)).toEqual([]);
    expect(await capSchemaErrors(doc.replace("+01:00</sent>", "Z</sent>"))).not.toEqual([]);
    expect(await capSchemaErrors(doc.replace("<msgType>Alert", "<msgType>Warning"))).not.toEqual([]);
  });

  it("times: offset of the town's zone in summer and winter, whole seconds, UTC as -00:00", () => {
    expect(capTime("2026-07-01T10:00:00.999Z", "Europe/Berlin")).toBe("2026-07-01T12:00:00+02:00");
    expect(capTime("2026-11-30T23:30:00.000Z", "Europe/Berlin")).toBe("2026-12-01T00:30:00+01:00");
    expect(capTime("2026-11-30T09:00:00.500Z", "UTC")).toBe("2026-11-30T09:00:00-00:00");
    expect(capTime("2026-11-30T09:00:00.000Z", "America/St_Johns")).toBe("2026-11-30T05:30:00-03:30");
  });
});
