// The licence rule for the production dependency tree, used by `npm run licences` (scripts/check-licences.ts)
// and its tests. amtsbote is EUPL-1.2; what it ships must let a town reuse and redistribute the whole under it.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";

/**
 * Accepted everywhere without a decision. Permissive licences (they ask for attribution and the disclaimer,
 * nothing that conflicts with the EUPL) and the EUPL itself.
 *
 * Not here, on purpose:
 * - weak copyleft (LGPL, MPL): the EUPL's appendix lists them as compatible, but each brings its own duty
 *   (keep the LGPL library replaceable, publish changes to MPL files), so each use is a decision, recorded
 *   with its reason in config/licence-exceptions.yaml;
 * - strong copyleft (GPL, AGPL): also in the appendix, but by the EUPL's compatibility clause a combined work
 *   would then be distributed under that licence, not under the EUPL;
 * - anything else (no licence, "SEE LICENSE IN …", proprietary, data licences like CC-BY): a decision too.
 */
export const ALLOWED: ReadonlySet<string> = new Set([
  "0BSD",
  "MIT",
  "MIT-0",
  "ISC",
  "BSD-2-Clause",
  "BSD-3-Clause",
  "Apache-2.0",
  "BlueOak-1.0.0",
  "CC0-1.0",
  "Unlicense",
  "Zlib",
  "Python-2.0",
  "EUPL-1.1",
  "EUPL-1.2",
]);

const lower = (ids: Iterable<string>) => new Set([...ids].map((id) => id.toLowerCase()));
const ALLOWED_LOWER = lower(ALLOWED);

/** Whether an identifier is on the allow-list or among `extra`; SPDX identifiers match case-insensitively. */
export function permitted(id: string, extra: Iterable<string> = []): boolean {
  const key = id.toLowerCase();
  return ALLOWED_LOWER.has(key) || lower(extra).has(key);
}

/** A parsed SPDX licence expression. */
export type Expression =
  | { kind: "id"; id: string }
  | { kind: "with"; licence: Expression; exception: string }
  | { kind: "and" | "or"; left: Expression; right: Expression };

/** `LGPL-2.1+` is the old spelling of `LGPL-2.1-or-later`; the GNU licences' bare ids mean `-only`. */
export function normaliseId(id: string): string {
  const gnu = /^(A?GPL|LGPL)-(\d\.\d)(\+|-only|-or-later)?$/.exec(id);
  if (gnu) return `${gnu[1]}-${gnu[2]}${gnu[3] === "+" || gnu[3] === "-or-later" ? "-or-later" : "-only"}`;
  return id;
}

/** Parses an SPDX expression (`MIT`, `(MIT OR Apache-2.0)`, `Apache-2.0 AND LGPL-3.0-or-later`, `… WITH …`). */
export function parseExpression(text: string): Expression {
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const isOperator = (token: string | undefined, op: string) => token !== undefined && token.toUpperCase() === op;
  const fail = (why: string): never => {
    throw new Error(`not an SPDX expression: "${text}" (${why})`);
  };
  const primary = (): Expression => {
    const token = tokens[at++];
    if (token === undefined) return fail("ends too early");
    if (token === "(") {
      const inner = or();
      if (tokens[at++] !== ")") fail("missing )");
      return inner;
    }
    if (token === ")" || ["AND", "OR", "WITH"].includes(token.toUpperCase())) return fail(`unexpected ${token}`);
    return { kind: "id", id: normaliseId(token) };
  };
  const withExpr = (): Expression => {
    const licence = primary();
    if (!isOperator(peek(), "WITH")) return licence;
    at++;
    const exception = tokens[at++];
    if (exception === undefined || exception === "(" || exception === ")") return fail("WITH needs an exception");
    return { kind: "with", licence, exception };
  };
  const and = (): Expression => {
    let left = withExpr();
    while (isOperator(peek(), "AND")) {
      at++;
      left = { kind: "and", left, right: withExpr() };
    }
    return left;
  };
  const or = (): Expression => {
    let left = and();
    while (isOperator(peek(), "OR")) {
      at++;
      left = { kind: "or", left, right: and() };
    }
    return left;
  };
  if (tokens.length === 0) return fail("empty");
  const expression = or();
  if (at < tokens.length) fail(`unexpected ${tokens[at]}`);
  return expression;
}

/**
 * Whether the expression can be satisfied with the accepted identifiers: one side of an OR is enough, both
 * sides of an AND are needed; a licence exception (`WITH`) only adds permissions, so the licence decides.
 */
export function satisfies(expression: Expression, accepted: (id: string) => boolean): boolean {
  switch (expression.kind) {
    case "id":
      return accepted(expression.id);
    case "with":
      return satisfies(expression.licence, accepted);
    case "and":
      return satisfies(expression.left, accepted) && satisfies(expression.right, accepted);
    case "or":
      return satisfies(expression.left, accepted) || satisfies(expression.right, accepted);
  }
}

const ExceptionSchema = z.strictObject({
  /** Package names; a name ending in `*` is a prefix (`@img/sharp-libvips-*`). */
  packages: z.array(z.string().min(1)).min(1),
  /** SPDX identifiers accepted for these packages beyond ALLOWED. */
  licences: z.array(z.string().min(1)).min(1),
  reason: z.string().min(20),
});
export type LicenceException = z.infer<typeof ExceptionSchema>;
const ExceptionsFileSchema = z.strictObject({ exceptions: z.array(ExceptionSchema) });

export function loadExceptions(file: string): LicenceException[] {
  return ExceptionsFileSchema.parse(parse(readFileSync(file, "utf8"))).exceptions;
}

const matches = (pattern: string, name: string) =>
  pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name;

/** One installed-or-installable package of the production tree, as package-lock.json records it. */
export interface Dependency {
  path: string;
  name: string;
  version: string;
  licence: string | undefined;
  optional: boolean;
}

const LockEntry = z.looseObject({
  name: z.string().optional(),
  version: z.string().optional(),
  license: z.string().optional(),
  dev: z.boolean().optional(),
  optional: z.boolean().optional(),
  link: z.boolean().optional(),
});
const LockFile = z.looseObject({ lockfileVersion: z.number().min(2), packages: z.record(z.string(), LockEntry) });

/** A licence as an installed package.json declares it, including the old `{type}` and `licenses: […]` forms. */
function declaredLicence(manifest: unknown): string | undefined {
  const m = z
    .looseObject({
      license: z.union([z.string(), z.looseObject({ type: z.string() })]).optional(),
      licenses: z.array(z.looseObject({ type: z.string() })).optional(),
    })
    .safeParse(manifest);
  if (!m.success) return undefined;
  const { license, licenses } = m.data;
  if (typeof license === "string") return license;
  if (license) return license.type;
  if (licenses?.length)
    return licenses.length === 1 ? licenses[0]?.type : `(${licenses.map((l) => l.type).join(" OR ")})`;
  return undefined;
}

/**
 * The production tree from package-lock.json: every package not marked `dev`, on every platform (the optional
 * platform packages of sharp count although only this machine's is installed). Where the lock file carries no
 * licence, the installed package.json is read.
 */
export function productionDependencies(root: string): Dependency[] {
  const lock = LockFile.parse(JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")));
  const out: Dependency[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === "" || entry.dev || entry.link || !path.includes("node_modules/")) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    let licence = entry.license;
    const manifest = join(root, path, "package.json");
    if (licence === undefined && existsSync(manifest)) {
      licence = declaredLicence(JSON.parse(readFileSync(manifest, "utf8")));
    }
    out.push({ path, name, version: entry.version ?? "?", licence, optional: entry.optional ?? false });
  }
  return out;
}

export interface Verdict {
  dependency: Dependency;
  ok: boolean;
  /** The exception that made it acceptable, if the allow-list alone did not. */
  exception?: LicenceException;
  problem?: string;
}

export function judge(dependency: Dependency, exceptions: readonly LicenceException[]): Verdict {
  const declared = dependency.licence?.trim() || "NOASSERTION";
  let expression: Expression;
  try {
    expression = parseExpression(declared);
  } catch (error) {
    expression = { kind: "id", id: declared };
    if (!exceptions.some((e) => e.packages.some((p) => matches(p, dependency.name)) && e.licences.includes(declared))) {
      return { dependency, ok: false, problem: error instanceof Error ? error.message : String(error) };
    }
  }
  if (satisfies(expression, (id) => permitted(id))) return { dependency, ok: true };
  for (const exception of exceptions) {
    if (!exception.packages.some((p) => matches(p, dependency.name))) continue;
    const extra = exception.licences.map(normaliseId);
    if (satisfies(expression, (id) => permitted(id, extra))) return { dependency, ok: true, exception };
  }
  return { dependency, ok: false, problem: `${declared} is not on the allow-list and no exception covers it` };
}

/** Exceptions that no dependency needed: the dependency left or changed its licence, so the entry should go. */
export function unusedExceptions(verdicts: readonly Verdict[], exceptions: readonly LicenceException[]) {
  return exceptions.filter((e) => !verdicts.some((v) => v.exception === e));
}
