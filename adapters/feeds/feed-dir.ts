import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { FeedSite } from "./site.ts";
import type { FeedState } from "./state.ts";

/** Folders of the site whose files come and go with the entries; files in them not on the site are removed. */
const MANAGED = ["cap", "posts", "media"] as const;

/** What a file name of ours looks like in those folders; anything else there is left alone. */
const OURS = /^(amtsbote\.A-\d+\.v\d+\.(alert|update|cancel)\.xml|A-\d+\.html|[0-9a-f]+)$/;

/**
 * Writes the feed site as files for static hosting: every file atomically (a temporary file renamed over it),
 * pages and CAP documents no longer on the site removed, media written once (they are named by their content).
 */
export class FeedDir {
  readonly #dir: string;
  readonly #site: FeedSite;

  constructor(dir: string, site: FeedSite) {
    this.#dir = dir;
    this.#site = site;
  }

  get path(): string {
    return this.#dir;
  }

  async write(state: FeedState): Promise<void> {
    const paths = this.#site.paths(state);
    for (const folder of MANAGED) await mkdir(join(this.#dir, folder), { recursive: true });
    for (const path of paths) {
      const file = join(this.#dir, ...path.split("/").filter(Boolean));
      if (path.startsWith("/media/") && (await exists(file))) continue;
      const found = this.#site.resolve(state, path);
      if (!found || found === "gone") continue;
      const body = await found.body();
      if (body) await atomicWrite(file, body);
    }
    const wanted = new Set(paths);
    for (const folder of MANAGED) {
      for (const name of await readdir(join(this.#dir, folder))) {
        if (OURS.test(name) && !wanted.has(`/${folder}/${name}`))
          await rm(join(this.#dir, folder, name), { force: true });
      }
    }
  }

  /** Throws, naming the problem, unless a file can be created in the folder. */
  async probe(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    await access(this.#dir, constants.W_OK);
    const probe = join(this.#dir, `.probe-${process.pid}-${randomBytes(4).toString("hex")}`);
    await writeFile(probe, "");
    await rm(probe, { force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function atomicWrite(file: string, body: Uint8Array): Promise<void> {
  const temp = join(dirname(file), `.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temp, body, { mode: 0o644 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
