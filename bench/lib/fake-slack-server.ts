// The local fake Slack in a process of its own (for bench/ack-latency.ts), so its work does not run on the
// measuring process's event loop. Prints one JSON line with its addresses; then answers each `stats` line on
// stdin with a JSON line of counts; stops when stdin ends.
import { createInterface } from "node:readline";
import { FakeSlack } from "../../tests/fakes/fake-slack.ts";

const fake = await FakeSlack.start();
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
say({
  apiUrl: fake.apiUrl,
  baseUrl: fake.baseUrl,
  botToken: fake.botToken,
  appToken: fake.appToken,
  appId: fake.appId,
  teamId: fake.teamId,
  botId: fake.botId,
  botUserId: fake.botUserId,
});
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() !== "stats") return;
  const methods: Record<string, number> = {};
  for (const call of fake.calls) methods[call.method] = (methods[call.method] ?? 0) + 1;
  say({ calls: fake.calls.length, methods, responses: fake.responses.length, messages: fake.messages.length });
});
lines.once("close", () => void fake.stop().then(() => process.exit(0)));
