import type { IStorageProvider, MatrixClient } from "matrix-bot-sdk";
import type { Logger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import { isStoreUnavailable } from "../../src/ports/store-unavailable.ts";
import type { LoadedSdk } from "./load-sdk.ts";

/**
 * The sync token and the SDK's few values, kept in amtsbote's store beside the announcements. A token that
 * cannot be kept while the store is unreachable is kept with the next batch after it is back: failing the
 * batch for it would make the SDK skip the rest of the batch's events; a token left older only replays
 * events after a restart, and replayed events are handled once.
 */
export function storeSyncStorage(store: Store): IStorageProvider {
  const key = (k: string) => `matrix-sdk:${k}`;
  return {
    setSyncToken: (token) =>
      store.putSetting(key("sync-token"), token).catch((error: unknown) => {
        if (!isStoreUnavailable(error)) throw error;
      }),
    getSyncToken: async () => ((await store.getSetting(key("sync-token"))) as string | null | undefined) ?? null,
    setFilter: (filter) => store.putSetting(key("filter"), filter),
    getFilter: async () => (await store.getSetting(key("filter"))) as never,
    storeValue: (k, value) => store.putSetting(key(`value:${k}`), value),
    readValue: async (k) => (await store.getSetting(key(`value:${k}`))) as string | undefined,
  };
}

export type Dispatch = (type: string, roomId: string, event: Record<string, unknown>) => Promise<void>;

export interface AwaitingClientOptions {
  loaded: LoadedSdk;
  homeserverUrl: string;
  accessToken: string;
  storage: IStorageProvider;
  cryptoDir?: string;
  /** Awaited for every room event of a sync batch, in order, before the next batch is fetched. */
  dispatch: Dispatch;
  /** The homeserver refused the token: nothing will work until someone gives a new one. */
  onFatal: (error: Error) => void;
  /** A sync batch was processed; `gappy` when a room's timeline skipped events (`limited`). */
  onSynced: (gappy: boolean) => void;
}

const isAuthFailure = (error: unknown): boolean => {
  const e = error as { statusCode?: number; errcode?: string } | undefined;
  return e?.statusCode === 401 || e?.errcode === "M_UNKNOWN_TOKEN" || e?.errcode === "M_MISSING_TOKEN";
};

/**
 * A matrix-bot-sdk client whose event handlers are awaited (matrix.md §4.3): a batch is processed
 * in order, and the sync token is stored only after it, so a crash replays rather than loses events.
 */
export function createAwaitingClient(o: AwaitingClientOptions): MatrixClient {
  const { sdk, cryptoAvailable } = o.loaded;
  const crypto =
    cryptoAvailable && o.cryptoDir
      ? // 0 is RustSdkCryptoStoreType.Sqlite, a const enum the SDK does not export at runtime.
        new sdk.RustSdkCryptoStorageProvider(o.cryptoDir, 0)
      : undefined;
  class AwaitingMatrixClient extends sdk.MatrixClient {
    #stopping = false;

    constructor() {
      super(o.homeserverUrl, o.accessToken, o.storage, crypto);
      this.persistTokenAfterSync = true;
    }

    protected override startSyncInternal(): Promise<void> {
      return this.startSync(async (type: string, ...args: unknown[]) => {
        this.emit(type, ...args);
        if (this.#stopping) throw new Error("stopping: this batch is processed after the restart");
        if (typeof args[0] === "string" && typeof args[1] === "object" && args[1] !== null) {
          await o.dispatch(type, args[0], args[1] as Record<string, unknown>);
        }
      });
    }

    protected override async processSync(raw: unknown, emitFn?: (t: string, ...p: unknown[]) => Promise<unknown>) {
      await super.processSync(raw, emitFn);
      const joined = (raw as { rooms?: { join?: Record<string, { timeline?: { limited?: boolean } }> } }).rooms?.join;
      o.onSynced(Object.values(joined ?? {}).some((room) => room.timeline?.limited === true));
    }

    protected override async doSync(token: string): Promise<unknown> {
      try {
        return await super.doSync(token);
      } catch (error) {
        if (isAuthFailure(error) && !this.#stopping)
          o.onFatal(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
    }

    override stop(): void {
      this.#stopping = true;
      super.stop();
    }
  }
  return new AwaitingMatrixClient();
}

/** The SDK's own log lines, through our logger; its debug output carries whole events, so it stays off. */
export function sdkLogger(log: Logger) {
  const line =
    (level: "debug" | "info" | "warn" | "error") =>
    (module: string, ...parts: unknown[]) => {
      const text = parts
        .map((p) => (p instanceof Error ? p.message : typeof p === "string" ? p : JSON.stringify(p)))
        .join(" ");
      // The SDK logs every 404 as an error, also those a normal start expects (no m.direct yet, a state
      // event never set): they are nothing for IT to look at.
      const expected = (level === "error" || level === "warn") && text.includes("M_NOT_FOUND");
      log[expected ? "debug" : level]({ source: "matrix-bot-sdk", module, text });
    };
  return {
    info: line("info"),
    warn: line("warn"),
    error: line("error"),
    debug: line("debug"),
    trace: () => undefined,
  };
}
