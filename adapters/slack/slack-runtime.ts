import { ApprovalDesk } from "../../commands/approval-desk.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import type { StoreUnavailableError } from "../../src/ports/store-unavailable.ts";
import type { Policy } from "../../src/policy/policy.ts";
import type { Clock } from "../../src/ports/clock.ts";
import { intakeAnsweringOutage, type ChatRuntime, type Handle } from "../chat-runtime.ts";
import type { SlackSettings } from "../config/env.ts";
import { mediaIntake } from "../media/intake.ts";
import { ChatCalls } from "./chat-calls.ts";
import { SlackDirectory } from "./directory.ts";
import { SlackPoster } from "./poster.ts";
import { SLACK_TIMEOUT_MS, SlackApp } from "./slack-app.ts";
import { SlackSurface } from "./slack-surface.ts";
import { SlackWarningBoard } from "./warning-board.ts";

export interface SlackRuntime extends ChatRuntime {
  desk: ApprovalDesk;
  surface: SlackSurface;
  app(): SlackApp | undefined;
}

/** Slack as the composition root runs it (`CHAT=slack`). */
export function slackRuntime(
  settings: SlackSettings,
  o: {
    store: Store;
    policy: Policy;
    clock: Clock;
    log: Logger;
    handle: Handle;
    /** The outlets set up, by name, for the compose form. */
    outlets?: () => readonly string[];
    /** Told when something starts waiting for the store; `storeBack` follows once it answers again. */
    storeAway?: (error: StoreUnavailableError) => void;
  },
): SlackRuntime {
  const { store, policy, log } = o;
  const slackLog = log.child({ module: "slack" });
  const client = SlackApp.client(settings, slackLog);
  const calls = new ChatCalls({ apiUrl: settings.apiUrl, token: settings.botToken, timeoutMs: SLACK_TIMEOUT_MS });
  const poster = new SlackPoster({ client: calls, gapMs: settings.postGapMs, log: slackLog });
  const surface = new SlackSurface({
    poster,
    client,
    store,
    policy,
    approvalChannel: settings.approvalChannel,
    log: slackLog,
  });
  const desk = new ApprovalDesk({
    surface,
    policy,
    store,
    handle: o.handle,
    log: slackLog,
    ...(o.storeAway ? { storeAway: o.storeAway } : {}),
  });
  const directory = new SlackDirectory(client, policy, slackLog);
  let app: SlackApp | undefined;
  let refresh: NodeJS.Timeout | undefined;
  return {
    desk,
    surface,
    app: () => app,
    notices: desk,
    warnings: new SlackWarningBoard({ poster, policy, approvalChannel: settings.approvalChannel }),
    connected: () => app?.connected() ?? false,
    endsWithInput: false,
    run: async () => {
      app = new SlackApp(
        {
          settings,
          policy,
          clock: o.clock,
          log: slackLog,
          surface,
          desk,
          poster,
          directory,
          calls,
          intake: intakeAnsweringOutage(mediaIntake(store)),
          handle: o.handle,
          ...(o.outlets ? { outlets: o.outlets } : {}),
        },
        client,
      );
      await app.start();
      refresh = setInterval(() => void directory.syncGroups(), settings.usergroupRefreshMs);
      refresh.unref();
    },
    storeBack: () => desk.resume(),
    stop: async () => {
      clearInterval(refresh);
      await app?.stop();
      await desk.settled();
      await poster.drain();
    },
  };
}
