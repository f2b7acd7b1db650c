import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../adapters/config/config-error.ts";
import { escapeHtml, textToHtml } from "../../../adapters/matrix/html.ts";
import { loadMatrixBotSdk } from "../../../adapters/matrix/load-sdk.ts";
import { stripReplyFallback } from "../../../adapters/matrix/matrix-app.ts";
import { downloadMatrixMedia } from "../../../adapters/matrix/media.ts";

describe("loading matrix-bot-sdk without the native crypto library", () => {
  it("loads for unencrypted rooms with MATRIX_E2EE=off and auto, and refuses to start with required", () => {
    const off = loadMatrixBotSdk("off");
    expect(off.cryptoAvailable).toBe(false);
    expect(off.e2ee).toBe("disabled-by-config");
    expect(typeof off.sdk.MatrixClient).toBe("function");
    const auto = loadMatrixBotSdk("auto");
    expect(auto.cryptoAvailable).toBe(false);
    expect(auto.e2ee).toMatch(/^unavailable\(/);
    expect(() => loadMatrixBotSdk("required")).toThrow(ConfigError);
    expect(() => loadMatrixBotSdk("required")).toThrow(/MATRIX_E2EE=required/);
  });
});

describe("Matrix text", () => {
  it("escapes what people typed before marking up the bot's text", () => {
    expect(escapeHtml(`<script>&"'`)).toBe("&lt;script&gt;&amp;&quot;&#39;");
    expect(textToHtml("*Sperrung* <b>x</b> `approve A-0001`\nzweite _Zeile_")).toBe(
      "<b>Sperrung</b> &lt;b&gt;x&lt;/b&gt; <code>approve A-0001</code><br>zweite <i>Zeile</i>",
    );
    expect(textToHtml("Kopieren:\n```\n*Text* <a>\n```\nDanach")).toBe(
      "Kopieren:<br><pre><code>*Text* &lt;a&gt;</code></pre><br>Danach",
    );
  });

  it("drops a reply fallback but keeps the first line of a reply without one", () => {
    expect(stripReplyFallback("> <@a:x> Original\n> more\n\n!announce Text")).toBe("!announce Text");
    expect(stripReplyFallback("!announce Straßensperrung\nZweite Zeile")).toBe(
      "!announce Straßensperrung\nZweite Zeile",
    );
  });
});

describe("Matrix media download", () => {
  it("asks the authenticated media endpoint with the token; a foreign URL or a too large info.size is never fetched", async () => {
    const asked: { url: string; auth: string | null }[] = [];
    const fetchStub: typeof fetch = async (url, init) => {
      asked.push({ url: String(url), auth: new Headers(init?.headers).get("authorization") });
      return new Response("PNG", { status: 200, headers: { "content-type": "image/png" } });
    };
    const o = { homeserverUrl: "https://matrix.example.de/", accessToken: "syt_x", fetch: fetchStub };
    const got = await downloadMatrixMedia("mxc://rathaus.example.de/AbC_12-x", "plan.png", o);
    expect(got.ok && Buffer.from(got.value.bytes).toString()).toBe("PNG");
    expect(asked).toEqual([
      {
        url: "https://matrix.example.de/_matrix/client/v1/media/download/rathaus.example.de/AbC_12-x",
        auth: "Bearer syt_x",
      },
    ]);
    for (const mxc of ["https://evil.example/x", "mxc://rathaus.example.de/../../x", "mxc://rathaus.example.de/"]) {
      expect(await downloadMatrixMedia(mxc, "x.png", o)).toMatchObject({
        ok: false,
        error: { code: "MEDIA_DOWNLOAD_FAILED" },
      });
    }
    expect(
      await downloadMatrixMedia("mxc://rathaus.example.de/AbC", "film.mp4", { ...o, declaredSize: 3 * 1024 ** 3 }),
    ).toEqual({
      ok: false,
      error: { code: "MEDIA_TOO_LARGE", params: { name: "film.mp4", mb: "3072.00", maxMb: "16.00" } },
    });
    expect(asked).toHaveLength(1);
  });
});
