import type { EngineAbility, EngineFeature, EngineReport } from "../../src/ports/channel-admin.ts";
import type { Exchange } from "../outlets/http.ts";

/** `auto`: what is known of the engine and what it answers; `on`/`off`: the installation decides. */
export type AbilitySetting = "auto" | "on" | "off";

export type AbilitySettings = Record<EngineFeature, AbilitySetting>;

export const AUTO_SETTINGS: AbilitySettings = { readBack: "auto", edit: "auto", poll: "auto" };

/**
 * What each WAHA engine is expected to do for a channel (whatsapp-channels.md §2; waha-docs
 * `how-to/channels/features.md` leaves channel read-back unticked for GOWS). Absent: unconfirmed, the first
 * real answer tells.
 */
const ENGINE_DEFAULTS: Record<string, Partial<Record<EngineFeature, boolean>>> = {
  GOWS: { readBack: false, poll: true },
  NOWEB: { readBack: true, poll: true, edit: true },
  WEBJS: { readBack: true, edit: true },
  WPP: { readBack: true },
};

const FEATURES: readonly EngineFeature[] = ["readBack", "edit", "poll"];

/**
 * What the connected engine can do: the configuration first, then what the engine itself answered since the
 * start (remembered until restart or until another engine answers), then what is known of the engine.
 */
export class EngineAbilities {
  readonly #settings: AbilitySettings;
  #engine: string | undefined;
  readonly #learnt = new Map<EngineFeature, EngineAbility>();

  constructor(settings: AbilitySettings) {
    this.#settings = settings;
  }

  get engine(): string | undefined {
    return this.#engine;
  }

  /** The engine the gateway reports; another engine than before forgets what the last one taught. */
  seen(engine: string | undefined): void {
    if (!engine || engine === this.#engine) return;
    if (this.#engine !== undefined) this.#learnt.clear();
    this.#engine = engine;
  }

  of(feature: EngineFeature): EngineAbility {
    const setting = this.#settings[feature];
    if (setting === "off") return { can: "no", why: "config" };
    const learnt = this.#learnt.get(feature);
    if (learnt) return learnt;
    if (setting === "on") return { can: "yes", why: "config" };
    if (!this.#engine) return { can: "unknown", why: "engine_unknown" };
    const known = ENGINE_DEFAULTS[this.#engine.toUpperCase()]?.[feature];
    return known === undefined
      ? { can: "unknown", why: "engine_unconfirmed" }
      : { can: known ? "yes" : "no", why: "engine_default" };
  }

  /** A real answer: the engine did it, or refused it as not supported. */
  learn(feature: EngineFeature, worked: boolean): void {
    this.#learnt.set(feature, worked ? { can: "yes", why: "worked" } : { can: "no", why: "refused" });
  }

  /** Whether trying is worth it: not when the configuration or the engine said no. */
  mayTry(feature: EngineFeature): boolean {
    return this.of(feature).can !== "no";
  }

  report(): EngineReport {
    const abilities = Object.fromEntries(FEATURES.map((f) => [f, this.of(f)])) as Record<EngineFeature, EngineAbility>;
    return { ...(this.#engine ? { name: this.#engine } : {}), abilities };
  }
}

/**
 * WAHA's answer for a method the engine does not implement (`NotImplementedByEngineError`, devlikeapro/waha
 * `src/core/exceptions.ts`, passed on as is by `src/nestjs/AllExceptionsFilter.ts`): 501 `{"statusCode":501,
 * "message":"The method is not implemented by 'WEBJS' engine. …","error":"Not Implemented"}`; releases before
 * 2025 answer 422 `{"statusCode":422,"message":"The method is not implemented by the engine.",…}`.
 */
export function notImplemented(ex: Exchange): boolean {
  if (ex.kind !== "response") return false;
  if (ex.status === 501) return true;
  if (ex.status !== 422 || typeof ex.body !== "object" || ex.body === null) return false;
  const message = (ex.body as { message?: unknown }).message;
  return typeof message === "string" && /not implemented/i.test(message);
}
