import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dispatch } from "../commands/dispatch.ts";
import type { CommandInput, CommandOutcome } from "../commands/input.ts";
import { channelDownText, channelUpText } from "../commands/notices.ts";
import type { AnnouncementService } from "../src/announcement/service.ts";
import { createAnnouncementService } from "../src/announcement/service.ts";
import { Outbox } from "../src/outbox/outbox.ts";
import { resolvePerson, type Policy } from "../src/policy/policy.ts";
import { systemClock } from "../src/ports/clock.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { NoticeSink } from "../src/ports/notices.ts";
import type { Outlet } from "../src/ports/outlet.ts";
import type { Store } from "../src/ports/store.ts";
import { ConfigError } from "./config/config-error.ts";
import { gatewayOf, loadEnv, matrixSettingsOf, slackSettingsOf, type Env, type Gateway } from "./config/env.ts";
import { MatrixApp } from "./matrix/matrix-app.ts";
import { MatrixChat } from "./matrix/matrix-chat.ts";
import { loadPolicy } from "./config/policy-file.ts";
import { CONSOLE_PLATFORM, ConsoleChat } from "./console/console-chat.ts";
import { createLogger, logDestination, maskUrlPassword } from "./log.ts";
import { mediaIntake } from "./media/intake.ts";
import { SlackDirectory } from "./slack/directory.ts";
import { SlackPoster } from "./slack/poster.ts";
import { SlackApp } from "./slack/slack-app.ts";
import { SlackChat } from "./slack/slack-chat.ts";
import { chatNoticeSink, type StaffChat } from "./staff-chat.ts";
import { openStore } from "./store/open-store.ts";
import { HealthWatch } from "./whatsapp/health-watch.ts";
import { ManualHandoffOutlet } from "./whatsapp/manual-handoff.ts";
import { paced } from "./whatsapp/pacing.ts";
import { WahaOutlet, type MediaSource } from "./whatsapp/waha.ts";
import { WhapiOutlet } from "./whatsapp/whapi.ts";
import { startWorker, type Worker } from "./worker.ts";

const EXAMPLE_POLICY = fileURLToPath(new URL("../config/policy.example.yaml", import.meta.url));
const DEFAULT_POLICY = "./policy.yaml";

function policyPath(env: Env): { path: string; example: boolean } {
  if (env.POLICY_FILE === DEFAULT_POLICY && !existsSync(DEFAULT_POLICY)) return { path: EXAMPLE_POLICY, example: true };
  return { path: env.POLICY_FILE, example: false };
}

function consoleUser(env: Env, policy: Policy): string {
  if (env.CONSOLE_USER) {
    if (!resolvePerson(policy, CONSOLE_PLATFORM, env.CONSOLE_USER)) {
      throw new ConfigError(`CONSOLE_USER: no person in the policy has the console identity "${env.CONSOLE_USER}"`);
    }
    return env.CONSOLE_USER;
  }
  for (const person of policy.people.values()) {
    const id = person.identities.console?.[0];
    if (id) return id;
  }
  throw new ConfigError("CONSOLE_USER is empty and no person in the policy has a console identity");
}

/** The configured gateway, or the manual hand-off when there is none. */
function whatsappOutlet(gateway: Gateway, manual: ManualHandoffOutlet, media: MediaSource): Outlet {
  switch (gateway.kind) {
    case "waha":
      return new WahaOutlet({
        baseUrl: gateway.url,
        apiKey: gateway.apiKey,
        session: gateway.session,
        channelId: gateway.channelId,
        canEdit: gateway.canEdit,
        timeoutMs: gateway.timeoutMs,
        media,
      });
    case "whapi":
      return new WhapiOutlet({
        baseUrl: gateway.url,
        token: gateway.token,
        channelId: gateway.channelId,
        timeoutMs: gateway.timeoutMs,
        media,
      });
    case "none":
      return manual;
  }
}

export async function main(): Promise<void> {
  const { env } = loadEnv(process.env);
  const gateway = gatewayOf(env);
  const interactive = process.stdin.isTTY && process.stdout.isTTY;
  const logFile = env.LOG_FILE ?? (interactive ? "./data/amtsbote.log" : undefined);
  const log = createLogger(env.LOG_LEVEL, logDestination(logFile));
  const { path, example } = policyPath(env);
  const policy = loadPolicy(path);
  if (example) log.warn({ policy: path }, "no ./policy.yaml: using the example policy; copy and adapt it");

  const store = await openStore(env.STORE_URL)
    .then(async (opened) => {
      await opened.ping();
      return opened;
    })
    .catch((error: unknown) => {
      throw new ConfigError(
        `STORE_URL: cannot open the store at ${maskUrlPassword(env.STORE_URL)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  log.info({ store: maskUrlPassword(env.STORE_URL), policy: path }, "store opened");

  const commandLog = log.child({ module: "commands" });
  let handle: Handle = () => Promise.resolve({ kind: "ignored" });
  const chats = {
    console: () => consoleChat(env, store, policy, (input) => handle(input)),
    slack: () => slackChat(env, store, policy, log, (input) => handle(input)),
    matrix: () => matrixChat(env, store, policy, log, (input) => handle(input)),
  };
  const chat = chats[env.CHAT]();
  const notices = chat.notices ?? chatNoticeSink(chat.staff, policy, log);
  const manual = new ManualHandoffOutlet(chat.staff, policy);
  const media: MediaSource = (sha256) => store.getMedia(sha256);
  const channel = whatsappOutlet(gateway, manual, media);
  const admin = channel instanceof WahaOutlet || channel instanceof WhapiOutlet ? channel : undefined;
  const testChannel =
    gateway.kind !== "none" && env.WHATSAPP_TEST_CHANNEL_ID
      ? paced(whatsappOutlet({ ...gateway, channelId: env.WHATSAPP_TEST_CHANNEL_ID }, manual, media), {
          gapMs: env.WHATSAPP_MIN_GAP_MS,
        })
      : undefined;
  const whatsapp = channel.handoff ? channel : paced(channel, { gapMs: env.WHATSAPP_MIN_GAP_MS });
  const outlets = new Map<string, Outlet>([[whatsapp.id, whatsapp]]);
  log.info({ outlet: whatsapp.id }, "WhatsApp channel outlet");
  const health = whatsapp.handoff
    ? undefined
    : new HealthWatch({
        outlet: whatsapp,
        intervalMs: env.WHATSAPP_HEALTH_INTERVAL_MS,
        log: log.child({ module: "health" }),
        onChange: async (now) => {
          if (now.state === "down") await chat.staff.toApprovers(channelDownText(whatsapp.id, now.reason));
          else {
            await chat.staff.toApprovers(channelUpText(whatsapp.id));
            worker?.wake();
          }
        },
      });
  let worker: Worker | undefined;
  const service = createAnnouncementService({
    store,
    policy,
    clock: systemClock,
    outlets: [...outlets.values()],
    notices,
    log: log.child({ module: "announcements" }),
    onDue: () => worker?.wake(),
    canExercise: gateway.kind === "none" || testChannel !== undefined,
  });
  const outbox = new Outbox({
    store,
    outlets,
    clock: systemClock,
    notices,
    log: log.child({ module: "outbox" }),
    ...(whatsapp.handoff ? {} : { handoff: manual }),
    available: (outletId) => outletId !== whatsapp.id || (health?.available() ?? true),
    hold: (a) => service.holds(a),
    ...(testChannel ? { exercise: new Map([[whatsapp.id, testChannel]]) } : {}),
  });
  if (env.DELIVERY_WORKER === "on") {
    worker = startWorker(outbox, env.OUTBOX_POLL_MS, log, [() => service.tick()]);
  }
  health?.start();

  handle = (input) =>
    dispatch(input, { service, policy, clock: systemClock, log: commandLog, ...(admin ? { channel: admin } : {}) });

  let stopping: Promise<void> | undefined;
  const stop = (signal: string) =>
    (stopping ??= (async () => {
      log.info({ signal }, "shutting down");
      await chat.stop();
      await health?.stop();
      await worker?.stop();
      await store.close();
    })());
  process.once("SIGTERM", () => void stop("SIGTERM").then(() => process.exit()));
  process.once("SIGINT", () => void stop("SIGINT").then(() => process.exit()));
  // The Slack socket layer can reject a promise nobody awaits while reconnecting (slack.md §8.4).
  process.on("unhandledRejection", (reason) => {
    log.error(
      { reason: reason instanceof Error ? reason.message : String(reason) },
      "unhandled rejection; still running",
    );
  });

  if (example) process.stdout.write(`Hinweis: keine ./policy.yaml – die Beispiel-Richtlinie ${path} gilt.\n`);
  if (logFile) process.stdout.write(`Protokoll: ${logFile}\n`);
  await chat.run(service);
  if (chat.endsWithInput) await stop("end of input");
}

interface ChatRuntime {
  staff: StaffChat;
  /** The chat's own notice routing, when it has one (Slack's cards); otherwise text via `staff`. */
  notices?: NoticeSink;
  /** Starts taking commands; for the console, resolves when its input ends. */
  run(service: AnnouncementService): Promise<void>;
  endsWithInput: boolean;
  stop(): Promise<void>;
}

type Handle = (input: CommandInput) => Promise<CommandOutcome>;

function consoleChat(env: Env, store: Store, policy: Policy, handle: Handle): ChatRuntime {
  const chat = new ConsoleChat({
    input: process.stdin,
    output: process.stdout,
    policy,
    user: consoleUser(env, policy),
    intake: mediaIntake(store),
  });
  return {
    staff: chat,
    endsWithInput: true,
    run: async () => {
      process.stdout.write(`amtsbote bereit – Konsole als ${chat.user}. \`help\` zeigt die Befehle.\n`);
      await chat.run(handle);
    },
    stop: async () => undefined,
  };
}
function slackChat(env: Env, store: Store, policy: Policy, log: Logger, handle: Handle): ChatRuntime {
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

function matrixChat(env: Env, store: Store, policy: Policy, log: Logger, handle: Handle): ChatRuntime {
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
    endsWithInput: false,
    run: async (service) => {
      await app.start({ chat, handle, lookup: (id) => service.get(id), openIds: () => store.openIds() });
    },
    stop: () => app.stop(),
  };
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`amtsbote: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`amtsbote: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
