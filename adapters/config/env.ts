import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { z } from "zod";
import { ConfigError } from "./config-error.ts";

const onOff = z.enum(["on", "off"]);

/** Every environment variable amtsbote reads. `.env.example` documents exactly these. */
export const ENV_SCHEMA = z.object({
  STORE_URL: z
    .string()
    .regex(
      /^(sqlite:\/\/.+|rediss?:\/\/.+|postgres(ql)?:\/\/.+)$/,
      "must start with sqlite://, redis:// or postgres://",
    )
    .default("sqlite://./data/amtsbote.sqlite"),
  POLICY_FILE: z.string().min(1).default("./policy.yaml"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_FILE: z.string().min(1).optional(),
  CONSOLE_USER: z.string().min(1).optional(),
  DELIVERY_WORKER: onOff.default("on"),
  OUTBOX_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
});

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
