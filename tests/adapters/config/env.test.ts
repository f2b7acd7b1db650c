import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { ENV_SCHEMA, gatewayOf, loadEnv } from "../../../adapters/config/env.ts";

const EXAMPLE = new URL("../../../.env.example", import.meta.url);

const envFile = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), "amtsbote-env-")), ".env");
  writeFileSync(file, text);
  return file;
};

describe(".env.example", () => {
  it("documents exactly the variables the schema reads", () => {
    const documented = Object.keys(parseEnv(readFileSync(EXAMPLE, "utf8"))).sort();
    expect(documented).toEqual(Object.keys(ENV_SCHEMA.shape).sort());
  });

  it("has a comment above every variable", () => {
    const lines = readFileSync(EXAMPLE, "utf8").split("\n");
    lines.forEach((line, i) => {
      if (/^[A-Z_]+=/.test(line)) expect(lines[i - 1], line).toMatch(/^#/);
    });
  });

  it("is itself a valid configuration", () => {
    expect(() => loadEnv({}, EXAMPLE.pathname)).not.toThrow();
  });
});

describe("loadEnv", () => {
  it("uses defaults when nothing is set", () => {
    const { env, file } = loadEnv({}, "/nonexistent/.env");
    expect(env).toMatchObject({
      STORE_URL: "sqlite://./data/amtsbote.sqlite",
      DELIVERY_WORKER: "on",
      OUTBOX_POLL_MS: 1000,
    });
    expect(file).toBeUndefined();
  });

  it("lets the process environment win over the file", () => {
    const file = envFile("STORE_URL=redis://file:6379\nLOG_LEVEL=debug\n");
    const { env } = loadEnv({ STORE_URL: "postgres://proc/db" }, file);
    expect(env.STORE_URL).toBe("postgres://proc/db");
    expect(env.LOG_LEVEL).toBe("debug");
  });

  it("names the file line and key of a bad value in the file", () => {
    const file = envFile("# store\n\nSTORE_URL=mysql://x\nOUTBOX_POLL_MS=fast\n");
    expect(() => loadEnv({}, file)).toThrow(`${file}:3: STORE_URL: must start with sqlite://, redis:// or postgres://`);
    expect(() => loadEnv({}, file)).toThrow(new RegExp(`${file}:4: OUTBOX_POLL_MS`));
  });

  it("names the environment for a bad value set there", () => {
    expect(() => loadEnv({ DELIVERY_WORKER: "maybe" }, "/nonexistent/.env")).toThrow(/environment: DELIVERY_WORKER/);
  });
});

describe("gatewayOf", () => {
  const env = (vars: Record<string, string>) => loadEnv(vars, "/nonexistent/.env").env;
  const CH = "120363000000000000@newsletter";

  it("is the manual hand-off when no gateway is configured", () => {
    expect(gatewayOf(env({}))).toEqual({ kind: "none" });
  });

  it("reads WAHA", () => {
    expect(gatewayOf(env({ WAHA_URL: "http://waha:3000", WAHA_API_KEY: "k", WHATSAPP_CHANNEL_ID: CH }))).toEqual({
      kind: "waha",
      url: "http://waha:3000",
      apiKey: "k",
      session: "default",
      channelId: CH,
      canEdit: "auto",
      canPoll: "auto",
      canReadBack: "auto",
      timeoutMs: 30_000,
      readBackGraceMs: 5_000,
    });
  });

  it("takes the read-back grace from WHATSAPP_READBACK_GRACE_MS", () => {
    expect(
      gatewayOf(env({ WHAPI_TOKEN: "t", WHATSAPP_CHANNEL_ID: CH, WHATSAPP_READBACK_GRACE_MS: "12000" })),
    ).toMatchObject({ readBackGraceMs: 12_000 });
  });

  it("reads Whapi.Cloud with its default URL", () => {
    expect(gatewayOf(env({ WHAPI_TOKEN: "t", WHATSAPP_CHANNEL_ID: CH }))).toMatchObject({
      kind: "whapi",
      url: "https://gate.whapi.cloud",
      token: "t",
    });
  });

  it.each([
    [{ WAHA_URL: "http://waha:3000", WAHA_API_KEY: "k" }, "WHATSAPP_CHANNEL_ID: required"],
    [{ WAHA_URL: "http://waha:3000", WHATSAPP_CHANNEL_ID: CH }, "WAHA_API_KEY: required with WAHA_URL"],
    [{ WAHA_URL: "http://w", WAHA_API_KEY: "k", WHAPI_TOKEN: "t", WHATSAPP_CHANNEL_ID: CH }, "configure one gateway"],
  ])("refuses an incomplete or doubled gateway %#", (vars, message) => {
    expect(() => gatewayOf(env(vars))).toThrow(message);
  });

  it("refuses a channel id that is not a newsletter id", () => {
    expect(() => env({ WHATSAPP_CHANNEL_ID: "4915112345678@c.us" })).toThrow(
      /WHATSAPP_CHANNEL_ID: must be the channel id/,
    );
  });
});
