import { MemoryStore } from "../../../src/memory/memory-store.ts";
import { storeContract } from "../../contracts/store.contract.ts";

const stores = new Map<string, MemoryStore>();

storeContract("memory", {
  open: async (shared) => {
    let store = stores.get(shared);
    if (!store) stores.set(shared, (store = new MemoryStore()));
    return store;
  },
  crossInstance: false,
});
