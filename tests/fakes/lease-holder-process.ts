// Holds a lease in a process of its own until killed: opens the store as the given instance, takes over from
// its previous run, takes the lease on `key` and prints "held".
import { openStore } from "../../adapters/store/open-store.ts";

const [url = "", namespace = "", instanceId = "", key = "", leaseMs = "1000"] = process.argv.slice(2);
const store = await openStore(url, { namespace, instanceId });
await store.takeOverFromPreviousRun();
await store.withLock(
  key,
  () =>
    new Promise<never>(() => {
      process.stdout.write("held\n");
      setInterval(() => undefined, 60_000);
    }),
  Number(leaseMs),
);
