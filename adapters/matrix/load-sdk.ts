import Module, { createRequire } from "node:module";
import { dirname } from "node:path";
import type * as BotSdk from "matrix-bot-sdk";
import { ConfigError } from "../config/config-error.ts";

const require = createRequire(import.meta.url);

export type E2eeSetting = "off" | "auto" | "required";

export interface LoadedSdk {
  sdk: typeof BotSdk;
  cryptoAvailable: boolean;
  /** For logs and health: `enabled`, `disabled-by-config` or `unavailable(<reason>)`. */
  e2ee: string;
}

const loaded = new Map<E2eeSetting, LoadedSdk>();

/**
 * The one place that loads matrix-bot-sdk (matrix.md §1.2). The SDK requires its native crypto
 * library at load time, and that binary is missing wherever its download could not run. Unless
 * the library loads (and is wanted), a stand-in module takes its place first, so the SDK loads and
 * works for unencrypted rooms; anything that would need crypto says so when touched.
 */
export function loadMatrixBotSdk(setting: E2eeSetting): LoadedSdk {
  const known = loaded.get(setting);
  if (known) return known;
  const sdkEntry = require.resolve("matrix-bot-sdk");
  const cryptoPath = require.resolve("@matrix-org/matrix-sdk-crypto-nodejs", { paths: [dirname(sdkEntry)] });
  let cryptoError: Error | undefined;
  if (setting !== "off") {
    try {
      const crypto = require(cryptoPath) as { __amtsboteCryptoStandIn?: true };
      // Once the SDK is loaded with the stand-in, the real library can no longer take its place.
      if (crypto.__amtsboteCryptoStandIn) throw new Error("the SDK was already loaded without it");
    } catch (error) {
      cryptoError = error instanceof Error ? error : new Error(String(error));
    }
  }
  const cryptoAvailable = setting !== "off" && !cryptoError;
  if (setting === "required" && !cryptoAvailable) {
    throw new ConfigError(
      `MATRIX_E2EE=required, but the native crypto library did not load: ${firstLine(cryptoError?.message)}`,
    );
  }
  if (!cryptoAvailable) installCryptoStandIn(cryptoPath, cryptoError);
  const e2ee = cryptoAvailable
    ? "enabled"
    : setting === "off"
      ? "disabled-by-config"
      : `unavailable(${firstLine(cryptoError?.message)})`;
  const result = { sdk: require("matrix-bot-sdk") as typeof BotSdk, cryptoAvailable, e2ee };
  loaded.set(setting, result);
  return result;
}

const firstLine = (text: string | undefined): string => (text ?? "unknown").split("\n")[0] ?? "unknown";

/** A plain object (not a Proxy, which would look thenable): classes that throw when used, enums as objects. */
function installCryptoStandIn(path: string, cause: Error | undefined): void {
  const reason = cause ? firstLine(cause.message) : "MATRIX_E2EE=off";
  const unavailable = (): never => {
    throw new Error(`end-to-end encryption is unavailable (${reason})`);
  };
  class Unavailable {
    constructor() {
      unavailable();
    }
    static initialize(): never {
      return unavailable();
    }
  }
  const exports: Record<string, unknown> = {
    __amtsboteCryptoStandIn: true,
    StoreType: { Sqlite: 0 },
    RequestType: {},
    HistoryVisibility: {},
    EncryptionAlgorithm: {},
  };
  for (const name of [
    "OlmMachine",
    "UserId",
    "DeviceId",
    "RoomId",
    "DeviceLists",
    "Attachment",
    "EncryptedAttachment",
    "EncryptionSettings",
    "KeysUploadRequest",
    "KeysQueryRequest",
    "KeysClaimRequest",
    "ToDeviceRequest",
  ]) {
    exports[name] = Unavailable;
  }
  const standIn = new Module(path);
  standIn.filename = path;
  standIn.loaded = true;
  standIn.exports = exports;
  require.cache[path] = standIn;
}
