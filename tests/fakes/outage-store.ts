import { MemoryStore } from "../../src/memory/memory-store.ts";
import { StoreUnavailableError } from "../../src/ports/store-unavailable.ts";

/** Not calls to the store, or (close) the way out of one. */
const ALWAYS_WORKS = new Set(["constructor", "close", "purgeExpiredChatState"]);

/** The in-memory store with an off switch: while `down`, every call throws as a real store's does in an outage. */
export class OutageStore extends MemoryStore {
  down = false;

  constructor() {
    super();
    const self = this as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of Object.getOwnPropertyNames(MemoryStore.prototype)) {
      const method = self[name];
      if (ALWAYS_WORKS.has(name) || typeof method !== "function") continue;
      self[name] = (...args: unknown[]) =>
        this.down
          ? Promise.reject(new StoreUnavailableError(new Error("connection refused"), "test"))
          : method.apply(this, args);
    }
  }
}
