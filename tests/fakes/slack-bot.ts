import type { SlackSettings } from "../../adapters/config/env.ts";
import { parsePolicy } from "../../adapters/config/policy-file.ts";
import { mediaIntake } from "../../adapters/media/intake.ts";
import { SlackDirectory } from "../../adapters/slack/directory.ts";
import { SlackPoster } from "../../adapters/slack/poster.ts";
import { SlackApp } from "../../adapters/slack/slack-app.ts";
import { SlackChat } from "../../adapters/slack/slack-chat.ts";
import { ManualHandoffOutlet } from "../../adapters/whatsapp/manual-handoff.ts";
import type { AnnouncementService } from "../../src/announcement/service.ts";
import { MemoryStore } from "../../src/memory/memory-store.ts";
import type { Policy } from "../../src/policy/policy.ts";
import { systemClock } from "../../src/ports/clock.ts";
import { silentLogger, type Logger } from "../../src/ports/logger.ts";
import type { Outlet } from "../../src/ports/outlet.ts";
import type { Store } from "../../src/ports/store.ts";
import type { FakeSlack } from "./fake-slack.ts";
import { FakeOutlet, TEST_POLICY_YAML } from "./fixtures.ts";
import { runningCore } from "./running-core.ts";

export const APPROVALS = "C0APPROVALS";
export const PRESS_DESK = "C0PRESSDESK";

/** Slack member ids of the test policy's people. */
export const U = {
  anna: "U0ANNA",
  ben: "U0BEN",
  carla: "U0CARLA",
  dieter: "U0DIETER",
  erik: "U0ERIK",
  zora: "U0ZORA",
} as const;

export const SLACK_POLICY_YAML = Object.entries(U).reduce(
  (yaml, [name, id]) => yaml.replace(new RegExp(`console: ${name}(?=[ ,])`), `console: ${name}, slack: ${id}`),
  TEST_POLICY_YAML,
);

export interface SlackBotOptions {
  store?: Store;
  mode?: "socket" | "http";
  signingSecret?: string;
  /** Publish by manual hand-off instead of the fake outlet. */
  handoff?: boolean;
  policy?: Policy;
  log?: Logger;
}

export interface SlackBot {
  app: SlackApp;
  chat: SlackChat;
  service: AnnouncementService;
  outlet: FakeOutlet;
  store: Store;
  policy: Policy;
  /** Waits until every notice is shown in Slack. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** The Slack side of amtsbote wired as the composition root does, against a local fake Slack. */
export async function startSlackBot(fake: FakeSlack, options: SlackBotOptions = {}): Promise<SlackBot> {
  const log = options.log ?? silentLogger;
  const store = options.store ?? new MemoryStore();
  const policy = options.policy ?? parsePolicy(SLACK_POLICY_YAML, "slack-policy.yaml");
  const settings: SlackSettings = {
    mode: options.mode ?? "socket",
    botToken: fake.botToken,
    appToken: fake.appToken,
    ...(options.signingSecret ? { signingSecret: options.signingSecret } : {}),
    apiUrl: fake.apiUrl,
    approvalChannel: APPROVALS,
    httpHost: "127.0.0.1",
    httpPort: 0,
    postGapMs: 0,
    usergroupRefreshMs: 600_000,
  };
  const client = SlackApp.client(settings, log);
  const poster = new SlackPoster({ client, gapMs: 0, log });
  const chat = new SlackChat({ poster, client, store, policy, approvalChannel: APPROVALS, log });
  const outlet = new FakeOutlet("whatsapp");
  const manual = new ManualHandoffOutlet(chat, policy);
  const channel: Outlet = options.handoff ? manual : outlet;
  const { service, worker, handle } = runningCore({
    store,
    policy,
    outlet: channel,
    notices: chat,
    log,
    ...(options.handoff ? {} : { handoff: manual }),
  });
  const app = new SlackApp(
    {
      settings,
      policy,
      store,
      clock: systemClock,
      log,
      chat,
      poster,
      directory: new SlackDirectory(client, policy, log),
      intake: mediaIntake(store),
      handle,
      lookup: (id) => service.get(id),
      openIds: () => store.openIds(),
    },
    client,
  );
  await app.start();
  return {
    app,
    chat,
    service,
    outlet,
    store,
    policy,
    settled: () => chat.settled(),
    stop: async () => {
      await app.stop();
      await worker.stop();
      await chat.settled();
    },
  };
}
