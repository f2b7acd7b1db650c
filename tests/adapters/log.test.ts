import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, maskUrlPassword } from "../../adapters/log.ts";

describe("logging", () => {
  it("redacts secrets wherever they appear in a logged object", () => {
    let written = "";
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        written += chunk.toString();
        done();
      },
    });
    const log = createLogger("info", sink);
    log.info({ gateway: { apiKey: "k-123" }, slack: { token: "xoxb-456" } }, "a");
    log.info({ req: { headers: { authorization: "Bearer abc" } } }, "b");
    log.child({ module: "x" }).warn({ env: { WAHA_API_KEY: "waha-789", MATRIX_ACCESS_TOKEN: "syt_0" } }, "c");
    for (const secret of ["k-123", "xoxb-456", "Bearer abc", "waha-789", "syt_0"])
      expect(written).not.toContain(secret);
    expect(written.match(/\[redacted\]/g)).toHaveLength(5);
  });

  it("masks the password of a store URL", () => {
    expect(maskUrlPassword("postgres://amtsbote:geheim@db.achim.local:5432/amtsbote")).toBe(
      "postgres://amtsbote:***@db.achim.local:5432/amtsbote",
    );
    expect(maskUrlPassword("redis://:pw@127.0.0.1:6379")).toBe("redis://:***@127.0.0.1:6379");
    expect(maskUrlPassword("sqlite://./data/amtsbote.sqlite")).toBe("sqlite://./data/amtsbote.sqlite");
  });
});
