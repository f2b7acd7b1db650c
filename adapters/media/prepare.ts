import { createHash } from "node:crypto";
import { LIMITS } from "../../src/announcement/content.ts";
import type { MediaItem } from "../../src/announcement/announcement.ts";
import { fail, ok, type Result } from "../../src/errors.ts";

export interface RawMedia {
  name: string;
  bytes: Uint8Array;
  altText?: string;
}

export interface PreparedMedia {
  item: MediaItem;
  bytes: Uint8Array;
}

/** Longest side of a picture as posted; WhatsApp shows channel pictures far smaller. */
const MAX_SIDE = 2048;

const isMp4 = (b: Uint8Array): boolean =>
  b.length > 12 && b[4] === 0x66 && b[5] === 0x74 && b[6] === 0x79 && b[7] === 0x70; // "ftyp" box

const mb = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(2);

const withExtension = (name: string, ext: string): string => `${name.replace(/\.[^./\\]+$/, "") || "bild"}.${ext}`;

/**
 * Makes an attachment publishable, judged by its content, not its name: pictures of any
 * raster format become JPEG within the size cap (oriented, at most 2048 px); videos must be MP4
 * within the cap; anything else is refused with the reason.
 */
type Sharp = typeof import("sharp");
let sharpModule: Promise<Sharp> | undefined;

/** The image library is loaded with the first picture: it costs start time and memory a bot without pictures never needs. */
const loadSharp = (): Promise<Sharp> => (sharpModule ??= import("sharp").then((m) => m.default));

export async function prepareMedia(raw: RawMedia): Promise<Result<PreparedMedia>> {
  const alt = raw.altText?.trim();
  const finish = (bytes: Uint8Array, mimeType: string, name: string): Result<PreparedMedia> =>
    ok({
      bytes,
      item: {
        name,
        mimeType,
        bytes: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        ...(alt ? { altText: alt } : {}),
      },
    });

  if (isMp4(raw.bytes)) {
    if (raw.bytes.length > LIMITS.videoBytes) {
      return fail("MEDIA_TOO_LARGE", { name: raw.name, mb: mb(raw.bytes.length), maxMb: mb(LIMITS.videoBytes) });
    }
    return finish(raw.bytes, "video/mp4", withExtension(raw.name, "mp4"));
  }

  const sharp = await loadSharp();
  let format: string | undefined;
  try {
    format = (await sharp(raw.bytes).metadata()).format;
  } catch {
    format = undefined;
  }
  if (!format || format === "svg" || format === "pdf") {
    return fail("MEDIA_TYPE_NOT_ALLOWED", { name: raw.name, ...(format ? { type: format } : {}) });
  }
  for (const quality of [85, 75, 60, 45]) {
    const jpeg = await sharp(raw.bytes, { pages: 1 })
      .rotate()
      .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" })
      .jpeg({ quality, mozjpeg: true })
      .toBuffer();
    if (jpeg.length <= LIMITS.imageBytes)
      return finish(new Uint8Array(jpeg), "image/jpeg", withExtension(raw.name, "jpg"));
  }
  return fail("MEDIA_TOO_LARGE", { name: raw.name, mb: mb(raw.bytes.length), maxMb: mb(LIMITS.imageBytes) });
}
