import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { prepareMedia } from "../../../adapters/media/prepare.ts";

const picture = (format: "png" | "webp" | "gif" | "jpeg", width = 64, height = 48) =>
  sharp({ create: { width, height, channels: 3, background: "#336699" } })
    .toFormat(format)
    .toBuffer()
    .then((b) => new Uint8Array(b));

const mp4 = (size: number) => {
  const bytes = new Uint8Array(size);
  bytes.set([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]);
  return bytes;
};

describe("preparing pictures and videos", () => {
  it.each(["png", "webp", "gif", "jpeg"] as const)("turns a %s picture into a JPEG with its hash", async (format) => {
    const result = await prepareMedia({ name: `plan.${format}`, bytes: await picture(format) });
    if (!result.ok) throw new Error(result.error.code);
    const { item, bytes } = result.value;
    expect(item).toMatchObject({ name: "plan.jpg", mimeType: "image/jpeg", bytes: bytes.length });
    expect(item.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await sharp(bytes).metadata()).format).toBe("jpeg");
  });

  it("shrinks a large picture to at most 2048 px on its longest side and keeps the description", async () => {
    const result = await prepareMedia({
      name: "luftbild.png",
      bytes: await picture("png", 5000, 2500),
      altText: " Luftbild ",
    });
    if (!result.ok) throw new Error(result.error.code);
    const meta = await sharp(result.value.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([2048, 1024]);
    expect(result.value.item.altText).toBe("Luftbild");
  });

  it("judges by content, not by name: text called .jpg is refused", async () => {
    const result = await prepareMedia({ name: "foto.jpg", bytes: new TextEncoder().encode("not a picture at all") });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "MEDIA_TYPE_NOT_ALLOWED", params: { name: "foto.jpg" } },
    });
  });

  it("accepts MP4 within 16 MB and refuses larger ones", async () => {
    const ok = await prepareMedia({ name: "lage.mov", bytes: mp4(1024) });
    expect(ok.ok && ok.value.item).toMatchObject({ name: "lage.mp4", mimeType: "video/mp4" });
    const big = await prepareMedia({ name: "lage.mp4", bytes: mp4(17 * 1024 * 1024) });
    expect(big).toMatchObject({ ok: false, error: { code: "MEDIA_TOO_LARGE", params: { maxMb: "16.00" } } });
  });
});
