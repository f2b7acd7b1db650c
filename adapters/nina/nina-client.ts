import { z } from "zod";
import type { WarningSource } from "../../src/ports/warning-source.ts";
import { SEVERITIES, type DashboardItem, type Severity, type WarningDetails } from "../../src/warnings/warning.ts";

/*
 * Shapes after the published description of the federal warning API: bundesAPI/nina-api, openapi.yaml
 * (`ARSOverviewResult` for /dashboard/{ARS}.json, `Warning` and `KeyValueArray` for /warnings/{identifier}.json).
 * Unknown fields are allowed; a missing field the watcher needs makes the answer unusable.
 */
const DashboardSchema = z.array(
  z.looseObject({
    id: z.string().min(1),
    payload: z.looseObject({
      version: z.number().int(),
      id: z.string().optional(),
      hash: z.string().min(1),
      type: z.string().optional(),
      data: z.looseObject({
        headline: z.string(),
        provider: z.string().min(1),
        severity: z.string().optional(),
        msgType: z.string().default("Alert"),
        transKeys: z.looseObject({ event: z.string().optional() }).optional(),
      }),
    }),
    sent: z.string().optional(),
  }),
);

const KeyValueArray = z.array(z.looseObject({ valueName: z.string().optional(), value: z.string().optional() }));

const WarningSchema = z.looseObject({
  identifier: z.string().min(1),
  sent: z.string().optional(),
  msgType: z.string().optional(),
  info: z
    .array(
      z.looseObject({
        language: z.string().optional(),
        headline: z.string().optional(),
        description: z.string().optional(),
        instruction: z.string().optional(),
        senderName: z.string().optional(),
        effective: z.string().optional(),
        onset: z.string().optional(),
        expires: z.string().optional(),
        eventCode: KeyValueArray.optional(),
        parameter: KeyValueArray.optional(),
        area: z.array(z.looseObject({ areaDesc: z.string().optional() })).optional(),
      }),
    )
    .min(1),
});

export type NinaProblem = "timeout" | "unreachable" | "server_error" | "http_status" | "bad_answer";

/** The warning service failed; `problem` says how, for the log. */
export class NinaError extends Error {
  readonly problem: NinaProblem;
  constructor(problem: NinaProblem, detail: string) {
    super(`warning service: ${problem}: ${detail}`);
    this.problem = problem;
  }
}

export interface NinaClientOptions {
  /** e.g. `https://warnung.bund.de/api31`, without a trailing slash. */
  baseUrl: string;
  /** District level, 12 digits. */
  ars: string;
  userAgent: string;
  timeoutMs: number;
}

const asSeverity = (raw: string | undefined): Severity | undefined =>
  SEVERITIES.find((s) => s.toLowerCase() === raw?.trim().toLowerCase());

const valueOf = (list: z.infer<typeof KeyValueArray> | undefined, name: string): string | undefined =>
  list?.find((kv) => kv.valueName === name)?.value;

/** The NINA JSON API over HTTPS: polite (conditional requests, a named User-Agent), every answer checked. */
export class NinaClient implements WarningSource {
  readonly #o: NinaClientOptions;
  #validators: { etag?: string; lastModified?: string } = {};

  constructor(options: NinaClientOptions) {
    this.#o = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, "") };
  }

  async #get(path: string, extra: Record<string, string> = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.#o.baseUrl}${path}`, {
        headers: { accept: "application/json", "user-agent": this.#o.userAgent, ...extra },
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : "";
      if (name === "TimeoutError" || name === "AbortError")
        throw new NinaError("timeout", `${path} after ${this.#o.timeoutMs} ms`);
      throw new NinaError("unreachable", `${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (response.status === 304) return response;
    if (!response.ok) {
      await response.body?.cancel();
      throw new NinaError(response.status >= 500 ? "server_error" : "http_status", `${path}: HTTP ${response.status}`);
    }
    return response;
  }

  async #json<T>(response: Response, schema: z.ZodType<T>, path: string): Promise<T> {
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new NinaError(
        "bad_answer",
        `${path}: not JSON (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new NinaError("bad_answer", `${path}: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`.trim());
    }
    return parsed.data;
  }

  async dashboard(conditional: boolean): Promise<{ changed: false } | { changed: true; items: DashboardItem[] }> {
    const path = `/dashboard/${this.#o.ars}.json`;
    const { etag, lastModified } = conditional ? this.#validators : {};
    const response = await this.#get(path, {
      ...(etag ? { "if-none-match": etag } : {}),
      ...(lastModified ? { "if-modified-since": lastModified } : {}),
    });
    if (response.status === 304) return { changed: false };
    const entries = await this.#json(response, DashboardSchema, path);
    // Kept only once the answer is known good: a bad answer is asked for in full again.
    this.#validators = {
      ...(response.headers.get("etag") ? { etag: response.headers.get("etag") ?? "" } : {}),
      ...(response.headers.get("last-modified") ? { lastModified: response.headers.get("last-modified") ?? "" } : {}),
    };
    const items = entries.map((e): DashboardItem => ({
      id: e.id,
      version: e.payload.version,
      hash: e.payload.hash,
      provider: e.payload.data.provider.toUpperCase(),
      severity: asSeverity(e.payload.data.severity),
      msgType: e.payload.data.msgType,
      ...(e.payload.data.transKeys?.event ? { eventCode: e.payload.data.transKeys.event } : {}),
      headline: e.payload.data.headline,
      ...(e.sent ? { sent: e.sent } : {}),
    }));
    return { changed: true, items };
  }

  async details(id: string): Promise<WarningDetails> {
    const path = `/warnings/${encodeURIComponent(id)}.json`;
    const warning = await this.#json(await this.#get(path), WarningSchema, path);
    const info = warning.info.find((i) => i.language?.toLowerCase().startsWith("de")) ?? warning.info[0];
    if (!info) throw new NinaError("bad_answer", `${path}: no info block`);
    const instruction = info.instruction ?? valueOf(info.parameter, "instructionText");
    const area = (info.area ?? []).map((a) => a.areaDesc?.trim()).filter((a): a is string => Boolean(a));
    const eventCode = valueOf(info.eventCode, "profile:DE-BBK-EVENTCODE");
    const effective = info.effective ?? info.onset ?? warning.sent;
    return {
      id: warning.identifier,
      headline: info.headline ?? "",
      description: info.description ?? "",
      ...(info.senderName ? { senderName: info.senderName } : {}),
      ...(instruction ? { instruction } : {}),
      ...(effective ? { effective } : {}),
      ...(info.expires ? { expires: info.expires } : {}),
      ...(area.length ? { area: [...new Set(area)].join(", ") } : {}),
      ...(eventCode ? { eventCode } : {}),
    };
  }
}
