import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NinaClient, NinaError } from "../../../adapters/nina/nina-client.ts";
import { NinaWatch, userAgentOf } from "../../../adapters/nina/nina-watch.ts";
import { ninaSettingsOf, loadEnv } from "../../../adapters/config/env.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import type { PollOutcome } from "../../../src/warnings/watcher.ts";
import { FakeNina } from "../../fakes/fake-nina.ts";

const ARS = "033610000000";
let nina: FakeNina;
let client: NinaClient;

const storm = {
  id: "dwd.2.49.0.0.276.0.DWD.PVW.1.a",
  provider: "DWD" as const,
  severity: "Severe" as const,
  eventCode: "BBK-EVC-040",
  headline: "Amtliche UNWETTERWARNUNG vor ORKANBÖEN",
  description: "Es tritt Orkan auf.<br/>Böen bis 120 km/h.",
  instruction: "Fenster und Türen schließen!",
  senderName: "Deutscher Wetterdienst",
  area: "Landkreis Verden",
  sent: "2026-11-30T08:00:00+01:00",
  expires: "2026-11-30T20:00:00+01:00",
};

beforeEach(async () => {
  nina = await FakeNina.start();
  client = new NinaClient({ baseUrl: nina.url, ars: ARS, userAgent: userAgentOf("it@achim.de"), timeoutMs: 300 });
});

afterEach(async () => {
  await nina.stop();
});

const problemOf = async (call: Promise<unknown>) => {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NinaError);
  return (error as NinaError).problem;
};

describe("the NINA client against a local fake of the published API", () => {
  it("reads the district's dashboard and a warning's details, naming itself and a contact", async () => {
    nina.add(ARS, storm);
    nina.add("031510000000", { ...storm, id: "elsewhere" });
    const answer = await client.dashboard(true);
    expect(answer).toEqual({
      changed: true,
      items: [
        {
          id: storm.id,
          version: 1,
          hash: expect.stringMatching(/^[0-9a-f]{64}$/),
          provider: "DWD",
          severity: "Severe",
          msgType: "Alert",
          eventCode: "BBK-EVC-040",
          headline: storm.headline,
          sent: storm.sent,
        },
      ],
    });
    expect(await client.details(storm.id)).toEqual({
      id: storm.id,
      headline: storm.headline,
      description: storm.description,
      senderName: "Deutscher Wetterdienst",
      instruction: "Fenster und Türen schließen!",
      effective: storm.sent,
      expires: storm.expires,
      area: "Landkreis Verden",
      eventCode: "BBK-EVC-040",
    });
    expect(nina.requests[0]?.headers["user-agent"]).toMatch(/^amtsbote\/\S+ \(.*contact: it@achim\.de\)$/);
  });

  it("asks conditionally: an unchanged dashboard is a 304, a changed one comes in full", async () => {
    nina.add(ARS, storm);
    await client.dashboard(true);
    expect(await client.dashboard(true)).toEqual({ changed: false });
    expect(nina.dashboardRequests().map((r) => r.status)).toEqual([200, 304]);
    nina.update(ARS, storm.id, { severity: "Extreme" });
    const changed = await client.dashboard(true);
    expect(changed.changed && changed.items[0]?.version).toBe(2);
    expect(await client.dashboard(false)).toMatchObject({ changed: true });
  });

  it("turns 5xx, a hanging request, a 404 and an answer of the wrong shape into errors, never a crash", async () => {
    nina.failNext(1, 503);
    expect(await problemOf(client.dashboard(true))).toBe("server_error");
    nina.failNext(1, "hang");
    expect(await problemOf(client.dashboard(true))).toBe("timeout");
    nina.failNext(1, "garbage");
    expect(await problemOf(client.dashboard(true))).toBe("bad_answer");
    expect(await problemOf(client.details("nope"))).toBe("http_status");
    const unreachable = new NinaClient({ baseUrl: "http://127.0.0.1:9", ars: ARS, userAgent: "t", timeoutMs: 300 });
    expect(await problemOf(unreachable.dashboard(true))).toBe("unreachable");
  });
});

describe("the poll timer", () => {
  it("doubles the gap after each failure, up to its bound, and is back to the interval after a success", async () => {
    const outcomes: PollOutcome[] = ["failed", "failed", "failed", "ok"];
    const delays: number[] = [];
    let watch: NinaWatch | undefined;
    const done = new Promise<void>((resolve) => {
      watch = new NinaWatch({
        pollMs: 5,
        maxBackoffMs: 30,
        log: silentLogger,
        poll: async () => {
          const outcome = outcomes.shift() ?? "ok";
          if (outcomes.length === 0) resolve();
          return outcome;
        },
      });
    });
    const timer = watch as unknown as NinaWatch;
    const original = timer.delay.bind(timer);
    timer.delay = () => {
      const d = original();
      delays.push(d);
      return d;
    };
    timer.start();
    await done;
    await expect.poll(() => delays.length).toBeGreaterThanOrEqual(4);
    await timer.stop();
    expect(delays.slice(0, 4)).toEqual([10, 20, 30, 5]);
  });
});

describe("NINA settings", () => {
  const env = (vars: Record<string, string>) => loadEnv(vars, "/nonexistent/.env").env;

  it("are off without NINA_ARS and need a contact with it", () => {
    expect(ninaSettingsOf(env({}))).toBeUndefined();
    expect(() => ninaSettingsOf(env({ NINA_ARS: ARS }))).toThrow(/NINA_CONTACT: required with NINA_ARS/);
  });

  it("move a municipality key to its district and read severity and senders loosely", () => {
    const settings = ninaSettingsOf(
      env({
        NINA_ARS: "033610001001",
        NINA_CONTACT: "it@achim.de",
        NINA_MIN_SEVERITY: "severe",
        NINA_PROVIDERS: "dwd, mowas",
      }),
    );
    expect(settings).toMatchObject({
      ars: ARS,
      normalisedFrom: "033610001001",
      minSeverity: "Severe",
      providers: ["DWD", "MOWAS"],
      pollMs: 60_000,
      url: "https://warnung.bund.de/api31",
    });
  });

  it("refuse a key that is not 12 digits, an unknown sender and a poll faster than 30 s, naming the variable", () => {
    expect(() => env({ NINA_ARS: "03361" })).toThrow(/NINA_ARS: must be the 12-digit regional key/);
    expect(() => env({ NINA_PROVIDERS: "DWD,RADIO" })).toThrow(/NINA_PROVIDERS/);
    expect(() => env({ NINA_POLL_MS: "1000" })).toThrow(/NINA_POLL_MS: at least 30000/);
    expect(() => env({ NINA_MIN_SEVERITY: "huge" })).toThrow(/NINA_MIN_SEVERITY/);
  });
});
