import { execFileSync } from "node:child_process";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConsoleChat } from "../../../adapters/console/console-chat.ts";
import type { CommandInput, CommandOutcome } from "../../../commands/input.ts";
import { L } from "../../../commands/messages.ts";
import { dispatch } from "../../../commands/dispatch.ts";
import { findForbidden } from "../../../src/announcement/text-hygiene.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import { testPolicy } from "../../fakes/fixtures.ts";
import { aWorld } from "../../fakes/world.ts";

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

  it("`as` someone not in the policy (a typo) is refused, naming who is known; nobody is switched", async () => {
    const { seen, printed, chat } = await session(["as crala", "as crala approve A-1", "approve A-1"]);
    expect(seen.map((i) => [i.actor.userId, i.kind === "text" && i.text])).toEqual([["anna", "approve A-1"]]);
    expect(printed.match(/⚠️ „crala“ steht nicht in der Richtlinie\. Bekannt sind: anna, ben, carla/g)).toHaveLength(2);
    expect(chat.user).toBe("anna");
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

  it("draws a QR code in the terminal when a reply carries one", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = "";
    output.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    const chat = new ConsoleChat({ input, output, policy: testPolicy(), user: "erik" });
    const running = chat.run(async () => ({
      kind: "reply",
      message: L("Scannen", "Scan"),
      private: true,
      qr: "2@abc",
    }));
    input.end("whatsapp qr\n");
    await running;
    expect(printed).toContain("Scannen\n");
    expect(printed.split("\n").filter((l) => /[█▀▄]/.test(l)).length).toBeGreaterThan(10);
    // The bot's own drawing keeps its terminal colours; only typed text is made visible.
    expect(printed).toContain("\u001b[47m");
  });

  it("attaches a file with --image through the intake and says so when it cannot be read", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = "";
    output.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    const taken: string[] = [];
    const chat = new ConsoleChat({
      input,
      output,
      policy: testPolicy(),
      user: "anna",
      intake: async (raw) => {
        taken.push(`${raw.name}:${raw.bytes.length}:${raw.altText ?? ""}`);
        return { ok: true, value: { name: "x.jpg", mimeType: "image/jpeg", bytes: 1, sha256: "s" } };
      },
    });
    const seen: CommandInput[] = [];
    const running = chat.run(async (i) => {
      seen.push(i);
      return { kind: "ignored" };
    });
    const file = new URL("../../../package.json", import.meta.url).pathname;
    input.end(
      `announce Text --image ${file} --alt "Plan"\nannounce Text --image /nonexistent/x.png\nannounce Text --alt "nur Text"\n`,
    );
    await running;
    expect(taken).toEqual([expect.stringMatching(/^package\.json:\d+:Plan$/)]);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.kind === "text" && seen[0].attachments).toEqual([
      { name: "x.jpg", mimeType: "image/jpeg", bytes: 1, sha256: "s" },
    ]);
    expect(seen[0]?.kind === "text" && seen[0].text).toBe("Text");
    expect(printed).toContain("/nonexistent/x.png lässt sich nicht lesen (ENOENT)");
    expect(printed).toContain("--alt");
  });

  it("answers `--image` naming a device, a pipe, a folder or a 2 GB file without reading it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "amtsbote-console-"));
    try {
      const fifo = join(dir, "pipe.png");
      execFileSync("mkfifo", [fifo]);
      const big = join(dir, "riesig.png");
      await writeFile(big, "");
      await truncate(big, 2 * 1024 ** 3);
      const input = new PassThrough();
      const output = new PassThrough();
      let printed = "";
      output.on("data", (chunk: Buffer) => (printed += chunk.toString()));
      const taken: string[] = [];
      const chat = new ConsoleChat({
        input,
        output,
        policy: testPolicy(),
        user: "anna",
        intake: async (raw) => {
          taken.push(raw.name);
          return { ok: true, value: { name: "x.jpg", mimeType: "image/jpeg", bytes: 1, sha256: "s" } };
        },
      });
      const seen: CommandInput[] = [];
      const running = chat.run(async (i) => {
        seen.push(i);
        return { kind: "ignored" };
      });
      input.end(
        [`/dev/zero`, fifo, dir, big].map((path) => `announce Bild --image ${path} --alt "Bild"`).join("\n") + "\n",
      );
      await running;
      expect(taken).toEqual([]);
      expect(seen).toEqual([]);
      expect(printed).toContain("„/dev/zero“ ist ein Gerät, keine Bild- oder Videodatei; es wurde nichts gelesen.");
      expect(printed).toContain(`„${fifo}“ ist eine Pipe (FIFO)`);
      expect(printed).toContain(`„${dir}“ ist ein Ordner`);
      expect(printed).toContain("Die Datei „riesig.png“ ist 2048.00 MB groß, erlaubt sind 16.00 MB.");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("shows control and bidi characters it echoes instead of letting them repaint or reorder the terminal", async () => {
    const { printed } = await session(["announce rot \u001b[31mROT\u001b[0m \u0007 \u202Eabc", "as e\u001b[2Jve"]);
    expect(printed).toContain("ok rot ⟨U+001B⟩[31mROT⟨U+001B⟩[0m ⟨U+0007⟩ ⟨U+202E⟩abc\n");
    expect(printed).toContain("⚠️ „e⟨U+001B⟩[2Jve“ steht nicht in der Richtlinie.");
    expect(findForbidden(printed)).toBeUndefined();

    const output = new PassThrough();
    let posted = "";
    output.on("data", (chunk: Buffer) => (posted += chunk.toString()));
    const chat = new ConsoleChat({ input: new PassThrough(), output, policy: testPolicy(), user: "anna" });
    await chat.toApprovers(L("Grund: \u001b]0;Titel\u0007", "reason"));
    expect(posted).toBe("[Freigabe-Raum] Grund: ⟨U+001B⟩]0;Titel⟨U+0007⟩\n");
  });

  it("end to end: colour codes, an unclosed RLO and zero-width-only text are refused, nothing is stored", async () => {
    const w = aWorld();
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = "";
    output.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    const chat = new ConsoleChat({ input, output, policy: w.policy, user: "anna" });
    const running = chat.run((i) =>
      dispatch(i, { service: w.service, policy: w.policy, clock: w.clock, log: silentLogger }),
    );
    input.end(
      [
        "announce Achtung \u001b[31mHauptstraße gesperrt",
        "announce Gebühr \u202E0001 €",
        "announce \u200B\u200B\u200B",
        'poll "Wann?" "Samstag" "Son\u2067ntag"',
      ].join("\n"),
    );
    await running;
    expect(printed).toContain("⚠️ Im Text steht an Stelle 9 das unsichtbare Steuerzeichen U+001B (ESC)");
    expect(printed).toContain("⚠️ Im Text steht an Stelle 8 das unsichtbare Schreibrichtungszeichen U+202E (RLO)");
    expect(printed).toContain("⚠️ Der Text besteht nur aus unsichtbaren Zeichen (z. B. U+200B)");
    expect(printed).toContain("⚠️ In Antwort 2 der Umfrage steht an Stelle 4 das unsichtbare Schreibrichtungszeichen");
    expect(findForbidden(printed)).toBeUndefined();
    expect(await w.store.currentSequence("announcement")).toBe(0);
  });
});
