import type { MatrixSettings } from "../../adapters/config/env.ts";
import { parsePolicy } from "../../adapters/config/policy-file.ts";
import type { MatrixApp } from "../../adapters/matrix/matrix-app.ts";
import { matrixRuntime } from "../../adapters/matrix/matrix-runtime.ts";
import type { MatrixSurface } from "../../adapters/matrix/matrix-surface.ts";
import type { ApprovalDesk } from "../../commands/approval-desk.ts";
import type { CommandInput, CommandOutcome } from "../../commands/input.ts";
import { NoticeBus } from "../../src/notices/bus.ts";
import type { AnnouncementService } from "../../src/announcement/service.ts";
import { MemoryStore } from "../../src/memory/memory-store.ts";
import type { Policy } from "../../src/policy/policy.ts";
import { silentLogger, type Logger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import type { WarningSource } from "../../src/ports/warning-source.ts";
import type { WarningFilter } from "../../src/warnings/decide.ts";
import type { WarningWatcher } from "../../src/warnings/watcher.ts";
import { testWarningWatcher } from "./warnings.ts";
import type { FakeHomeserver } from "./fake-homeserver.ts";
import { FakeOutlet, TEST_POLICY_YAML } from "./fixtures.ts";
import { runningCore } from "./running-core.ts";

export const SERVER = "rathaus.example.de";
export const APPROVAL_ROOM = `!approvals:${SERVER}`;
export const OPS_ROOM = `!ops:${SERVER}`;

/** Matrix ids of the test policy's people. */
export const M = {
  anna: `@anna:${SERVER}`,
  ben: `@ben:${SERVER}`,
  carla: `@carla:${SERVER}`,
  dieter: `@dieter:${SERVER}`,
  erik: `@erik:${SERVER}`,
  zora: `@zora:${SERVER}`,
} as const;

export const MATRIX_POLICY_YAML = Object.entries(M).reduce(
  (yaml, [name, id]) => yaml.replace(new RegExp(`console: ${name}(?=[ ,])`), `console: ${name}, matrix: "${id}"`),
  TEST_POLICY_YAML,
);

export interface MatrixBotOptions {
  store?: Store;
  policy?: Policy;
  log?: Logger;
  outlet?: FakeOutlet;
  onFatal?: (message: string) => void;
  /** Official warnings from this source, offered on relay cards (polled by the test through `watcher`). */
  nina?: { source: WarningSource; filter?: WarningFilter };
}

export interface MatrixBot {
  app: MatrixApp;
  desk: ApprovalDesk;
  surface: MatrixSurface;
  service: AnnouncementService;
  outlet: FakeOutlet;
  store: Store;
  policy: Policy;
  /** The official-warnings watcher, with `nina`. */
  watcher?: WarningWatcher;
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** The Matrix side of amtsbote wired as the composition root does, against the fake homeserver. */
export async function startMatrixBot(fake: FakeHomeserver, options: MatrixBotOptions = {}): Promise<MatrixBot> {
  const log = options.log ?? silentLogger;
  const store = options.store ?? new MemoryStore();
  const policy = options.policy ?? parsePolicy(MATRIX_POLICY_YAML, "matrix-policy.yaml");
  const settings: MatrixSettings = {
    homeserverUrl: fake.url,
    accessToken: fake.accessToken,
    approvalRoom: APPROVAL_ROOM,
    draftRooms: [OPS_ROOM],
    prefix: "!announce",
    e2ee: "off",
    cryptoDir: "./data/never-used",
  };
  let handle: (input: CommandInput) => Promise<CommandOutcome> = () => Promise.resolve({ kind: "ignored" });
  const chat = matrixRuntime(settings, {
    store,
    policy,
    log,
    handle: (input) => handle(input),
    onFatal: options.onFatal ?? (() => undefined),
  });
  const bus = new NoticeBus();
  bus.subscribe(chat.notices);
  const outlet = options.outlet ?? new FakeOutlet("whatsapp");
  const core = runningCore({ store, policy, outlet, notices: bus, log, warnings: () => watcher });
  handle = core.handle;
  const { service, worker } = core;
  const watcher =
    options.nina && testWarningWatcher(options.nina, { store, board: chat.warnings, service, policy, log });
  await chat.run();
  const app = chat.app;
  return {
    app,
    desk: chat.desk,
    surface: chat.surface,
    service,
    outlet,
    store,
    policy,
    ...(watcher ? { watcher } : {}),
    settled: () => chat.desk.settled(),
    stop: async () => {
      await chat.stop();
      await worker.stop();
      await chat.desk.settled();
    },
  };
}
