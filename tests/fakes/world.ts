import { dispatch } from "../../commands/dispatch.ts";
import type { CommandOutcome } from "../../commands/input.ts";
import type { MediaItem } from "../../src/announcement/announcement.ts";
import { createAnnouncementService, type AnnouncementService } from "../../src/announcement/service.ts";
import { MemoryStore } from "../../src/memory/memory-store.ts";
import { Outbox, type OutboxOptions } from "../../src/outbox/outbox.ts";
import { silentLogger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import type { Policy } from "../../src/policy/policy.ts";
import { FakeOutlet, FixedClock, RecordingNotices, testPolicy } from "./fixtures.ts";

export interface World {
  store: Store;
  clock: FixedClock;
  policy: Policy;
  notices: RecordingNotices;
  outlet: FakeOutlet;
  service: AnnouncementService;
  outbox: Outbox;
  /** Another outbox on the same store and outlets, as after a restart (or in a second process). */
  newOutbox(more?: Partial<OutboxOptions>): Outbox;
}

/** Service, outbox and fakes wired like the composition root does, on the in-memory store. */
export function aWorld(
  store: Store = new MemoryStore(),
  handoff?: FakeOutlet,
  policy: Policy = testPolicy(),
  outboxOptions: Partial<OutboxOptions> = {},
): World {
  const clock = new FixedClock();
  const notices = new RecordingNotices();
  const outlet = new FakeOutlet();
  const newOutbox = (more: Partial<OutboxOptions> = {}) =>
    new Outbox({
      store,
      outlets: new Map([[outlet.id, outlet]]),
      clock,
      notices,
      log: silentLogger,
      retryBaseMs: 1000,
      maxAttempts: 3,
      ...(handoff ? { handoff } : {}),
      settled: (a) => service.closeIncidentOf(a),
      ...outboxOptions,
      ...more,
    });
  const outbox = newOutbox();
  const service = createAnnouncementService({
    store,
    policy,
    clock,
    // Drafting may assume a test channel; the outbox checks whether it has one.
    outlets: [
      {
        id: outlet.id,
        handoff: outlet.handoff,
        get capabilities() {
          return outlet.capabilities;
        },
        exercise: true,
      },
    ],
    notices,
    log: silentLogger,
  });
  return { store, clock, policy, notices, outlet, service, outbox, newOutbox };
}

export const origin = { platform: "console", room: "terminal" };

export const text = (t: string) => ({ text: t, media: [] });

/** A command typed by `user` in the console, through the one entry point every chat uses. */
export const say = (w: World, user: string, text: string, attachments?: MediaItem[]): Promise<CommandOutcome> =>
  dispatch(
    {
      kind: "text",
      actor: { platform: "console", userId: user },
      origin,
      text,
      ...(attachments ? { attachments } : {}),
    },
    { service: w.service, policy: w.policy, clock: w.clock, log: silentLogger },
  );

/** An outcome's error code, or its kind when it is no error. */
export const code = (o: CommandOutcome): string => (o.kind === "error" ? o.code : o.kind);
