import { fail, ok, type Result } from "../src/errors.ts";

const QUOTES: Record<string, string> = { '"': '"', "„": "“", "“": "”", "«": "»", "'": "'" };

/** Splits on white space; quoted parts (`"…"`, `„…“`, `“…”`, `«…»`, `'…'`) stay one word. */
export function words(raw: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < raw.length) {
    while (i < raw.length && /\s/.test(raw[i] ?? "")) i += 1;
    if (i >= raw.length) break;
    const close = QUOTES[raw[i] ?? ""];
    if (close !== undefined) {
      const end = raw.indexOf(close, i + 1);
      if (end !== -1) {
        out.push(raw.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    let j = i;
    while (j < raw.length && !/\s/.test(raw[j] ?? "")) j += 1;
    out.push(raw.slice(i, j));
    i = j;
  }
  return out;
}

export interface FlagSpec {
  takesValue: boolean;
}

export interface Flags {
  /** The text with every flag and its value taken out, line breaks kept. */
  rest: string;
  values: Map<string, string | true>;
}

const FLAG = /(^|\s)--([A-Za-z][\w-]*)(?==|\s|$)/g;

/**
 * Takes `--name value` and `--name=value` flags out of free text.
 * An unknown or repeated flag, or one missing its value, is an error naming it;
 * with `keepUnknown`, flags not in `spec` stay in the text for a later reader.
 */
export function takeFlags(
  raw: string,
  spec: Readonly<Record<string, FlagSpec>>,
  { keepUnknown = false }: { keepUnknown?: boolean } = {},
): Result<Flags> {
  const values = new Map<string, string | true>();
  const keep: string[] = [];
  let cursor = 0;
  FLAG.lastIndex = 0;
  for (let m = FLAG.exec(raw); m; m = FLAG.exec(raw)) {
    const name = (m[2] ?? "").toLowerCase();
    const start = m.index + (m[1]?.length ?? 0);
    if (start < cursor) continue;
    const known = spec[name];
    if (!known && keepUnknown) continue;
    if (!known)
      return fail("UNKNOWN_FLAG", {
        flag: `--${name}`,
        known: Object.keys(spec)
          .map((f) => `--${f}`)
          .join(", "),
      });
    if (values.has(name)) return fail("FLAG_REPEATED", { flag: `--${name}` });
    keep.push(raw.slice(cursor, start));
    let end = start + 2 + name.length;
    if (known.takesValue) {
      const taken = readValue(raw, end);
      if (!taken) return fail("FLAG_NEEDS_VALUE", { flag: `--${name}` });
      values.set(name, taken.value);
      end = taken.end;
    } else {
      if (raw[end] === "=") return fail("UNEXPECTED_ARGUMENTS", { flag: `--${name}` });
      values.set(name, true);
    }
    cursor = end;
    FLAG.lastIndex = end;
  }
  keep.push(raw.slice(cursor));
  const rest = keep
    .join(" ")
    .split("\n")
    .map((line) => line.replace(/[ \t]{2,}/g, " ").trim())
    .join("\n")
    .trim();
  return ok({ rest, values });
}

function readValue(raw: string, from: number): { value: string; end: number } | undefined {
  let i = from;
  if (raw[i] === "=") i += 1;
  else while (i < raw.length && (raw[i] === " " || raw[i] === "\t")) i += 1;
  if (i >= raw.length || raw[i] === "\n") return undefined;
  const close = QUOTES[raw[i] ?? ""];
  if (close !== undefined) {
    const end = raw.indexOf(close, i + 1);
    if (end !== -1) {
      const value = raw.slice(i + 1, end).trim();
      return value ? { value, end: end + 1 } : undefined;
    }
  }
  let j = i;
  while (j < raw.length && !/\s/.test(raw[j] ?? "")) j += 1;
  const value = raw.slice(i, j);
  if (!value || value.startsWith("--")) return undefined;
  return { value, end: j };
}
