import type { SlackSettings } from "../../adapters/config/env.ts";
import { parsePolicy } from "../../adapters/config/policy-file.ts";
import type { SlackApp } from "../../adapters/slack/slack-app.ts";
import { slackRuntime } from "../../adapters/slack/slack-runtime.ts";
import type { SlackSurface } from "../../adapters/slack/slack-surface.ts";
import type { ApprovalDesk } from "../../commands/approval-desk.ts";
import { NoticeBus } from "../../src/notices/bus.ts";
import { ManualHandoffOutlet } from "../../adapters/whatsapp/manual-handoff.ts";
import type { AnnouncementService } from "../../src/announcement/service.ts";
import { MemoryStore } from "../../src/memory/memory-store.ts";
import type { Policy } from "../../src/policy/policy.ts";
import { systemClock } from "../../src/ports/clock.ts";
import { silentLogger, type Logger } from "../../src/ports/logger.ts";
import type { Outlet } from "../../src/ports/outlet.ts";
import type { Store } from "../../src/ports/store.ts";
import type { CommandInput, CommandOutcome } from "../../commands/input.ts";
import type { FakeSlack, StoredMessage } from "./fake-slack.ts";
import { FakeOutlet, TEST_POLICY_YAML } from "./fixtures.ts";
import { runningCore } from "./running-core.ts";
import type { WarningSource } from "../../src/ports/warning-source.ts";
import type { WarningFilter } from "../../src/warnings/decide.ts";
import type { WarningWatcher } from "../../src/warnings/watcher.ts";
import { testWarningWatcher } from "./warnings.ts";

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
  /** Awaited before each command reaches the core, e.g. to hold the work after the acks. */
  beforeCommand?: (input: CommandInput) => Promise<void>;
  /** Official warnings from this source, offered on relay cards (polled by the test through `watcher`). */
  nina?: { source: WarningSource; filter?: WarningFilter };
}

export interface SlackBot {
  app: SlackApp;
  desk: ApprovalDesk;
  surface: SlackSurface;
  service: AnnouncementService;
  outlet: FakeOutlet;
  store: Store;
  policy: Policy;
  /** The official-warnings watcher, with `nina`. */
  watcher?: WarningWatcher;
  /** Waits until the work of every acknowledged request is done and every notice is shown in Slack. */
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
  // The workspace knows the policy's people (the bot writes to them directly).
  for (const [name, id] of Object.entries(U)) if (!fake.users.has(id)) fake.users.set(id, { id, name });
  const bus = new NoticeBus();
  const outlet = new FakeOutlet("whatsapp");
  const manual = new ManualHandoffOutlet(bus, policy);
  const channel: Outlet = options.handoff ? manual : outlet;
  let handle: (input: CommandInput) => Promise<CommandOutcome> = () => Promise.resolve({ kind: "ignored" });
  const chat = slackRuntime(settings, {
    store,
    policy,
    clock: systemClock,
    log,
    handle: async (input) => {
      await options.beforeCommand?.(input);
      return handle(input);
    },
  });
  bus.subscribe(chat.notices);
  const core = runningCore({
    store,
    policy,
    outlet: channel,
    notices: bus,
    log,
    ...(options.handoff ? {} : { handoff: manual }),
    warnings: () => watcher,
  });
  handle = core.handle;
  const { service, worker } = core;
  const watcher =
    options.nina && testWarningWatcher(options.nina, { store, board: chat.warnings, service, policy, log });
  await chat.run();
  const app = chat.app();
  if (!app) throw new Error("Slack app did not start");
  return {
    app,
    desk: chat.desk,
    surface: chat.surface,
    service,
    outlet,
    store,
    policy,
    ...(watcher ? { watcher } : {}),
    settled: async () => {
      await app.settled();
      await chat.desk.settled();
    },
    stop: async () => {
      await chat.stop();
      await worker.stop();
      await chat.desk.settled();
    },
  };
}

/** The approval card of `id` in the fake Slack, once the bot has settled. */
export async function approvalCard(bot: SlackBot, fake: FakeSlack, id: string): Promise<StoredMessage> {
  await bot.settled();
  const ref = await bot.desk.state.post(id as `A-${string}`);
  const card = ref && fake.message(ref.room, ref.id);
  if (!card) throw new Error(`no card for ${id}`);
  return card;
}
