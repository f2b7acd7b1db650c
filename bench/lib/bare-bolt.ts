// A bare Bolt app in HTTP mode that only acknowledges slash commands: the baseline of bench/ack-latency.ts.
// Reads SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL, BOT_ID, BOT_USER_ID; prints `{"port":…}`; stops when stdin ends.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, HTTPReceiver, LogLevel } from "@slack/bolt";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const app = new App({
  receiver: new HTTPReceiver({ signingSecret: env("SIGNING_SECRET"), endpoints: "/slack/events" }),
  token: env("SLACK_BOT_TOKEN"),
  botId: env("BOT_ID"),
  botUserId: env("BOT_USER_ID"),
  convoStore: false,
  logLevel: LogLevel.WARN,
  clientOptions: { slackApiUrl: env("SLACK_API_URL") },
});
app.command(/.*/, async ({ ack }) => ack());
const server = (await app.start({ port: 0, host: "127.0.0.1" })) as Server;
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
process.stdin.resume();
process.stdin.once("end", () => void app.stop().then(() => process.exit(0)));
