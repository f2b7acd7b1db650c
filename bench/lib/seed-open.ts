// Open announcements for a bench, written before amtsbote starts: pending drafts made by the real service through
// the store API (`openStore`), each with its approval card noted in the chat state as the Slack desk notes it. So
// the records, the open index, the counter and whatever the store keeps beside them are what the code under test
// writes itself. Seeding runs on a RAM disk when there is one (no fsync per statement); the closed file is then
// copied next to the bot, one snapshot per size, each size continuing from the one below.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { openStore } from "../../adapters/store/open-store.ts";
import { cardBlocks } from "../../adapters/slack/blocks.ts";
import { SLACK_PLATFORM } from "../../adapters/slack/slack-surface.ts";
import { ApprovalState } from "../../commands/approval-state.ts";
import { createAnnouncementService } from "../../src/announcement/service.ts";
import type { Policy } from "../../src/policy/policy.ts";
import { systemClock } from "../../src/ports/clock.ts";
import { silentLogger } from "../../src/ports/logger.ts";

/** Drafts in flight at once while seeding. */
const CONCURRENCY = 32;

const STREETS = ["Hauptstraße", "Bergstraße", "Obernstraße", "Bremer Straße", "Marktplatz", "Bahnhofstraße"];

/** A realistic draft: bold, a link, times, three sentences; different for each `i`. */
export function draftText(i: number): string {
  const street = STREETS[i % STREETS.length] ?? "Hauptstraße";
  return (
    `*Vollsperrung ${street}* ab Montag, 7 Uhr, bis voraussichtlich Freitag (Meldung ${i}). ` +
    `Die Umleitung führt über die Bergstraße und ist ausgeschildert; Anlieger frei. ` +
    `Busse halten an der Ersatzhaltestelle am Rathaus. Mehr unter https://www.stadt-achim.de/baustellen.`
  );
}

/** An approval card as Slack holds it: the bench adds it to the fake Slack's channel before the bot starts. */
export interface SeededCard {
  ts: string;
  text: string;
  blocks: unknown[];
}

export interface Seeded {
  /** Open announcements → a closed SQLite file holding exactly that many pending drafts. */
  files: Map<number, string>;
  /** Every seeded card, oldest first: the first n belong to the file of size n. */
  cards: SeededCard[];
  ms: number;
}

/**
 * Card timestamps of their own, older than any the fake Slack hands out (it starts at 1760000000.000100), one
 * second apart, so a card the bot posts later never shares a ts with a seeded one.
 */
const seededTs = (i: number): string => `${1_700_000_000 + i}.000100`;

/**
 * Pending drafts by `author` in the policy's default category, one snapshot per size in `sizes` (0 needs none),
 * each a file in a directory of its own that is removed when the process exits.
 */
export async function seedOpen(
  sizes: readonly number[],
  policy: Policy,
  author: string,
  origin: { platform: string; room: string },
  approvalChannel: string,
): Promise<Seeded> {
  const started = performance.now();
  const ramDisk = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const work = mkdtempSync(join(ramDisk, "amtsbote-bench-seed-"));
  process.once("exit", () => rmSync(work, { recursive: true, force: true }));
  const file = join(work, "seed.sqlite");
  const files = new Map<number, string>();
  const cards: SeededCard[] = [];
  let store = await openStore(`sqlite://${file}`);
  try {
    for (const size of [...new Set(sizes)].filter((n) => n > 0).sort((a, b) => a - b)) {
      const service = createAnnouncementService({
        store,
        policy,
        clock: systemClock,
        outlets: [],
        notices: { emit: async () => undefined },
        log: silentLogger,
      });
      const state = new ApprovalState(store, SLACK_PLATFORM);
      const draftOne = async (i: number) => {
        const r = await service.draft(author, { content: { text: draftText(i), media: [] }, origin });
        if (!r.ok) throw new Error(`seeding draft ${i} failed: ${r.error.code}`);
        const card = { ts: seededTs(i), ...cardBlocks(policy, r.value, policy.language) };
        cards[i] = card;
        await state.putPost(r.value.id, { room: approvalChannel, id: card.ts, at: Math.round(Number(card.ts) * 1000) });
      };
      let next = cards.length;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < size) await draftOne(next++);
        }),
      );
      // Closed, the file holds everything (SQLite checkpoints its write-ahead log on close); then copied out.
      await store.close();
      const copy = join(mkdtempSync(join(tmpdir(), `amtsbote-bench-open-${size}-`)), "amtsbote.sqlite");
      process.once("exit", () => rmSync(dirname(copy), { recursive: true, force: true }));
      copyFileSync(file, copy);
      if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
      files.set(size, copy);
      store = await openStore(`sqlite://${file}`);
    }
  } finally {
    await store.close();
  }
  return { files, cards, ms: performance.now() - started };
}
