import type { CapOptions } from "../feeds/cap.ts";
import { ConfigError } from "./config-error.ts";
import type { Env } from "./env.ts";

const invalid = (problems: string[]) => new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);

/** The website feeds, when `FEED_BASE_URL` sets them up; problems name the variable. */
export interface FeedsSettings {
  baseUrl: string;
  title: string;
  host: string;
  port: number;
  dir?: string;
  maxEntries: number;
  cap?: CapOptions;
}

export function feedsSettingsOf(env: Env): FeedsSettings | undefined {
  const capNamed = [env.FEED_CAP_SENDER, env.FEED_CAP_AREA, env.FEED_CAP_ARS, env.FEED_CAP_SENDER_NAME].some(Boolean);
  if (!env.FEED_BASE_URL) {
    if (env.FEED_DIR || capNamed) throw invalid(["FEED_BASE_URL: required to publish the website feeds"]);
    return undefined;
  }
  const problems: string[] = [];
  if (capNamed && !env.FEED_CAP_SENDER) problems.push("FEED_CAP_SENDER: required for CAP alerts");
  if (env.FEED_CAP_SENDER && !env.FEED_CAP_AREA) problems.push("FEED_CAP_AREA: required with FEED_CAP_SENDER");
  if (problems.length > 0) throw invalid(problems);
  const cap: CapOptions | undefined =
    env.FEED_CAP_SENDER && env.FEED_CAP_AREA
      ? {
          sender: env.FEED_CAP_SENDER,
          area: env.FEED_CAP_AREA,
          ...(env.FEED_CAP_SENDER_NAME ? { senderName: env.FEED_CAP_SENDER_NAME } : {}),
          ...(env.FEED_CAP_ARS ? { ars: env.FEED_CAP_ARS } : {}),
          category: env.FEED_CAP_CATEGORY,
          urgency: env.FEED_CAP_URGENCY,
          severity: env.FEED_CAP_SEVERITY,
          certainty: env.FEED_CAP_CERTAINTY,
        }
      : undefined;
  return {
    baseUrl: env.FEED_BASE_URL,
    title: env.FEED_TITLE,
    host: env.FEED_HOST,
    port: env.FEED_PORT,
    ...(env.FEED_DIR ? { dir: env.FEED_DIR } : {}),
    maxEntries: env.FEED_MAX_ENTRIES,
    ...(cap ? { cap } : {}),
  };
}

/** The press mailing list, when `SMTP_URL` sets it up. */
export interface PressSettings {
  smtpUrl: string;
  to: string;
  from: string;
  replyTo?: string;
  subjectPrefix: string;
  timeoutMs: number;
}

export function pressSettingsOf(env: Env): PressSettings | undefined {
  const named = [env.PRESS_TO, env.PRESS_FROM, env.PRESS_REPLY_TO].some(Boolean);
  if (!env.SMTP_URL) {
    if (named) throw invalid(["SMTP_URL: required to send to the press list (PRESS_TO, PRESS_FROM)"]);
    return undefined;
  }
  const problems: string[] = [];
  if (!env.PRESS_TO) problems.push("PRESS_TO: required with SMTP_URL (the press list's address)");
  if (!env.PRESS_FROM) problems.push("PRESS_FROM: required with SMTP_URL (the sender, e.g. pressestelle@achim.de)");
  if (problems.length > 0 || !env.PRESS_TO || !env.PRESS_FROM) throw invalid(problems);
  return {
    smtpUrl: env.SMTP_URL,
    to: env.PRESS_TO,
    from: env.PRESS_FROM,
    ...(env.PRESS_REPLY_TO ? { replyTo: env.PRESS_REPLY_TO } : {}),
    subjectPrefix: env.PRESS_SUBJECT_PREFIX,
    timeoutMs: env.SMTP_TIMEOUT_MS,
  };
}

/** The town's Mastodon account, when `MASTODON_URL` sets it up. */
export interface MastodonSettings {
  baseUrl: string;
  token: string;
  language: string;
  pollExpiresInS: number;
  mediaProcessingLimitMs: number;
  timeoutMs: number;
}

export function mastodonSettingsOf(env: Env): MastodonSettings | undefined {
  if (!env.MASTODON_URL && !env.MASTODON_TOKEN) return undefined;
  if (!env.MASTODON_URL) throw invalid(["MASTODON_URL: required with MASTODON_TOKEN"]);
  if (!env.MASTODON_TOKEN) throw invalid(["MASTODON_TOKEN: required with MASTODON_URL"]);
  return {
    baseUrl: env.MASTODON_URL,
    token: env.MASTODON_TOKEN,
    language: env.MASTODON_LANGUAGE,
    pollExpiresInS: env.MASTODON_POLL_HOURS * 3600,
    mediaProcessingLimitMs: env.MASTODON_MEDIA_WAIT_S * 1000,
    timeoutMs: env.MASTODON_TIMEOUT_MS,
  };
}

/** The town's Telegram channel, when `TELEGRAM_BOT_TOKEN` sets it up. */
export interface TelegramSettings {
  token: string;
  chatId: string;
  apiUrl: string;
  timeoutMs: number;
}

export function telegramSettingsOf(env: Env): TelegramSettings | undefined {
  if (!env.TELEGRAM_BOT_TOKEN && !env.TELEGRAM_CHAT_ID) return undefined;
  if (!env.TELEGRAM_BOT_TOKEN) throw invalid(["TELEGRAM_BOT_TOKEN: required with TELEGRAM_CHAT_ID"]);
  if (!env.TELEGRAM_CHAT_ID) throw invalid(["TELEGRAM_CHAT_ID: required with TELEGRAM_BOT_TOKEN (@channel or -100…)"]);
  return {
    token: env.TELEGRAM_BOT_TOKEN,
    chatId: env.TELEGRAM_CHAT_ID,
    apiUrl: env.TELEGRAM_API_URL,
    timeoutMs: env.TELEGRAM_TIMEOUT_MS,
  };
}
