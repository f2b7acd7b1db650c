import type { Logger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import type { Policy } from "../../src/policy/policy.ts";
import { systemClock } from "../../src/ports/clock.ts";
import type { ChatRuntime, Handle } from "../chat-runtime.ts";
import { slackSettingsOf, type Env } from "../config/env.ts";
import { mediaIntake } from "../media/intake.ts";
import { SlackDirectory } from "./directory.ts";
import { SlackPoster } from "./poster.ts";
import { SlackApp } from "./slack-app.ts";
import { SlackChat } from "./slack-chat.ts";

/** Slack as the composition root runs it (`CHAT=slack`). */
export function slackRuntime(env: Env, store: Store, policy: Policy, log: Logger, handle: Handle): ChatRuntime {
  const settings = slackSettingsOf(env);
  const slackLog = log.child({ module: "slack" });
  const client = SlackApp.client(settings, slackLog);
  const poster = new SlackPoster({ client, gapMs: settings.postGapMs, log: slackLog });
  const chat = new SlackChat({
    poster,
    client,
    store,
    policy,
    approvalChannel: settings.approvalChannel,
    log: slackLog,
  });
  const directory = new SlackDirectory(client, policy, slackLog);
  let app: SlackApp | undefined;
  let refresh: NodeJS.Timeout | undefined;
  return {
    staff: chat,
    notices: chat,
    connected: () => app?.connected() ?? false,
    endsWithInput: false,
    run: async (service) => {
      app = new SlackApp(
        {
          settings,
          policy,
          store,
          clock: systemClock,
          log: slackLog,
          chat,
          poster,
          directory,
          intake: mediaIntake(store),
          handle,
          lookup: (id) => service.get(id),
          openIds: () => store.openIds(),
        },
        client,
      );
      await app.start();
      refresh = setInterval(() => void directory.syncGroups(), settings.usergroupRefreshMs);
      refresh.unref();
    },
    stop: async () => {
      clearInterval(refresh);
      await app?.stop();
      await chat.settled();
    },
  };
}
