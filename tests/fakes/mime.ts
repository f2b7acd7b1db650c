/**
 * Reads a raw mail back (RFC 5322 headers, RFC 2045/2046 MIME parts, RFC 2047 encoded words), written for the tests
 * so that what the outlet sent is checked by a reader that is not nodemailer itself.
 */

export interface MimePart {
  /** Header names in lower case; values unfolded, encoded words decoded. */
  headers: Map<string, string>;
  /** The raw header values, unfolded but not decoded. */
  rawHeaders: Map<string, string>;
  /** The decoded body bytes of a leaf part. */
  body: Buffer;
  parts: MimePart[];
}

export function parseMail(raw: Buffer | string): MimePart {
  const text = Buffer.isBuffer(raw) ? raw.toString("latin1") : raw;
  const split = text.search(/\r?\n\r?\n/);
  const head = split < 0 ? text : text.slice(0, split);
  const rest = split < 0 ? "" : text.slice(split).replace(/^\r?\n\r?\n/, "");
  const rawHeaders = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) rawHeaders.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const headers = new Map([...rawHeaders].map(([k, v]) => [k, decodeWords(v)]));
  const type = rawHeaders.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const sections = rest.split(`--${boundary}`).slice(1);
    const parts = sections
      .filter((s) => !s.startsWith("--"))
      .map((s) => parseMail(s.replace(/^\r?\n/, "").replace(/\r?\n$/, "")));
    return { headers, rawHeaders, body: Buffer.alloc(0), parts };
  }
  const encoding = (rawHeaders.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  return { headers, rawHeaders, body: decodeBody(rest, encoding), parts: [] };
}

/** The text of a leaf part, in its charset (UTF-8 when it says so). */
export function textOf(part: MimePart): string {
  const charset = /charset="?([^";]+)"?/i.exec(part.headers.get("content-type") ?? "")?.[1] ?? "us-ascii";
  return part.body.toString(/utf-?8/i.test(charset) ? "utf8" : "latin1");
}

/** Leaf parts, depth first. */
export function leaves(part: MimePart): MimePart[] {
  return part.parts.length ? part.parts.flatMap(leaves) : [part];
}

function decodeBody(body: string, encoding: string): Buffer {
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64");
  if (encoding === "quoted-printable") return quotedPrintable(body.replace(/\r\n/g, "\n"));
  return Buffer.from(body, "latin1");
}

function quotedPrintable(text: string): Buffer {
  const soft = text.replace(/=\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === "=" && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(soft.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047: `=?UTF-8?B?…?=` and `=?UTF-8?Q?…?=`; white space between adjacent encoded words is dropped. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, charset: string, kind: string, data: string) => {
      const bytes =
        kind.toUpperCase() === "B"
          ? Buffer.from(data, "base64")
          : quotedPrintable(data.replace(/_/g, " ").replace(/=\n/g, ""));
      return bytes.toString(/utf-?8/i.test(charset) ? "utf8" : "latin1");
    });
}
