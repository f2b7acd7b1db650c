import pino, { type DestinationStream, type Logger } from "pino";

/** Keys whose values never reach a log line. */
export const REDACTED_PATHS = [
  "*.token",
  "*.apiKey",
  "*.password",
  "*.secret",
  "*.signingSecret",
  "*.accessToken",
  "*.authorization",
  "req.headers.authorization",
  "env.SLACK_BOT_TOKEN",
  "env.SLACK_APP_TOKEN",
  "env.SLACK_SIGNING_SECRET",
  "env.MATRIX_ACCESS_TOKEN",
  "env.WAHA_API_KEY",
  "env.WHAPI_TOKEN",
];

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for logs. */
export const maskUrlPassword = (url: string): string => url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");

/** Where logs go: a file (appended, directories created) or stderr. */
export const logDestination = (file: string | undefined): DestinationStream =>
  file ? pino.destination({ dest: file, mkdir: true, append: true, sync: false }) : pino.destination(2);

export function createLogger(level: string, destination: DestinationStream = pino.destination(2)): Logger {
  return pino(
    { level, base: { app: "amtsbote" }, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } },
    destination,
  );
}
