import { createAnnouncementService } from "../../src/announcement/service.ts";
import { MemoryStore } from "../../src/memory/memory-store.ts";
import { Outbox } from "../../src/outbox/outbox.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import type { Outlet } from "../../src/ports/outlet.ts";
import { FixedClock, RecordingNotices, testPolicy } from "./fixtures.ts";

/** One announcement drafted and approved, its delivery to `outlet` queued in an outbox of its own: not yet run. */
export async function approvedThrough(outlet: Outlet, text: string) {
  const store = new MemoryStore();
  const clock = new FixedClock(new Date().toISOString());
  const deps = { store, policy: testPolicy(), clock, notices: new RecordingNotices(), log: silentLogger };
  const service = createAnnouncementService({ ...deps, outlets: [outlet] });
  const outbox = new Outbox({ ...deps, outlets: new Map([[outlet.id, outlet]]) });
  const draft = await service.draft("anna", { content: { text, media: [] }, origin: { platform: "t", room: "t" } });
  if (!draft.ok) throw new Error(draft.error.code);
  const approved = await service.approve("carla", draft.value.id, { via: "command" });
  if (!approved.ok) throw new Error(approved.error.code);
  return { store, outbox, clock, id: draft.value.id };
}
