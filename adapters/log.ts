import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";
import type { Env } from "./config/env.ts";

/** Keys whose values never reach a log line (the values themselves are also scrubbed, see createLogger). */
export const REDACTED_PATHS = [
  "*.token",
  "*.apiKey",
  "*.password",
  "*.secret",
  "*.signingSecret",
  "*.accessToken",
  "*.botToken",
  "*.appToken",
  "*.authorization",
  "*.Authorization",
  '*["x-api-key"]',
  "token",
  "req.headers.authorization",
  "env.SLACK_BOT_TOKEN",
  "env.SLACK_APP_TOKEN",
  "env.SLACK_SIGNING_SECRET",
  "env.MATRIX_ACCESS_TOKEN",
  "env.WAHA_API_KEY",
  "env.WHAPI_TOKEN",
  "env.STORE_URL",
  "env.SMTP_URL",
  "env.MASTODON_TOKEN",
  "env.TELEGRAM_BOT_TOKEN",
];

/** `postgres://user:secret@host/db?password=x` → `postgres://user:***@host/db?password=***`, for logs. */
export function maskUrlPassword(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  if (!scheme) return url;
  const rest = url.slice(scheme.length);
  // The last "@" before the path ends the credentials, whatever the password contains.
  const pathStart = rest.search(/[?#]/);
  const authority = pathStart < 0 ? rest : rest.slice(0, pathStart);
  const at = authority.lastIndexOf("@");
  let masked = rest;
  if (at >= 0) {
    const credentials = authority.slice(0, at);
    const colon = credentials.indexOf(":");
    const user = colon < 0 ? credentials : credentials.slice(0, colon);
    masked = `${user}${colon < 0 ? "" : ":***"}${rest.slice(at)}`;
  }
  return scheme + masked.replace(/([?&](?:ssl)?password=)[^&#]*/gi, "$1***");
}

/** Every secret value the environment holds, for scrubbing them from log lines by value. */
export function secretsOf(env: Partial<Env>): string[] {
  const values = [
    env.SLACK_BOT_TOKEN,
    env.SLACK_APP_TOKEN,
    env.SLACK_SIGNING_SECRET,
    env.MATRIX_ACCESS_TOKEN,
    env.WAHA_API_KEY,
    env.WHAPI_TOKEN,
    env.MASTODON_TOKEN,
    env.TELEGRAM_BOT_TOKEN,
    storePassword(env.STORE_URL),
    storePassword(env.SMTP_URL),
  ];
  return values.filter((v): v is string => typeof v === "string" && v.length >= 6);
}

function storePassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const masked = maskUrlPassword(url);
  if (masked === url) return undefined;
  const at = url.lastIndexOf("@", url.search(/[?#]/) < 0 ? url.length : url.search(/[?#]/));
  const credentials = url.slice(url.indexOf("//") + 2, at < 0 ? 0 : at);
  const password = credentials.slice(credentials.indexOf(":") + 1);
  const fromQuery = /[?&](?:ssl)?password=([^&#]*)/i.exec(url)?.[1];
  return (credentials.includes(":") ? password : undefined) ?? fromQuery;
}

/**
 * Where logs go: a file (appended, directories created) or stderr; JSON lines, or readable lines when
 * stderr is a terminal (`LOG_FORMAT=auto`) or when asked for (`pretty`).
 */
export function logDestination(
  file: string | undefined,
  format: "auto" | "json" | "pretty" = "json",
): DestinationStream {
  if (file) return pino.destination({ dest: file, mkdir: true, append: true, sync: false });
  const readable = format === "pretty" || (format === "auto" && process.stderr.isTTY);
  return readable
    ? pretty({
        destination: 2,
        colorize: process.stderr.isTTY,
        translateTime: "SYS:HH:MM:ss",
        ignore: "pid,hostname,app",
      })
    : pino.destination(2);
}

/**
 * An error as a log line shows it: what it says and where, never the request it carried. Libraries
 * attach their requests (with Authorization headers) to errors, and some throw raw response objects.
 */
function safeError(error: unknown): Record<string, unknown> {
  const e = error as Record<string, unknown> | null | undefined;
  const fields: Record<string, unknown> = {};
  for (const key of ["code", "errcode", "statusCode", "status"]) {
    const value = e?.[key];
    if (typeof value === "string" || typeof value === "number") fields[key] = value;
  }
  if (error instanceof Error) return { type: error.name, message: error.message, stack: error.stack, ...fields };
  return { type: typeof error, message: typeof error === "object" ? "non-Error thrown" : String(error), ...fields };
}

/**
 * The logger: JSON lines, keys that hold secrets redacted, and every secret value handed in scrubbed
 * from every line, wherever it appears (an error message, a library's own text, a nested object).
 */
export function createLogger(
  level: string,
  destination: DestinationStream = pino.destination(2),
  secrets: readonly string[] = [],
): Logger {
  const scrubbed = [...new Set(secrets)].filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
  const out: DestinationStream = scrubbed.length
    ? {
        write(line: string) {
          let clean = line;
          for (const secret of scrubbed) clean = clean.split(secret).join("[redacted]");
          return destination.write(clean);
        },
      }
    : destination;
  return pino(
    {
      level,
      base: { app: "amtsbote" },
      serializers: { err: safeError, error: safeError, reason: safeError },
      redact: {
        paths: REDACTED_PATHS,
        censor: (value, path) =>
          (path.at(-1) === "STORE_URL" || path.at(-1) === "SMTP_URL") && typeof value === "string"
            ? maskUrlPassword(value)
            : "[redacted]",
      },
    },
    out,
  );
}
