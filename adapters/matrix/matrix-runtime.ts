import { ApprovalDesk } from "../../commands/approval-desk.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import type { StoreUnavailableError } from "../../src/ports/store-unavailable.ts";
import type { Policy } from "../../src/policy/policy.ts";
import { intakeAnsweringOutage, type ChatRuntime, type Handle } from "../chat-runtime.ts";
import type { MatrixSettings } from "../config/env.ts";
import { mediaIntake } from "../media/intake.ts";
import { MatrixApp } from "./matrix-app.ts";
import { MatrixSurface } from "./matrix-surface.ts";
import { MatrixWarningBoard } from "./warning-board.ts";

export interface MatrixRuntime extends ChatRuntime {
  app: MatrixApp;
  desk: ApprovalDesk;
  surface: MatrixSurface;
}

/** Matrix as the composition root runs it (`CHAT=matrix`). */
export function matrixRuntime(
  settings: MatrixSettings,
  o: {
    store: Store;
    policy: Policy;
    log: Logger;
    handle: Handle;
    /** The homeserver refused the token: the process should stop. */
    onFatal: (message: string) => void;
    sleep?: (ms: number) => Promise<void>;
    /** Told when something starts waiting for the store; `storeBack` follows once it answers again. */
    storeAway?: (error: StoreUnavailableError) => void;
  },
): MatrixRuntime {
  const { store, policy, log } = o;
  const matrixLog = log.child({ module: "matrix" });
  const app = new MatrixApp({
    settings,
    policy,
    store,
    log: matrixLog,
    intake: intakeAnsweringOutage(mediaIntake(store)),
    onFatal: o.onFatal,
    ...(o.sleep ? { sleep: o.sleep } : {}),
  });
  const surface = new MatrixSurface({
    sender: app,
    client: app.client,
    state: store,
    policy,
    approvalRoom: settings.approvalRoom,
    log: matrixLog,
  });
  const desk = new ApprovalDesk({
    surface,
    policy,
    store,
    handle: o.handle,
    log: matrixLog,
    ...(o.storeAway ? { storeAway: o.storeAway } : {}),
  });
  return {
    app,
    desk,
    surface,
    notices: desk,
    warnings: new MatrixWarningBoard({
      sender: app,
      state: store,
      policy,
      approvalRoom: settings.approvalRoom,
      prefix: `${settings.prefix} `,
      toApprovers: (message) => surface.toApprovers(message),
    }),
    connected: () => app.ready(),
    endsWithInput: false,
    run: () => app.start({ desk, surface, handle: o.handle }),
    stop: () => app.stop(),
    storeBack: () => desk.resume(),
  };
}
