import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { createAnnouncementService } from "../../../src/announcement/service.ts";
import { silentLogger } from "../../../src/ports/logger.ts";
import { systemClock } from "../../../src/ports/clock.ts";
import { openStore } from "../../../adapters/store/open-store.ts";
import { CROWD_POLICY, FakeOutlet, RecordingNotices } from "../../fakes/fixtures.ts";
import { childEnv } from "../../fakes/child-env.ts";
import { serviceUrl } from "../../fakes/services.ts";

const CHILD = new URL("../../fakes/approver-process.ts", import.meta.url).pathname;

interface ChildReport {
  results: string[];
  published: number;
}

function startChild(args: string[]) {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ["pipe", "pipe", "inherit"], env: childEnv() });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const lines = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const next = async () => {
    const r = await iterator.next();
    if (r.done) throw new Error("child ended early");
    return r.value;
  };
  return { child, next, exited };
}

const stores: [string, string | undefined][] = [
  ["sqlite", `sqlite://${join(mkdtempSync(join(tmpdir(), "amtsbote-xp-")), "shared.sqlite")}`],
  ["redis", serviceUrl("TEST_REDIS_URL")],
  ["postgres", serviceUrl("TEST_POSTGRES_URL")],
];

describe("two processes sharing one store", () => {
  for (const [name, url] of stores) {
    it.skipIf(!url)(
      `${name}: parallel approvals from two processes make exactly one publish job and one post`,
      async () => {
        const namespace = `xp_${name}_${process.pid}_${Date.now().toString(36)}`;
        const store = await openStore(url as string, { namespace });
        const service = createAnnouncementService({
          store,
          policy: CROWD_POLICY,
          clock: systemClock,
          notices: new RecordingNotices(),
          log: silentLogger,
          outlets: [new FakeOutlet()],
        });
        const draft = await service.draft("author", {
          content: { text: "Achtung", media: [] },
          origin: { platform: "t", room: "t" },
        });
        if (!draft.ok) throw new Error(draft.error.code);
        const id = draft.value.id;

        const children = [
          startChild([url as string, namespace, id, "p0,p1,p2,p3,p4"]),
          startChild([url as string, namespace, id, "p5,p6,p7,p8,p9"]),
        ];
        for (const c of children) expect(await c.next()).toBe("ready");
        for (const c of children) c.child.stdin.end("go\n");
        const reports = await Promise.all(children.map(async (c) => JSON.parse(await c.next()) as ChildReport));
        await Promise.all(children.map((c) => c.exited));

        const results = reports.flatMap((r) => r.results);
        expect(results.filter((r) => r === "ok")).toHaveLength(3);
        expect(results.filter((r) => r === "INVALID_STATE")).toHaveLength(7);
        expect(reports.reduce((n, r) => n + r.published, 0)).toBe(1);
        const a = await store.get(id);
        expect(a?.state).toBe("published");
        expect(a?.approvals).toHaveLength(3);
        expect(a?.events.filter((e) => e.event === "quorum_reached")).toHaveLength(1);
        expect(a?.events.filter((e) => e.event === "delivery_started")).toHaveLength(1);
        await store.close();
      },
    );
  }
});
