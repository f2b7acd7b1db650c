import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConsoleChat } from "../../../adapters/console/console-chat.ts";
import type { CommandInput, CommandOutcome } from "../../../commands/input.ts";
import { L } from "../../../commands/messages.ts";
import { testPolicy } from "../../fakes/fixtures.ts";

async function session(lines: string[]) {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = "";
  output.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  const chat = new ConsoleChat({ input, output, policy: testPolicy(), user: "anna" });
  const seen: CommandInput[] = [];
  const running = chat.run(async (i): Promise<CommandOutcome> => {
    seen.push(i);
    if (i.kind === "text" && i.text === "fail")
      return { kind: "error", code: "EMPTY_TEXT", message: L("kaputt", "broken") };
    return {
      kind: "reply",
      message: L(`ok ${i.kind === "text" ? i.text : ""}`, `ok-en ${i.kind === "text" ? i.text : ""}`),
    };
  });
  input.end(lines.join("\n"));
  await running;
  return { seen, printed, chat };
}

describe("console chat", () => {
  it("passes lines as commands of the local user, with or without the announce prefix", async () => {
    const { seen, printed } = await session([
      "announce Hallo Welt",
      "status A-1",
      "/announce list",
      "",
      "# comment",
      "#",
      "#Sperrung heute",
    ]);
    expect(seen.map((i) => i.kind === "text" && i.text)).toEqual([
      "Hallo Welt",
      "status A-1",
      "list",
      "#Sperrung heute",
    ]);
    expect(seen.every((i) => i.actor.platform === "console" && i.actor.userId === "anna")).toBe(true);
    expect(printed).toContain("ok Hallo Welt\n");
  });

  it("`as <user> …` acts once as someone else; `as <user>` switches; replies in that person's language", async () => {
    const { seen, printed, chat } = await session(["as ben approve A-1", "list", "as carla", "approve A-1", "fail"]);
    expect(seen.map((i) => i.actor.userId)).toEqual(["ben", "anna", "carla", "carla"]);
    expect(printed).toContain("ok-en approve A-1\n");
    expect(printed).toContain("ok list\n");
    expect(printed).toContain("⚠️ kaputt\n");
    expect(chat.user).toBe("carla");
  });

  it("posts to the approval room and to authors in their language", async () => {
    const output = new PassThrough();
    let printed = "";
    output.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    const chat = new ConsoleChat({ input: new PassThrough(), output, policy: testPolicy(), user: "anna" });
    await chat.toApprovers(L("Zeile 1\nZeile 2", "line 1\nline 2"));
    const a = { author: "ben" } as Parameters<ConsoleChat["toAuthor"]>[0];
    await chat.toAuthor(a, L("Hallo Ben", "Hello Ben"));
    expect(printed).toBe("[Freigabe-Raum] Zeile 1\n  Zeile 2\n[an Ben] Hello Ben\n");
  });
});
