import { createAnnouncementService, type AnnouncementService } from "../../src/announcement/service.ts";
import { Outbox } from "../../src/outbox/outbox.ts";
import { systemClock } from "../../src/ports/clock.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { NoticeSink } from "../../src/ports/notices.ts";
import type { Outlet } from "../../src/ports/outlet.ts";
import type { Store } from "../../src/ports/store.ts";
import type { Policy } from "../../src/policy/policy.ts";
import { dispatch } from "../../commands/dispatch.ts";
import type { CommandInput, CommandOutcome } from "../../commands/input.ts";
import type { CommandDeps } from "../../commands/registry.ts";
import { startWorker, type Worker } from "../../adapters/worker.ts";

export interface RunningCore {
  service: AnnouncementService;
  worker: Worker;
  handle: (input: CommandInput) => Promise<CommandOutcome>;
}

/** Service, outbox and worker on the real clock, as the composition root wires them, for chat end-to-end tests. */
export function runningCore(o: {
  store: Store;
  policy: Policy;
  outlet: Outlet;
  notices: NoticeSink;
  log: Logger;
  handoff?: Outlet;
  /** The official-warnings watcher, read at each command (it is made after the core). */
  warnings?: () => CommandDeps["warnings"];
}): RunningCore {
  const service = createAnnouncementService({
    store: o.store,
    policy: o.policy,
    clock: systemClock,
    outlets: [o.outlet],
    notices: o.notices,
    log: o.log,
    onDue: () => worker.wake(),
    canExercise: true,
  });
  const outbox = new Outbox({
    store: o.store,
    outlets: new Map([[o.outlet.id, o.outlet]]),
    clock: systemClock,
    notices: o.notices,
    log: o.log,
    ...(o.handoff ? { handoff: o.handoff } : {}),
    hold: (a) => service.holds(a),
  });
  const worker = startWorker(outbox, 25, o.log, [() => service.tick()]);
  const handle = (input: CommandInput) => {
    const warnings = o.warnings?.();
    return dispatch(input, {
      service,
      policy: o.policy,
      clock: systemClock,
      log: o.log,
      ...(warnings ? { warnings } : {}),
    });
  };
  return { service, worker, handle };
}
