import { existsSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { dispatch } from "../commands/dispatch.ts";
import { actionOf } from "../commands/registry.ts";
import { channelDownText, channelUpText } from "../commands/notices.ts";
import { NoticeBus } from "../src/notices/bus.ts";
import { createAnnouncementService } from "../src/announcement/service.ts";
import { isUnsettled } from "../src/announcement/delivery.ts";
import { Outbox } from "../src/outbox/outbox.ts";
import { resolvePerson, type Policy } from "../src/policy/policy.ts";
import { systemClock } from "../src/ports/clock.ts";
import type { Logger } from "../src/ports/logger.ts";
import type { Outlet } from "../src/ports/outlet.ts";
import { outletName, type ConfiguredOutlet } from "../src/announcement/outlets.ts";
import type { Store } from "../src/ports/store.ts";
import type { StoreUnavailableError } from "../src/ports/store-unavailable.ts";
import { intakeAnsweringOutage, type ChatRuntime, type Handle } from "./chat-runtime.ts";
import { ConfigError } from "./config/config-error.ts";
import { gatewayOf, matrixSettingsOf, ninaSettingsOf, slackSettingsOf, type Env, type Gateway } from "./config/env.ts";
import { loadPolicy } from "./config/policy-file.ts";
import { CONSOLE_PLATFORM, ConsoleChat } from "./console/console-chat.ts";
import { createLogger, logDestination, maskUrlPassword, secretsOf } from "./log.ts";
import { mediaIntake } from "./media/intake.ts";
import { ninaWatchOf } from "./nina/nina-watch.ts";
import { textWarningBoard } from "./nina/text-board.ts";
import { Metrics } from "./ops/metrics.ts";
import { OpsServer } from "./ops/ops-server.ts";
import { chatNoticeSink } from "./staff-chat.ts";
import { openStore } from "./store/open-store.ts";
import { StoreWatch } from "./store/store-watch.ts";
import { HealthWatch } from "./outlets/health-watch.ts";
import { feedsSettingsOf, mastodonSettingsOf, pressSettingsOf, telegramSettingsOf } from "./config/outlet-settings.ts";
import { TelegramOutlet } from "./telegram/telegram.ts";
import { FeedsOutlet } from "./feeds/feeds-outlet.ts";
import { MastodonOutlet } from "./mastodon/mastodon.ts";
import { PressMailOutlet } from "./press/press-mail.ts";
import { ManualHandoffOutlet } from "./whatsapp/manual-handoff.ts";
import { paced } from "./whatsapp/pacing.ts";
import { WahaOutlet, type MediaSource } from "./whatsapp/waha.ts";
import { WhapiOutlet } from "./whatsapp/whapi.ts";
import { startWorker, type Worker } from "./worker.ts";

const EXAMPLE_POLICY = fileURLToPath(new URL("../config/policy.example.yaml", import.meta.url));
const DEFAULT_POLICY = "./policy.yaml";
/** Expiry, review reminders, escalation and incident checks: their rules are in minutes and hours. */
const TASKS_EVERY_MS = 10_000;

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
        canPoll: gateway.canPoll,
        canReadBack: gateway.canReadBack,
        timeoutMs: gateway.timeoutMs,
        readBackGraceMs: gateway.readBackGraceMs,
        media,
      });
    case "whapi":
      return new WhapiOutlet({
        baseUrl: gateway.url,
        token: gateway.token,
        channelId: gateway.channelId,
        timeoutMs: gateway.timeoutMs,
        readBackGraceMs: gateway.readBackGraceMs,
        media,
      });
    case "none":
      return manual;
  }
}

/**
 * The outlets beside WhatsApp that the environment sets up, and what to stop at shutdown. Mastodon's limits are
 * read in the background (until then the defaults, which are lower, apply); the feeds' listener must start.
 */
async function otherOutlets(
  env: Env,
  deps: { store: Store; media: MediaSource; log: Logger; timeZone: string },
): Promise<{ outlets: Outlet[]; stop: () => Promise<void> }> {
  const { store, media, log, timeZone } = deps;
  const outlets: Outlet[] = [];
  const stops: (() => Promise<void>)[] = [];
  // The press list's settings are checked before anything reaches out or opens a port.
  const press = pressOutlet(env, { media, timeZone, log });
  const mastodon = mastodonSettingsOf(env);
  if (mastodon) {
    const outlet = new MastodonOutlet({ ...mastodon, media });
    void outlet.probe().then(
      (probe) =>
        probe.ok
          ? log.info({ outlet: outlet.id, limits: probe.limits }, "Mastodon instance limits read")
          : log.warn({ outlet: outlet.id, reason: probe.reason }, "Mastodon instance limits not read; defaults apply"),
      (error: unknown) => log.warn({ err: error, outlet: outlet.id }, "Mastodon instance limits not read"),
    );
    outlets.push(outlet);
  }
  const telegram = telegramSettingsOf(env);
  if (telegram) outlets.push(new TelegramOutlet({ ...telegram, media }));
  const feeds = feedsSettingsOf(env);
  if (feeds) {
    const outlet = new FeedsOutlet({
      store,
      media,
      baseUrl: feeds.baseUrl,
      title: feeds.title,
      maxEntries: feeds.maxEntries,
      timeZone,
      cap: feeds.cap,
      listen: { host: feeds.host, port: feeds.port },
      dir: feeds.dir,
      log: log.child({ module: "feeds" }),
    });
    await outlet.start().catch((error: unknown) => {
      throw new ConfigError(
        `FEED_PORT: cannot listen on ${feeds.host}:${feeds.port} (${error instanceof Error ? error.message : String(error)})`,
      );
    });
    stops.push(() => outlet.stop());
    outlets.push(outlet);
  }
  if (press) outlets.push(press);
  return { outlets, stop: async () => void (await Promise.all(stops.map((stop) => stop()))) };
}

function pressOutlet(
  env: Env,
  deps: { media: MediaSource; log: Logger; timeZone: string },
): PressMailOutlet | undefined {
  const press = pressSettingsOf(env);
  if (!press) return undefined;
  try {
    return new PressMailOutlet({ ...press, ...deps, log: deps.log.child({ module: "press" }) });
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** What drafting needs to know of an outlet; read live, as an outlet may learn its limits after start. */
function configuredOutlet(outlet: Outlet, exercise: boolean): ConfiguredOutlet {
  return {
    id: outlet.id,
    handoff: outlet.handoff,
    get capabilities() {
      return outlet.capabilities;
    },
    ...(outlet.measure ? { measure: (content) => outlet.measure?.(content) ?? 0 } : {}),
    exercise,
  };
}

export interface AppIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  /** Called when the chat cannot go on (Matrix refused the token); the process should stop. */
  onFatal: (message: string) => void;
}

export interface App {
  service: ReturnType<typeof createAnnouncementService>;
  store: Store;
  chat: ChatRuntime;
  ops: OpsServer | undefined;
  /** The app's logger: secrets scrubbed from every line. */
  log: Logger;
  /** Takes commands; for the console, resolves when its input ends. */
  run(): Promise<void>;
  /** Bounded, orderly: no new commands, in-flight work finished or left for the next start. */
  stop(reason: string): Promise<void>;
}

/** Builds amtsbote from its configuration: store, policy, chat, outlets, outbox, worker, operations endpoint. */
export async function createApp(env: Env, io: AppIo): Promise<App> {
  const gateway = gatewayOf(env);
  const ninaSettings = ninaSettingsOf(env);
  const interactive = Boolean(io.stdin.isTTY && io.stdout.isTTY);
  const logFile = env.LOG_FILE ?? (interactive ? "./data/amtsbote.log" : undefined);
  const log = createLogger(env.LOG_LEVEL, logDestination(logFile, env.LOG_FORMAT), secretsOf(env));
  const { path, example } = policyPath(env);
  const policy = loadPolicy(path);
  if (example) log.warn({ policy: path }, "no ./policy.yaml: using the example policy; copy and adapt it");

  const store = await openStore(env.STORE_URL, {
    namespace: env.STORE_NAMESPACE,
    ...(env.INSTANCE_ID ? { instanceId: env.INSTANCE_ID } : {}),
  })
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
  const previous = await store.takeOverFromPreviousRun();
  if (previous.state === "reclaimed") {
    log.info({ leases: previous.leases }, "took back the leases the previous run left behind");
  } else if (previous.state === "twin") {
    log.error(
      { instance: store.instanceId, other: previous.owner },
      "another process runs with this instance id; give each process its own INSTANCE_ID",
    );
  }

  const commandLog = log.child({ module: "commands" });
  // Chats hear of the store's outage before the watch exists; nothing reaches them before it does.
  const storeAway = (error: StoreUnavailableError) => void storeWatch.noticed(error);
  let handle: Handle = () => Promise.resolve({ kind: "ignored" });
  let outletNames: readonly string[] = [];
  const late: Handle = (input) => handle(input);
  const chats = {
    console: async () => consoleChat(env, store, policy, log, io, late),
    // Loaded only when chosen: each chat's SDK costs start time and memory.
    slack: async () =>
      (await import("./slack/slack-runtime.ts")).slackRuntime(slackSettingsOf(env), {
        store,
        policy,
        clock: systemClock,
        log,
        handle: late,
        outlets: () => outletNames,
        storeAway,
      }),
    matrix: async () =>
      (await import("./matrix/matrix-runtime.ts")).matrixRuntime(matrixSettingsOf(env), {
        store,
        policy,
        log,
        handle: late,
        storeAway,
        onFatal: (message) => {
          log.error({}, message);
          io.onFatal(message);
        },
      }),
  };
  const chat: ChatRuntime = await chats[env.CHAT]();
  let worker: Worker | undefined;
  const storeWatch = new StoreWatch({
    ping: () => store.ping(),
    log: log.child({ module: "store" }),
    onBack: async () => {
      worker?.wake();
      await chat.storeBack?.();
    },
  });
  const metrics = new Metrics(store, () => storeWatch.available());
  const bus = new NoticeBus();
  bus.subscribe(metrics.notices());
  bus.subscribe(chat.notices);
  const manual = new ManualHandoffOutlet(bus, policy);
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
  const others = await otherOutlets(env, { store, media, log, timeZone: policy.timezone });
  const outlets = new Map<string, Outlet>([whatsapp, ...others.outlets].map((o) => [o.id, o]));
  outletNames = [...new Set([...outlets.keys()].map(outletName))];
  log.info({ outlets: [...outlets.keys()] }, "outlets");
  // One watch per outlet that works without a person: its deliveries wait while it is down; people hear once.
  const watches = new Map<string, HealthWatch>();
  for (const outlet of outlets.values()) {
    if (outlet.handoff) continue;
    const watch = new HealthWatch({
      outlet,
      intervalMs: env.WHATSAPP_HEALTH_INTERVAL_MS,
      log: log.child({ module: "health" }),
      onChange: async (now) => {
        const message = now.state === "down" ? channelDownText(outlet.id, now.problem) : channelUpText(outlet.id);
        await bus.emit({ kind: "outlet_changed", outlet: outlet.id, message });
        if (now.state !== "down") {
          outbox.outletRecovered(outlet.id);
          worker?.wake();
        }
      },
    });
    watches.set(outlet.id, watch);
  }
  const service = createAnnouncementService({
    store,
    policy,
    clock: systemClock,
    outlets: [...outlets.values()].map((o) => configuredOutlet(o, o.id === whatsapp.id && testChannel !== undefined)),
    notices: bus,
    log: log.child({ module: "announcements" }),
    // An approval hands its announcement straight to delivery, before the chat hears of it.
    onDue: async (id) => {
      if (!worker) return;
      if (id) await outbox.deliverNow(id);
      else worker.wake();
    },
    canExercise: gateway.kind === "none" || testChannel !== undefined,
  });
  const outbox = new Outbox({
    store,
    outlets,
    clock: systemClock,
    notices: bus,
    log: log.child({ module: "outbox" }),
    ...(whatsapp.handoff ? {} : { handoff: manual }),
    available: (outletId) => watches.get(outletId)?.available() ?? true,
    outletTrouble: (outletId) => void watches.get(outletId)?.check(),
    policy,
    urgent: (a) => policy.categories.get(a.category)?.emergency !== undefined,
    settled: (a) => service.closeIncidentOf(a),
    hold: (a) => service.holds(a),
    ...(testChannel ? { exercise: new Map([[whatsapp.id, testChannel]]) } : {}),
  });
  if (env.DELIVERY_WORKER === "on") {
    worker = startWorker(outbox, env.OUTBOX_POLL_MS, log, [() => service.tick()], TASKS_EVERY_MS, storeWatch);
  }
  // Official warnings (NINA): relay cards in the approval room, when NINA_ARS is set.
  const nina = ninaSettings && ninaWatchOf(ninaSettings, { store, service, board: chat.warnings, policy, log });
  storeWatch.start();
  for (const watch of watches.values()) watch.start();
  nina?.watch.start();

  handle = metrics.handle(async (input) => {
    const outcome = await dispatch(input, {
      service,
      policy,
      clock: systemClock,
      log: commandLog,
      ...(admin ? { channel: admin } : {}),
      ...(nina ? { warnings: nina.watcher } : {}),
    });
    if (outcome.kind === "error") {
      // Who tried what and why it was refused; never the text they typed.
      const { platform, userId } = input.actor;
      commandLog.info({ platform, user: userId, action: actionOf(input), code: outcome.code }, "action refused");
    }
    return outcome;
  });

  const ops =
    env.OPS_ENDPOINT === "on"
      ? new OpsServer({
          host: env.OPS_HOST,
          port: env.OPS_PORT,
          metrics,
          log: log.child({ module: "ops" }),
          checks: [
            { name: "store", check: async () => (await store.ping(), { ok: true }) },
            { name: `chat:${env.CHAT}`, check: () => ({ ok: chat.connected() }) },
            ...[...outlets.keys()].map((id) => ({
              name: `outlet:${id}`,
              check: () => ({
                ok: watches.get(id)?.available() ?? true,
                ...(watches.get(id)?.available() === false ? { detail: "outlet down" } : {}),
              }),
            })),
          ],
        })
      : undefined;
  await ops?.start().catch((error: unknown) => {
    throw new ConfigError(
      `OPS_PORT: cannot listen on ${env.OPS_HOST}:${env.OPS_PORT} (${error instanceof Error ? error.message : String(error)})`,
    );
  });

  let stopping: Promise<void> | undefined;
  const stop = (reason: string) =>
    (stopping ??= (async () => {
      log.info({ reason, boundMs: env.SHUTDOWN_TIMEOUT_MS }, "shutting down: no new commands");
      ops?.drain();
      const orderly = (async () => {
        await storeWatch.stop();
        await nina?.watch.stop();
        await chat.stop();
        await Promise.all([...watches.values()].map((w) => w.stop()));
        await worker?.stop();
        await others.stop();
        return true;
      })();
      const bound = new Promise<false>((resolve) => setTimeout(() => resolve(false), env.SHUTDOWN_TIMEOUT_MS).unref());
      const finished = await Promise.race([orderly, bound]);
      await logLeftovers(store, log, finished).catch(() => undefined);
      await ops?.stop();
      await store.close();
      if (!finished) process.exitCode = 1;
    })());

  return {
    service,
    store,
    chat,
    ops,
    log,
    stop,
    run: async () => {
      if (example) io.stdout.write(`Hinweis: keine ./policy.yaml – die Beispiel-Richtlinie ${path} gilt.\n`);
      if (logFile) io.stdout.write(`Protokoll: ${logFile}\n`);
      await chat.run();
      if (chat.endsWithInput) await stop("end of input");
    },
  };
}

/** What the next start will pick up: deliveries not settled when this process stopped. */
async function logLeftovers(store: Store, log: Logger, finished: boolean): Promise<void> {
  const ids = await store.openIds();
  const left = (await store.getMany(ids)).flatMap((a) =>
    a ? a.deliveries.filter(isUnsettled).map((d) => ({ id: a.id, outlet: d.outlet, state: d.state })) : [],
  );
  const message = finished ? "stopped" : "stopped at the shutdown bound with work in flight";
  log.info({ left, open: ids.length }, `${message}; the next start resumes what is left`);
}

function consoleChat(env: Env, store: Store, policy: Policy, log: Logger, io: AppIo, handle: Handle): ChatRuntime {
  const chat = new ConsoleChat({
    input: io.stdin,
    output: io.stdout,
    policy,
    user: consoleUser(env, policy),
    intake: intakeAnsweringOutage(mediaIntake(store)),
  });
  return {
    notices: chatNoticeSink(chat, policy, log),
    warnings: textWarningBoard(chat, policy, ""),
    connected: () => true,
    endsWithInput: true,
    run: async () => {
      io.stdout.write(`amtsbote bereit – Konsole als ${chat.user}. \`help\` zeigt die Befehle.\n`);
      await chat.run(handle);
    },
    stop: async () => undefined,
  };
}
