import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import type { KeyvStore } from "../../../adapters/store/keyv-store.ts";
import { openStore } from "../../../adapters/store/open-store.ts";
import { childEnv } from "../../fakes/child-env.ts";
import { serviceUrl } from "../../fakes/services.ts";

const HOLDER = new URL("../../fakes/lease-holder-process.ts", import.meta.url).pathname;

const children: ChildProcess[] = [];
const stores: KeyvStore[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  await Promise.allSettled(stores.splice(0).map((s) => s.close()));
});

/** Another process holding `key` as `instanceId`; resolves once the lease is held. */
async function holderProcess(url: string, namespace: string, instanceId: string, key: string, leaseMs: number) {
  const child = spawn(process.execPath, [HOLDER, url, namespace, instanceId, key, String(leaseMs)], {
    stdio: ["ignore", "pipe", "inherit"],
    env: childEnv(),
  });
  children.push(child);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let held = false;
  for await (const line of createInterface({ input: child.stdout })) if ((held = line === "held")) break;
  if (!held) throw new Error(`${instanceId} never held ${key}`);
  return {
    kill9: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

async function open(url: string, namespace: string, instanceId: string): Promise<KeyvStore> {
  const store = await openStore(url, { namespace, instanceId });
  stores.push(store);
  return store;
}

const backends: [string, string | undefined][] = [
  ["sqlite", `sqlite://${join(mkdtempSync(join(tmpdir(), "amtsbote-leases-")), "leases.sqlite")}`],
  ["redis", serviceUrl("TEST_REDIS_URL")],
  ["postgres", serviceUrl("TEST_POSTGRES_URL")],
];

let counter = 0;
const fresh = (name: string) => `leases_${name}_${process.pid}_${(counter++).toString(36)}`;

describe("leases carry their holder's instance and are renewed while held", () => {
  for (const [name, url] of backends) {
    describe.skipIf(!url)(name, () => {
      const at = url as string;

      it("a live holder keeps a short lease past its length; killed, another instance gets it once it runs out", async () => {
        const ns = fresh(name);
        const holder = await holderProcess(at, ns, "first", "delivery:A-0001:whatsapp", 400);
        const survivor = await open(at, ns, "second");
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(await survivor.tryLock("delivery:A-0001:whatsapp", async () => "stolen")).toEqual({ acquired: false });
        await holder.kill9();
        expect(await survivor.withLock("delivery:A-0001:whatsapp", async () => "taken over")).toBe("taken over");
      });

      it("the same instance restarted takes its dead run's leases back at once, however long they were", async () => {
        const ns = fresh(name);
        const holder = await holderProcess(at, ns, "town-hall", "delivery:A-0002:whatsapp", 600_000);
        await holder.kill9();
        const restarted = await open(at, ns, "town-hall");
        expect(await restarted.takeOverFromPreviousRun()).toEqual({ state: "reclaimed", leases: 2 });
        expect(await restarted.tryLock("delivery:A-0002:whatsapp", async () => "mine")).toEqual({
          acquired: true,
          value: "mine",
        });
      });

      it("a live process with the same instance id is a twin: nothing is taken from it", async () => {
        const ns = fresh(name);
        await holderProcess(at, ns, "twin", "delivery:A-0003:whatsapp", 600_000);
        const second = await open(at, ns, "twin");
        const found = await second.takeOverFromPreviousRun();
        expect(found.state).toBe("twin");
        expect(await second.tryLock("delivery:A-0003:whatsapp", async () => "stolen")).toEqual({ acquired: false });
      });

      it("closing gives up the leases still held, so the next process need not wait", async () => {
        const ns = fresh(name);
        const stopping = await open(at, ns, "stopping");
        let entered!: () => void;
        const held = new Promise<void>((resolve) => (entered = resolve));
        void stopping
          .withLock("delivery:A-0004:whatsapp", () => (entered(), new Promise<never>(() => undefined)), 600_000)
          .catch(() => undefined);
        await held;
        await stopping.close();
        // The next process would wait up to 30 s for a lease still held, then fail.
        await holderProcess(at, ns, "next", "delivery:A-0004:whatsapp", 600_000);
      });
    });
  }
});
