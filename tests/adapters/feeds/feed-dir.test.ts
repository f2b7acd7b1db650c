import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryStore } from "../../../src/memory/memory-store.ts";
import {
  attempt,
  capSchemaErrors,
  feeds,
  parser,
  PICTURE_BYTES,
  PICTURE_SHA,
  post,
  type JsonFeedDoc,
} from "./harness.ts";

const folders: string[] = [];
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "amtsbote-feeds-"));
  folders.push(dir);
  return dir;
}

const PICTURE = {
  name: "k.jpg",
  mimeType: "image/jpeg",
  bytes: PICTURE_BYTES.length,
  sha256: PICTURE_SHA,
  altText: "Karte",
};

/** Every file under `dir`, relative, sorted. */
const files = (dir: string): string[] =>
  (
    readdirSync(dir, { recursive: true, withFileTypes: true }) as {
      name: string;
      parentPath: string;
      isFile(): boolean;
    }[]
  )
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();

const jsonItems = (dir: string) => (JSON.parse(readFileSync(join(dir, "feed.json"), "utf8")) as JsonFeedDoc).items;

describe("feed folder for static hosting", () => {
  it("holds the same files the listener serves after every change, and nothing left over", async () => {
    const dir = folder();
    const f = feeds({ dir });
    await f.outlet.start();
    expect(files(dir)).toEqual(["cap.atom", "feed.atom", "feed.json", "feed.rss"]);
    await f.outlet.publish(post({ emergency: true, media: [PICTURE] }), attempt());
    await f.outlet.publish(post({ announcementId: "A-0043", text: "Zweite" }), attempt());
    expect(files(dir)).toEqual([
      "cap.atom",
      "cap/amtsbote.A-0042.v1.alert.xml",
      "feed.atom",
      "feed.json",
      "feed.rss",
      `media/${PICTURE_SHA}`,
      "posts/A-0042.html",
      "posts/A-0043.html",
    ]);
    expect(new Uint8Array(readFileSync(join(dir, "media", PICTURE_SHA)))).toEqual(PICTURE_BYTES);
    expect(await capSchemaErrors(readFileSync(join(dir, "cap/amtsbote.A-0042.v1.alert.xml"), "utf8"))).toEqual([]);
    const rss = parser.parse(readFileSync(join(dir, "feed.rss"), "utf8")) as { rss: { channel: { item: unknown[] } } };
    expect(rss.rss.channel.item).toHaveLength(2);

    await f.outlet.edit(
      { remoteId: "A-0043" },
      post({ announcementId: "A-0043", version: 2, text: "Zweite, korrigiert" }),
    );
    expect(jsonItems(dir).map((i) => i.title)).toContain("Zweite, korrigiert");

    await f.outlet.remove({ remoteId: "A-0042" });
    expect(files(dir)).toEqual([
      "cap.atom",
      "cap/amtsbote.A-0042.v1.alert.xml",
      "cap/amtsbote.A-0042.v1.cancel.xml",
      "feed.atom",
      "feed.json",
      "feed.rss",
      "posts/A-0043.html",
    ]);
    expect(jsonItems(dir).map((i) => i.title)).toEqual(["Zweite, korrigiert"]);
  });

  it("leaves files that are not its own alone", async () => {
    const dir = folder();
    mkdirSync(join(dir, "posts"));
    writeFileSync(join(dir, "index.html"), "Startseite");
    writeFileSync(join(dir, "posts", "impressum.html"), "Impressum");
    const f = feeds({ dir });
    await f.outlet.publish(post(), attempt());
    await f.outlet.remove({ remoteId: "A-0042" });
    expect(files(dir)).toContain("index.html");
    expect(files(dir)).toContain("posts/impressum.html");
  });

  it("a folder that cannot be written makes the post wait and health down; once fixed, both recover", async () => {
    const parent = folder();
    const dir = join(parent, "feeds");
    writeFileSync(dir, "a file where the folder should be");
    const f = feeds({ dir });
    const outcome = await f.outlet.publish(post(), attempt());
    expect(outcome).toMatchObject({ state: "failed", code: "unreachable", retryable: true });
    expect(outcome.state === "failed" && outcome.reason).toContain(dir);
    const health = await f.outlet.health();
    expect(health).toMatchObject({ state: "down", problem: "unexpected" });
    expect(health.state !== "ok" && health.reason).toContain(dir);
    rmSync(dir);
    expect(await f.outlet.health()).toEqual({ state: "ok" });
    expect(jsonItems(dir).map((i) => i.title)).toEqual(["Sperrung Hauptstraße ab Montag."]);
    expect((await f.outlet.publish(post(), attempt(2))).state).toBe("sent");
  });

  it("another instance's folder catches up with a change at its next health check", async () => {
    const store = new MemoryStore();
    const dir = folder();
    const writer = feeds({ store });
    const mirror = feeds({ store, dir });
    await mirror.outlet.start();
    await writer.outlet.publish(post(), attempt());
    expect(jsonItems(dir)).toEqual([]);
    expect(await mirror.outlet.health()).toEqual({ state: "ok" });
    expect(jsonItems(dir).map((i) => i.title)).toEqual(["Sperrung Hauptstraße ab Montag."]);
    expect(existsSync(join(dir, "posts", "A-0042.html"))).toBe(true);
  });
});
