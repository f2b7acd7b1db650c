import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../adapters/config/config-error.ts";
import { escapeHtml, textToHtml } from "../../../adapters/matrix/html.ts";
import { loadMatrixBotSdk } from "../../../adapters/matrix/load-sdk.ts";
import { stripReplyFallback } from "../../../adapters/matrix/matrix-app.ts";

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
