import { createHash } from "node:crypto";
import { fail, ok, type Result } from "../errors.ts";

export type VariableType = "text" | "time" | "phone" | "number";

export interface TemplateVariable {
  type: VariableType;
  /** Longest value, in characters. */
  max: number;
  default?: string;
  /** Shown in `template show` and in errors. */
  hint?: string;
}

/** A pre-written text with typed gaps, e.g. for the water main burst at 2 a.m. */
export interface Template {
  name: string;
  category: string;
  text: string;
  variables: Readonly<Record<string, TemplateVariable>>;
}

const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;

export const placeholders = (text: string): string[] => [
  ...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? "")),
];

const RULES: Record<VariableType, RegExp> = {
  text: /^[^\n{}]+$/,
  time: /^(?=.*\d)[\p{L}\d .:,\-–]+$/u,
  phone: /^\+?[\d ()/\-–]{5,}$/,
  number: /^\d+([.,]\d+)?$/,
};

/** What approvals of a template bind to: its text, category and variable rules. */
export function templateHash(t: Template): string {
  const canonical = JSON.stringify({ c: t.category, t: t.text, v: Object.entries(t.variables).sort() });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/** Fills the gaps; every value is checked against its type, and nothing unknown or missing passes. */
export function renderTemplate(t: Template, given: Readonly<Record<string, string>>): Result<string> {
  for (const name of Object.keys(given)) {
    if (!t.variables[name]) {
      return fail("UNKNOWN_VARIABLE", { template: t.name, variable: name, known: Object.keys(t.variables).join(", ") });
    }
  }
  const values: Record<string, string> = {};
  for (const [name, rule] of Object.entries(t.variables)) {
    const value = (given[name] ?? rule.default ?? "").trim();
    if (!value) return fail("MISSING_VARIABLE", { template: t.name, variable: name, hint: rule.hint ?? rule.type });
    if ([...value].length > rule.max) {
      return fail("BAD_VARIABLE", { template: t.name, variable: name, value, hint: `höchstens ${rule.max} Zeichen` });
    }
    if (!RULES[rule.type].test(value)) {
      return fail("BAD_VARIABLE", { template: t.name, variable: name, value, hint: rule.hint ?? rule.type });
    }
    values[name] = value;
  }
  return ok(t.text.replace(PLACEHOLDER, (_m, name: string) => values[name] ?? ""));
}
