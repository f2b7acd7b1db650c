import { describe, expect, it } from "vitest";
import { loadEnv } from "../../../adapters/config/env.ts";
import {
  feedsSettingsOf,
  mastodonSettingsOf,
  pressSettingsOf,
  telegramSettingsOf,
} from "../../../adapters/config/outlet-settings.ts";

const env = (vars: Record<string, string>) => loadEnv(vars, "/nonexistent/.env").env;

describe("outlet settings from the environment", () => {
  it("leaves an outlet off while its variables are empty", () => {
    const none = env({});
    expect([feedsSettingsOf(none), pressSettingsOf(none), mastodonSettingsOf(none), telegramSettingsOf(none)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("names the variable that is missing for a half-configured outlet", () => {
    expect(() => mastodonSettingsOf(env({ MASTODON_URL: "https://social.example" }))).toThrow(
      "MASTODON_TOKEN: required with MASTODON_URL",
    );
    expect(() => telegramSettingsOf(env({ TELEGRAM_CHAT_ID: "@stadtachim" }))).toThrow("TELEGRAM_BOT_TOKEN: required");
    expect(() => pressSettingsOf(env({ SMTP_URL: "smtp://mail.example:587" }))).toThrow(
      /PRESS_TO: required with SMTP_URL[\s\S]*PRESS_FROM: required with SMTP_URL/,
    );
    expect(() => pressSettingsOf(env({ PRESS_TO: "presse@example.org" }))).toThrow("SMTP_URL: required");
    expect(() => feedsSettingsOf(env({ FEED_CAP_SENDER: "pressestelle@achim.de" }))).toThrow("FEED_BASE_URL: required");
    expect(() =>
      feedsSettingsOf(env({ FEED_BASE_URL: "https://www.achim.de/amtsbote", FEED_CAP_SENDER: "presse@achim.de" })),
    ).toThrow("FEED_CAP_AREA: required with FEED_CAP_SENDER");
  });

  it("refuses malformed values, naming the variable", () => {
    expect(() => env({ TELEGRAM_CHAT_ID: "stadtachim" })).toThrow("TELEGRAM_CHAT_ID");
    expect(() => env({ SMTP_URL: "mail.example:25" })).toThrow("SMTP_URL");
    expect(() => env({ FEED_CAP_ARS: "0336" })).toThrow("FEED_CAP_ARS");
    expect(() => env({ FEED_CAP_SEVERITY: "Huge" })).toThrow("FEED_CAP_SEVERITY");
  });

  it("builds each outlet's settings, CAP only with sender and area", () => {
    expect(
      feedsSettingsOf(
        env({
          FEED_BASE_URL: "https://www.achim.de/amtsbote/",
          FEED_CAP_SENDER: "pressestelle@achim.de",
          FEED_CAP_AREA: "Stadt Achim",
          FEED_CAP_ARS: "033610001001",
        }),
      ),
    ).toMatchObject({
      baseUrl: "https://www.achim.de/amtsbote",
      port: 8090,
      cap: { sender: "pressestelle@achim.de", area: "Stadt Achim", ars: "033610001001", severity: "Severe" },
    });
    expect(feedsSettingsOf(env({ FEED_BASE_URL: "https://www.achim.de/amtsbote" }))?.cap).toBeUndefined();
    expect(mastodonSettingsOf(env({ MASTODON_URL: "https://social.example/", MASTODON_TOKEN: "t0ken-123" }))).toEqual({
      baseUrl: "https://social.example",
      token: "t0ken-123",
      language: "de",
      pollExpiresInS: 168 * 3600,
      mediaProcessingLimitMs: 60_000,
      timeoutMs: 30_000,
    });
  });
});
