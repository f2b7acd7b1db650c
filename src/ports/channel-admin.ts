import type { OutletHealth } from "./outlet.ts";

export type PairingResult =
  { ok: true; kind: "code"; code: string } | { ok: true; kind: "qr"; value: string } | { ok: false; reason: string };

/** Something a gateway's engine may or may not do for a channel. */
export type EngineFeature = "readBack" | "edit" | "poll";

/**
 * Whether the engine does it and what says so: the configuration, what is known of the engine, or what the
 * engine itself answered since the start (it worked, or it refused as not supported).
 */
export interface EngineAbility {
  can: "yes" | "no" | "unknown";
  why: "config" | "engine_default" | "engine_unconfirmed" | "engine_unknown" | "worked" | "refused";
}

/** The engine behind the gateway (WAHA: GOWS, NOWEB, WEBJS, WPP) and what it can do for the channel. */
export interface EngineReport {
  /** As the gateway names it; absent until the gateway has said. */
  name?: string;
  abilities: Record<EngineFeature, EngineAbility>;
}

export type ChannelStatus = OutletHealth & { engine?: EngineReport };

/** Looking after the gateway's link to WhatsApp: its state, and pairing it again. */
export interface ChannelAdmin {
  readonly name: string;
  /** The link's health and, where the gateway has engines, what the connected one can do (checked anew). */
  status(): Promise<ChannelStatus>;
  /** An 8-character code to type into WhatsApp on the admin phone (Linked devices → Link with phone number). */
  pairingCode(phoneNumber: string): Promise<PairingResult>;
  /** The QR content to scan from WhatsApp on the admin phone. */
  pairingQr(): Promise<PairingResult>;
}
