import { ConfigError } from "./config/config-error.ts";
import { loadEnv } from "./config/env.ts";
import { createApp } from "./app.ts";

/** The process: its environment in, signals to a bounded shutdown, exit codes out. */
async function main(): Promise<void> {
  const { env } = loadEnv(process.env);
  const app = await createApp(env, {
    stdin: process.stdin,
    stdout: process.stdout,
    onFatal: (message) => {
      process.stderr.write(`amtsbote: ${message}\n`);
      process.exitCode = 3;
      process.kill(process.pid, "SIGTERM");
    },
  });
  process.once("SIGTERM", () => void app.stop("SIGTERM").then(() => process.exit()));
  process.once("SIGINT", () => void app.stop("SIGINT").then(() => process.exit()));
  // The Slack socket layer can reject a promise nobody awaits while reconnecting (slack.md §8.4).
  process.on("unhandledRejection", (reason) => {
    app.log.error(
      { reason: reason instanceof Error ? reason.message : String(reason) },
      "unhandled rejection; still running",
    );
  });
  await app.run();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`amtsbote: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`amtsbote: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
