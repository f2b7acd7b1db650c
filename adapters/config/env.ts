import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { z } from "zod";
import type { AbilitySetting } from "../whatsapp/engine.ts";
import { PROVIDERS, SEVERITIES, type Provider, type Severity } from "../../src/warnings/warning.ts";
import { ConfigError } from "./config-error.ts";
import { CAP_CATEGORIES, CAP_CERTAINTIES, CAP_SEVERITIES, CAP_URGENCIES } from "../feeds/cap.ts";

const onOff = z.enum(["on", "off"]);

/** What the WAHA engine can do: `auto` goes by the engine and its answers; true/false are read as on/off. */
const ability = z
  .enum(["auto", "on", "off", "true", "false"])
  .transform((v) => (v === "true" ? "on" : v === "false" ? "off" : v))
  .default("auto");

/** `!opaque:server`, or a room version 12 id without a server part (matrix.md §7). */
const MATRIX_ROOM_ID = /^!([^:\s]+:[^\s]+|[A-Za-z0-9_-]{43})$/;

/** Every environment variable amtsbote reads. `.env.example` documents exactly these. */
export const ENV_SCHEMA = z.object({
  STORE_URL: z
    .string()
    .regex(
      /^(sqlite:\/\/.+|rediss?:\/\/.+|postgres(ql)?:\/\/.+)$/,
      "must start with sqlite://, redis:// or postgres://",
    )
    .default("sqlite://./data/amtsbote.sqlite"),
  STORE_NAMESPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/, "lower-case letters, digits and _, starting with a letter")
    .default("amtsbote"),
  POLICY_FILE: z.string().min(1).default("./policy.yaml"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_FILE: z.string().min(1).optional(),
  LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
  CONSOLE_USER: z.string().min(1).optional(),
  INSTANCE_ID: z
    .string()
    .regex(/^[\w.-]{1,64}$/, "letters, digits, '.', '_' and '-' only, at most 64")
    .optional(),
  DELIVERY_WORKER: onOff.default("on"),
  OUTBOX_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
  WHATSAPP_CHANNEL_ID: z
    .string()
    .regex(/^\d{6,31}@newsletter$/, "must be the channel id, e.g. 120363000000000000@newsletter")
    .optional(),
  WHATSAPP_TEST_CHANNEL_ID: z
    .string()
    .regex(/^\d{6,31}@newsletter$/, "must be the channel id, e.g. 120363000000000001@newsletter")
    .optional(),
  WAHA_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. http://waha:3000" }).optional(),
  WAHA_API_KEY: z.string().min(1).optional(),
  WAHA_SESSION: z
    .string()
    .regex(/^[\w-]+$/, "letters, digits, _ and - only")
    .default("default"),
  WAHA_CAN_EDIT: ability,
  WAHA_CAN_POLL: ability,
  WAHA_CAN_READ_BACK: ability,
  WHAPI_TOKEN: z.string().min(1).optional(),
  WHAPI_URL: z.url({ protocol: /^https?$/ }).default("https://gate.whapi.cloud"),
  WHATSAPP_READBACK_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(1000).max(110_000).default(30_000),
  WHATSAPP_HEALTH_INTERVAL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  WHATSAPP_MIN_GAP_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  CHAT: z.enum(["console", "slack", "matrix"]).default("console"),
  SLACK_MODE: z.enum(["socket", "http"]).default("socket"),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-\S+$/, "must be the bot token, xoxb-…")
    .optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-\S+$/, "must be the app-level token, xapp-…")
    .optional(),
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  SLACK_API_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL ending in /api/" })
    .regex(/\/$/, "must end with a slash, e.g. https://slack.com/api/")
    .default("https://slack.com/api/"),
  SLACK_APPROVAL_CHANNEL: z
    .string()
    .regex(/^[CG][A-Z0-9]+$/, "must be a channel id (C… or G…), not its name")
    .optional(),
  SLACK_HTTP_HOST: z.string().min(1).default("127.0.0.1"),
  SLACK_HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  SLACK_POST_GAP_MS: z.coerce.number().int().min(0).max(60_000).default(1100),
  SLACK_USERGROUP_REFRESH_MS: z.coerce.number().int().min(10_000).max(86_400_000).default(600_000),
  MATRIX_HOMESERVER_URL: z
    .url({ protocol: /^https?$/, error: "must be the homeserver's http(s) URL, e.g. https://matrix.achim.de" })
    .optional(),
  MATRIX_ACCESS_TOKEN: z.string().min(8).optional(),
  MATRIX_APPROVAL_ROOM: z
    .string()
    .regex(MATRIX_ROOM_ID, "must be a room id (!…), not an alias; Element shows it under Settings → Advanced")
    .optional(),
  MATRIX_DRAFT_ROOMS: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(MATRIX_ROOM_ID, "each must be a room id (!…)")))
    .default([]),
  MATRIX_COMMAND_PREFIX: z.string().regex(/^\S+$/, "one word without spaces, e.g. !announce").default("!announce"),
  MATRIX_E2EE: z.enum(["off", "auto", "required"]).default("off"),
  MATRIX_CRYPTO_DIR: z.string().min(1).default("./data/matrix-crypto"),
  MASTODON_URL: z
    .url({ protocol: /^https?$/, error: "must be the instance's http(s) address, e.g. https://social.bund.de" })
    .transform((v) => v.replace(/\/+$/, ""))
    .optional(),
  MASTODON_TOKEN: z.string().min(8).optional(),
  MASTODON_LANGUAGE: z
    .string()
    .regex(/^[a-z]{2,3}$/, "an ISO 639 language code, e.g. de")
    .default("de"),
  MASTODON_POLL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(168),
  MASTODON_MEDIA_WAIT_S: z.coerce.number().int().min(1).max(3600).default(60),
  MASTODON_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[\w-]{20,}$/, "must be the token from @BotFather, e.g. 123456789:AA…")
    .optional(),
  TELEGRAM_CHAT_ID: z
    .string()
    .regex(/^(@[A-Za-z]\w{3,}|-100\d{5,})$/, "must be the channel's @name or its id -100…")
    .optional(),
  TELEGRAM_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
  TELEGRAM_API_URL: z
    .url({ protocol: /^https?$/ })
    .transform((v) => v.replace(/\/+$/, ""))
    .default("https://api.telegram.org"),
  FEED_BASE_URL: z
    .url({
      protocol: /^https?$/,
      error: "must be the public http(s) address of the feeds, e.g. https://www.achim.de/amtsbote",
    })
    .transform((v) => v.replace(/\/+$/, ""))
    .optional(),
  FEED_TITLE: z.string().min(1).max(200).default("Bekanntmachungen"),
  FEED_HOST: z.string().min(1).default("127.0.0.1"),
  FEED_PORT: z.coerce.number().int().min(0).max(65_535).default(8090),
  FEED_DIR: z.string().min(1).optional(),
  FEED_MAX_ENTRIES: z.coerce.number().int().min(1).max(1000).default(50),
  FEED_CAP_SENDER: z
    .string()
    .regex(/^[^\s,<&]+$/, "no spaces, commas, < or &; e.g. pressestelle@achim.de")
    .optional(),
  FEED_CAP_SENDER_NAME: z.string().min(1).max(200).optional(),
  FEED_CAP_AREA: z.string().min(1).max(200).optional(),
  FEED_CAP_ARS: z
    .string()
    .regex(/^\d{12}$/, "must be the 12-digit Amtlicher Regionalschlüssel, e.g. 033610001001")
    .optional(),
  FEED_CAP_CATEGORY: z.enum(CAP_CATEGORIES).default("Safety"),
  FEED_CAP_URGENCY: z.enum(CAP_URGENCIES).default("Immediate"),
  FEED_CAP_SEVERITY: z.enum(CAP_SEVERITIES).default("Severe"),
  FEED_CAP_CERTAINTY: z.enum(CAP_CERTAINTIES).default("Observed"),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/\S+$/, "must be smtps://user:password@host:465 or smtp://user:password@host:587")
    .optional(),
  PRESS_TO: z.string().min(3).optional(),
  PRESS_FROM: z.string().min(3).optional(),
  PRESS_REPLY_TO: z.string().min(3).optional(),
  SMTP_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
  PRESS_SUBJECT_PREFIX: z.string().max(60).default("[Pressemitteilung]"),
  OPS_ENDPOINT: onOff.default("on"),
  OPS_HOST: z.string().min(1).default("127.0.0.1"),
  OPS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(8000),
  // Official warnings (NINA): off unless NINA_ARS is set.
  NINA_ARS: z
    .string()
    .regex(/^\d{12}$/, "must be the 12-digit regional key (ARS) of the district, e.g. 033610000000 (Landkreis Verden)")
    .optional(),
  NINA_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. https://warnung.bund.de/api31" })
    .default("https://warnung.bund.de/api31"),
  NINA_POLL_MS: z.coerce
    .number()
    .int()
    .min(30_000, "at least 30000 (30 s): the warning service asks clients to poll politely")
    .max(3_600_000)
    .default(60_000),
  NINA_MIN_SEVERITY: z
    .string()
    .transform((v) => v.trim().charAt(0).toUpperCase() + v.trim().slice(1).toLowerCase())
    .pipe(z.enum(SEVERITIES, { error: `one of ${SEVERITIES.join(", ")}` }))
    .default("Moderate"),
  NINA_PROVIDERS: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((p) => p.trim().toUpperCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(PROVIDERS, { error: `each one of ${PROVIDERS.join(", ")}` })))
    .default([]),
  NINA_CONTACT: z.string().trim().min(3, "an e-mail address or URL the warning service can reach you at").optional(),
});

/** What the official-warnings watcher needs. */
export interface NinaSettings {
  /** District level: the last 7 digits are zeros. */
  ars: string;
  /** The municipality key NINA_ARS named, when it was moved to its district. */
  normalisedFrom?: string;
  url: string;
  pollMs: number;
  minSeverity: Severity;
  /** Empty: every sender. */
  providers: Provider[];
  contact: string;
}

/**
 * The watcher's settings, or undefined when NINA_ARS is not set. The dashboard exists per district only: a
 * municipality key (`033610001001`) is moved to its district (`033610000000`), and the start logs that.
 */
export function ninaSettingsOf(env: Env): NinaSettings | undefined {
  if (!env.NINA_ARS) return undefined;
  if (!env.NINA_CONTACT) {
    throw new ConfigError(
      "Invalid configuration:\n  NINA_CONTACT: required with NINA_ARS (an e-mail address or URL; it goes into the User-Agent)",
    );
  }
  const ars = `${env.NINA_ARS.slice(0, 5)}0000000`;
  return {
    ars,
    ...(ars === env.NINA_ARS ? {} : { normalisedFrom: env.NINA_ARS }),
    url: env.NINA_URL.replace(/\/+$/, ""),
    pollMs: env.NINA_POLL_MS,
    minSeverity: env.NINA_MIN_SEVERITY,
    providers: env.NINA_PROVIDERS,
    contact: env.NINA_CONTACT,
  };
}

/** What the Matrix adapter needs; problems name the missing variable. */
export interface MatrixSettings {
  homeserverUrl: string;
  accessToken: string;
  approvalRoom: string;
  draftRooms: string[];
  prefix: string;
  e2ee: "off" | "auto" | "required";
  cryptoDir: string;
}

export function matrixSettingsOf(env: Env): MatrixSettings {
  const problems: string[] = [];
  if (!env.MATRIX_HOMESERVER_URL) problems.push("MATRIX_HOMESERVER_URL: required with CHAT=matrix");
  if (!env.MATRIX_ACCESS_TOKEN) problems.push("MATRIX_ACCESS_TOKEN: required with CHAT=matrix");
  if (!env.MATRIX_APPROVAL_ROOM) problems.push("MATRIX_APPROVAL_ROOM: required with CHAT=matrix");
  if (problems.length > 0 || !env.MATRIX_HOMESERVER_URL || !env.MATRIX_ACCESS_TOKEN || !env.MATRIX_APPROVAL_ROOM) {
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return {
    homeserverUrl: env.MATRIX_HOMESERVER_URL.replace(/\/+$/, ""),
    accessToken: env.MATRIX_ACCESS_TOKEN,
    approvalRoom: env.MATRIX_APPROVAL_ROOM,
    draftRooms: env.MATRIX_DRAFT_ROOMS,
    prefix: env.MATRIX_COMMAND_PREFIX,
    e2ee: env.MATRIX_E2EE,
    cryptoDir: env.MATRIX_CRYPTO_DIR,
  };
}

/** What the Slack adapter needs; problems name the missing variable. */
export interface SlackSettings {
  mode: "socket" | "http";
  botToken: string;
  appToken?: string;
  signingSecret?: string;
  apiUrl: string;
  approvalChannel: string;
  httpHost: string;
  httpPort: number;
  postGapMs: number;
  usergroupRefreshMs: number;
}

export function slackSettingsOf(env: Env): SlackSettings {
  const problems: string[] = [];
  if (!env.SLACK_BOT_TOKEN) problems.push("SLACK_BOT_TOKEN: required with CHAT=slack");
  if (!env.SLACK_APPROVAL_CHANNEL) problems.push("SLACK_APPROVAL_CHANNEL: required with CHAT=slack");
  if (env.SLACK_MODE === "socket" && !env.SLACK_APP_TOKEN)
    problems.push("SLACK_APP_TOKEN: required in Socket Mode (SLACK_MODE=socket)");
  if (env.SLACK_MODE === "http" && !env.SLACK_SIGNING_SECRET)
    problems.push("SLACK_SIGNING_SECRET: required in HTTP mode (SLACK_MODE=http)");
  if (problems.length > 0 || !env.SLACK_BOT_TOKEN || !env.SLACK_APPROVAL_CHANNEL) {
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return {
    mode: env.SLACK_MODE,
    botToken: env.SLACK_BOT_TOKEN,
    ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
    ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
    apiUrl: env.SLACK_API_URL,
    approvalChannel: env.SLACK_APPROVAL_CHANNEL,
    httpHost: env.SLACK_HTTP_HOST,
    httpPort: env.SLACK_HTTP_PORT,
    postGapMs: env.SLACK_POST_GAP_MS,
    usergroupRefreshMs: env.SLACK_USERGROUP_REFRESH_MS,
  };
}

/** Which gateway, if any, the environment configures; problems name the missing variable. */
export type Gateway =
  | { kind: "none" }
  | {
      kind: "waha";
      url: string;
      apiKey: string;
      session: string;
      channelId: string;
      canEdit: AbilitySetting;
      canPoll: AbilitySetting;
      canReadBack: AbilitySetting;
      timeoutMs: number;
      readBackGraceMs: number;
    }
  | { kind: "whapi"; url: string; token: string; channelId: string; timeoutMs: number; readBackGraceMs: number };

export function gatewayOf(env: Env): Gateway {
  const problems: string[] = [];
  if (env.WAHA_URL && env.WHAPI_TOKEN) problems.push("WAHA_URL and WHAPI_TOKEN: configure one gateway, not both");
  if ((env.WAHA_URL || env.WHAPI_TOKEN) && !env.WHATSAPP_CHANNEL_ID) {
    problems.push("WHATSAPP_CHANNEL_ID: required when a gateway is configured");
  }
  if (env.WAHA_URL && !env.WAHA_API_KEY) problems.push("WAHA_API_KEY: required with WAHA_URL");
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  const timeoutMs = env.GATEWAY_TIMEOUT_MS;
  const readBackGraceMs = env.WHATSAPP_READBACK_GRACE_MS;
  if (env.WAHA_URL && env.WAHA_API_KEY && env.WHATSAPP_CHANNEL_ID) {
    return {
      kind: "waha",
      url: env.WAHA_URL,
      apiKey: env.WAHA_API_KEY,
      session: env.WAHA_SESSION,
      channelId: env.WHATSAPP_CHANNEL_ID,
      canEdit: env.WAHA_CAN_EDIT,
      canPoll: env.WAHA_CAN_POLL,
      canReadBack: env.WAHA_CAN_READ_BACK,
      timeoutMs,
      readBackGraceMs,
    };
  }
  if (env.WHAPI_TOKEN && env.WHATSAPP_CHANNEL_ID) {
    return {
      kind: "whapi",
      url: env.WHAPI_URL,
      token: env.WHAPI_TOKEN,
      channelId: env.WHATSAPP_CHANNEL_ID,
      timeoutMs,
      readBackGraceMs,
    };
  }
  return { kind: "none" };
}

export type Env = z.infer<typeof ENV_SCHEMA>;

export interface LoadedEnv {
  env: Env;
  /** Which file the values came from, if any. */
  file?: string;
}

/**
 * Reads `.env` (when present) under the process environment, which wins, and validates both.
 * A bad value throws a ConfigError naming the variable and, for values from the file, its line.
 */
export function loadEnv(processEnv: NodeJS.ProcessEnv, envFile = ".env"): LoadedEnv {
  const text = existsSync(envFile) ? readFileSync(envFile, "utf8") : undefined;
  const fromFile = text === undefined ? {} : parseEnv(text);
  const merged: Record<string, string | undefined> = {};
  for (const key of Object.keys(ENV_SCHEMA.shape)) {
    const value = processEnv[key] ?? fromFile[key];
    merged[key] = value === "" ? undefined : value;
  }
  const parsed = ENV_SCHEMA.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "");
      const where =
        processEnv[key] === undefined && text !== undefined ? `${envFile}:${lineOf(text, key)}` : "environment";
      return `${where}: ${key}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return text === undefined ? { env: parsed.data } : { env: parsed.data, file: envFile };
}

function lineOf(text: string, key: string): number {
  const index = text.split("\n").findIndex((line) => new RegExp(`^\\s*(export\\s+)?${key}\\s*=`).test(line));
  return index + 1;
}
