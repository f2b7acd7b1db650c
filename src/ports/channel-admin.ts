import type { OutletHealth } from "./outlet.ts";

export type PairingResult =
  { ok: true; kind: "code"; code: string } | { ok: true; kind: "qr"; value: string } | { ok: false; reason: string };

/** Looking after the gateway's link to WhatsApp: its state, and pairing it again. */
export interface ChannelAdmin {
  readonly name: string;
  status(): Promise<OutletHealth>;
  /** An 8-character code to type into WhatsApp on the admin phone (Linked devices → Link with phone number). */
  pairingCode(phoneNumber: string): Promise<PairingResult>;
  /** The QR content to scan from WhatsApp on the admin phone. */
  pairingQr(): Promise<PairingResult>;
}
