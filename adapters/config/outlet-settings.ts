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
