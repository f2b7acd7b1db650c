import type { Logger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import type { Policy } from "../../src/policy/policy.ts";
import type { ChatRuntime, Handle } from "../chat-runtime.ts";
import { matrixSettingsOf, type Env } from "../config/env.ts";
import { mediaIntake } from "../media/intake.ts";
import { MatrixApp } from "./matrix-app.ts";
import { MatrixChat } from "./matrix-chat.ts";

/** Matrix as the composition root runs it (`CHAT=matrix`). */
export function matrixRuntime(env: Env, store: Store, policy: Policy, log: Logger, handle: Handle): ChatRuntime {
  const settings = matrixSettingsOf(env);
  const matrixLog = log.child({ module: "matrix" });
  const app = new MatrixApp({
    settings,
    policy,
    store,
    log: matrixLog,
    intake: mediaIntake(store),
    onFatal: (message) => {
      matrixLog.error({}, message);
      process.stderr.write(`amtsbote: ${message}\n`);
      process.kill(process.pid, "SIGTERM");
      process.exitCode = 3;
    },
  });
  const chat = new MatrixChat({ sender: app, store, policy, approvalRoom: settings.approvalRoom, log: matrixLog });
  return {
    staff: chat,
    notices: chat,
    connected: () => app.ready(),
    endsWithInput: false,
    run: async (service) => {
      await app.start({ chat, handle, lookup: (id) => service.get(id), openIds: () => store.openIds() });
    },
    stop: () => app.stop(),
  };
}
