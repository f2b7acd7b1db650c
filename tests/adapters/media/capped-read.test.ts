import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { downloadCapped, MAX_INTAKE_BYTES, readCapped } from "../../../adapters/media/capped-read.ts";
import { errorText } from "../../../commands/messages.ts";
import { LIMITS } from "../../../src/announcement/content.ts";

const CHUNK = 64 * 1024;

/** Endless bytes that count what was taken from them and note when the reader let go. */
function endless() {
  const seen = { consumed: 0, closed: false };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        seen.consumed += CHUNK;
        yield new Uint8Array(CHUNK);
      }
    } finally {
      seen.closed = true;
    }
  }
  return { seen, chunks: chunks() };
}

async function* pieces(...sizes: number[]): AsyncGenerator<Uint8Array> {
  for (const size of sizes) yield new Uint8Array(size).fill(7);
}

describe("reading with a cap", () => {
  it("the cap lies above the largest file an outlet takes, so the outlet's own check names the limit", () => {
    expect(MAX_INTAKE_BYTES).toBeGreaterThan(LIMITS.videoBytes);
    expect(MAX_INTAKE_BYTES).toBeGreaterThan(LIMITS.imageBytes);
  });

  it("an endless stream is cut at the cap: never more than cap + one chunk taken, and the source is closed", async () => {
    const { seen, chunks } = endless();
    const result = await readCapped(chunks, "null.bin");
    expect(result).toEqual({
      ok: false,
      error: { code: "MEDIA_TOO_LARGE", params: { name: "null.bin", moreThanMb: "20.00", maxMb: "16.00" } },
    });
    expect(seen.consumed).toBeGreaterThan(MAX_INTAKE_BYTES);
    expect(seen.consumed).toBeLessThanOrEqual(MAX_INTAKE_BYTES + CHUNK);
    expect(seen.closed).toBe(true);
    if (result.ok) return;
    expect(errorText(result.error)).toEqual({
      de: "Die Datei „null.bin“ ist größer als 20.00 MB und wurde nicht ganz gelesen; erlaubt sind 16.00 MB.",
      en: 'The file "null.bin" is larger than 20.00 MB and was not read to the end; the limit is 16.00 MB.',
    });
  });

  it("takes everything up to the cap itself, and refuses one byte more", async () => {
    const exact = await readCapped(pieces(6, 4), "a.png", 10);
    expect(exact.ok && [...exact.value]).toEqual(new Array(10).fill(7));
    expect(await readCapped(pieces(6, 5), "a.png", 10)).toMatchObject({
      ok: false,
      error: { code: "MEDIA_TOO_LARGE" },
    });
  });
});

describe("downloading with a cap", () => {
  let server: Server | undefined;
  let served = 0;

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    served = 0;
  });

  async function serve(answer: (res: ServerResponse) => void): Promise<URL> {
    server = createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/file`);
  }

  /** Writes as fast as the client reads until it hangs up. */
  async function pour(res: ServerResponse): Promise<void> {
    const chunk = Buffer.alloc(CHUNK, 1);
    const closed = new Promise((resolve) => res.once("close", resolve));
    while (!res.destroyed) {
      served += CHUNK;
      if (!res.write(chunk)) await Promise.race([new Promise((resolve) => res.once("drain", resolve)), closed]);
    }
  }

  it("an endless body without Content-Length is cut at the cap and the connection let go", async () => {
    const url = await serve((res) => {
      res.writeHead(200, { "content-type": "image/png" });
      void pour(res);
    });
    const result = await downloadCapped(url, { name: "endlos.png", headers: {} });
    expect(result).toMatchObject({ ok: false, error: { code: "MEDIA_TOO_LARGE", params: { moreThanMb: "20.00" } } });
    // What the server could write is bounded by what was read plus the sockets' buffers, not endless.
    expect(served).toBeLessThan(2 * MAX_INTAKE_BYTES);
  });

  it("a Content-Length over the cap is refused from the header, before the body is read", async () => {
    const url = await serve((res) => {
      res.writeHead(200, { "content-type": "video/mp4", "content-length": String(2 * 1024 ** 3) });
      res.write(Buffer.alloc(CHUNK));
    });
    expect(await downloadCapped(url, { name: "film.mp4", headers: {} })).toEqual({
      ok: false,
      error: { code: "MEDIA_TOO_LARGE", params: { name: "film.mp4", mb: "2048.00", maxMb: "16.00" } },
    });
  });

  it("a body that stalls runs into the deadline and counts as a failed download", async () => {
    const url = await serve((res) => {
      res.writeHead(200, { "content-type": "image/png" });
      res.write(Buffer.alloc(10));
    });
    expect(await downloadCapped(url, { name: "zäh.png", headers: {}, timeoutMs: 50 })).toEqual({
      ok: false,
      error: { code: "MEDIA_DOWNLOAD_FAILED", params: { name: "zäh.png" } },
    });
  });

  it("an answer other than 200 with the file is a failed download; a small file arrives whole", async () => {
    const url = await serve((res) => {
      if (res.req.headers.authorization !== "Bearer t") return void res.writeHead(403).end("no");
      res.writeHead(200, { "content-type": "image/png" }).end("PNG");
    });
    expect(await downloadCapped(url, { name: "a.png", headers: {} })).toMatchObject({
      ok: false,
      error: { code: "MEDIA_DOWNLOAD_FAILED" },
    });
    const whole = await downloadCapped(url, { name: "a.png", headers: { authorization: "Bearer t" } });
    expect(whole.ok && Buffer.from(whole.value).toString()).toBe("PNG");
  });
});
