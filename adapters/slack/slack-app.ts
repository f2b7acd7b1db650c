import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type Logger as BoltLogger, type Receiver } from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ApprovalDesk } from "../../commands/approval-desk.ts";
import type { ApprovalAction, CommandInput, CommandOutcome } from "../../commands/input.ts";
import { failed } from "../../commands/handlers.ts";
import { errorText, pick } from "../../commands/messages.ts";
import { revealInvisible } from "../../src/announcement/text-hygiene.ts";
import type { AnnouncementId } from "../../src/announcement/announcement.ts";
import type { Language, Policy } from "../../src/policy/policy.ts";
import type { Clock } from "../../src/ports/clock.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { SlackSettings } from "../config/env.ts";
import { escapeSlack, slackToWhatsApp } from "../markup/slack.ts";
import type { MediaIntake } from "../media/intake.ts";
import { AfterAck } from "./after-ack.ts";
import { ACTIONS, composeView, parseCardValue, reasonView, SHORTCUT, VIEWS, type FormOrigin } from "./blocks.ts";
import { composeCommand, type ComposedCommand } from "./compose.ts";
import type { ChatCalls } from "./chat-calls.ts";
import type { SlackDirectory } from "./directory.ts";
import { downloadSlackFile } from "./files.ts";
import {
  BlockActionSchema,
  EventEnvelopeSchema,
  inputValue,
  MessageActionSchema,
  ReactionEventSchema,
  SlashCommandSchema,
  ViewSubmissionSchema,
  type ViewSubmission,
} from "./payloads.ts";
import type { SlackPoster } from "./poster.ts";
import { parseWarningValue, WARNING_ACTIONS } from "./warning-board.ts";
import { SLACK_PLATFORM, type SlackSurface } from "./slack-surface.ts";

export interface SlackAppOptions {
  settings: SlackSettings;
  policy: Policy;
  clock: Clock;
  log: Logger;
  surface: SlackSurface;
  desk: ApprovalDesk;
  poster: SlackPoster;
  directory: SlackDirectory;
  /** Answers on a command's response_url. */
  calls: ChatCalls;
  intake: MediaIntake;
  /** The command entry point (`dispatch` with its dependencies). */
  handle: (input: CommandInput) => Promise<CommandOutcome>;
  /** The outlets set up, by name: the compose form offers them. */
  outlets?: () => readonly string[];
}

/** How long a Slack call may take before it counts as failed. */
export const SLACK_TIMEOUT_MS = 15_000;

/** Bolt's logger interface over ours; Bolt's debug output carries whole payloads, so it stays off. */
function boltLogger(log: Logger): BoltLogger {
  const line =
    (level: "info" | "warn" | "error") =>
    (...messages: unknown[]) =>
      log[level]({ source: "bolt", text: messages.map((m) => (m instanceof Error ? m.message : String(m))).join(" ") });
  let level = LogLevel.INFO;
  return {
    debug: () => undefined,
    info: line("info"),
    warn: line("warn"),
    error: line("error"),
    setLevel: (l) => {
      level = l === LogLevel.DEBUG ? LogLevel.INFO : l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/**
 * The Slack side of amtsbote on Bolt v5: `/announce`, the compose form, the message shortcut,
 * the card's buttons and ✅/❌ reactions, all turned into the core's commands.
 * Every request is acknowledged first; the work follows.
 */
export class SlackApp {
  readonly #o: SlackAppOptions;
  /** No retries of its own: a trigger id lives 3 s, and posts are retried by the poster where safe. */
  readonly client: WebClient;
  #app: App | undefined;
  #connected = false;
  #server: Server | undefined;
  readonly #afterAck: AfterAck;

  constructor(options: SlackAppOptions, client: WebClient) {
    this.#o = options;
    this.client = client;
    this.#afterAck = new AfterAck(options.log);
  }

  /** A Web API client aimed at `SLACK_API_URL`, with no retries of its own. */
  static client(settings: SlackSettings, log: Logger): WebClient {
    return new WebClient(settings.botToken, {
      slackApiUrl: settings.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: SLACK_TIMEOUT_MS,
      logger: boltLogger(log),
    });
  }

  /** Connected to Slack (Socket Mode) or listening (HTTP mode). */
  connected(): boolean {
    return this.#connected;
  }

  /** The HTTP mode's address, once listening. */
  address(): AddressInfo | undefined {
    return this.#server?.address() as AddressInfo | undefined;
  }

  #outlets(): readonly string[] {
    return this.#o.outlets?.() ?? [];
  }

  async start(): Promise<void> {
    const { settings, log } = this.#o;
    const who = await this.client.auth.test().catch((error: unknown) => {
      throw new Error(
        `Slack refused the bot token (auth.test): ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    if (!who.user_id || !who.bot_id)
      throw new Error("auth.test did not name the bot user; is SLACK_BOT_TOKEN a bot token?");
    this.#o.surface.setBotUserId(who.user_id);
    const logger = boltLogger(log.child({ module: "bolt" }));
    const clientOptions = { slackApiUrl: settings.apiUrl, retryConfig: { retries: 0 }, timeout: SLACK_TIMEOUT_MS };
    let receiver: Receiver;
    if (settings.mode === "socket") {
      const socket = new SocketModeReceiver({
        appToken: settings.appToken ?? "",
        logger,
        installerOptions: { clientOptions },
      });
      socket.client.on("connected", () => {
        this.#connected = true;
        log.info({}, "Slack Socket Mode connected");
      });
      for (const state of ["disconnected", "reconnecting"] as const) {
        socket.client.on(state, () => {
          if (this.#connected) log.warn({ state }, "Slack Socket Mode connection lost");
          this.#connected = false;
        });
      }
      receiver = socket;
    } else {
      receiver = new HTTPReceiver({
        signingSecret: settings.signingSecret ?? "",
        endpoints: "/slack/events",
        logger,
      });
    }
    const app = new App({
      receiver,
      token: settings.botToken,
      botId: who.bot_id,
      botUserId: who.user_id,
      convoStore: false,
      logger,
      clientOptions,
    });
    this.#register(app);
    app.error(async (error) => {
      log.error({ err: error }, "Slack listener failed");
    });
    this.#app = app;
    // Before events flow, so no reaction arrives for a card the bot lost track of.
    await this.#o.desk.recoverPosts().catch((error: unknown) => {
      log.warn({ err: error }, "could not recover the approval cards");
    });
    if (settings.mode === "http") {
      this.#server = (await app.start({ port: settings.httpPort, host: settings.httpHost })) as Server;
      this.#connected = true;
      log.info({ address: this.address() }, "Slack HTTP mode listening on /slack/events");
    } else await app.start();
    log.info({ botUserId: who.user_id, team: who.team }, "Slack app started");
    // Counting reactions may wait for an announcement a stopped process still holds: not on the start's path.
    void this.#o.directory
      .syncGroups()
      .then(() => this.#o.desk.reconcile())
      .catch((error: unknown) => log.warn({ err: error }, "could not reconcile the approval cards"));
  }

  /** Stops taking requests, then finishes the work of those already acknowledged. */
  async stop(): Promise<void> {
    this.#connected = false;
    await this.#app?.stop();
    this.#app = undefined;
    await this.#afterAck.settled();
  }

  /** Resolves once the work of every request acknowledged so far is done. */
  settled(): Promise<void> {
    return this.#afterAck.settled();
  }

  #language(userId: string): Language {
    return this.#o.surface.languageOf(userId);
  }

  #say(outcome: CommandOutcome, language: Language): string | undefined {
    if (outcome.kind === "ignored") return undefined;
    return escapeSlack(
      outcome.kind === "error" ? `⚠️ ${pick(outcome.message, language)}` : pick(outcome.message, language),
    );
  }

  /** A card button: the core decides; a missing reason or text opens the form for it. */
  async #act(
    action: ApprovalAction,
    body: { user: { id: string }; channel?: { id: string } | undefined; trigger_id?: string | undefined },
    respond: (text: string) => Promise<unknown>,
  ): Promise<void> {
    const channel = body.channel?.id ?? this.#o.settings.approvalChannel;
    const language = this.#language(body.user.id);
    const outcome = await this.#o.desk.act(body.user.id, channel, action);
    if (outcome.kind === "needs_reason" || outcome.kind === "needs_text") {
      const kind = outcome.kind === "needs_text" ? "edit" : outcome.action;
      const origin = { channel, id: outcome.id, version: outcome.version };
      await this.client.views.open({
        trigger_id: body.trigger_id ?? "",
        view: reasonView(kind, language, origin, outcome.kind === "needs_text" ? outcome.text : "") as never,
      });
      return;
    }
    const text = this.#say(outcome, language);
    if (text) await respond(text);
  }

  #actor(userId: string) {
    return { platform: SLACK_PLATFORM, userId };
  }

  /** Queues the work after the ack (see AfterAck); a failure is logged, never thrown into Bolt. */
  #after(what: string, work: () => Promise<void>): void {
    this.#afterAck.run(what, work);
  }

  /** Tells one person privately in a channel, or by direct message where the bot cannot post there. */
  async #tellPrivately(channel: string, user: string, text: string): Promise<void> {
    try {
      await this.#o.poster.ephemeral(channel, user, text);
    } catch {
      await this.#o.poster.post({ channel: user, text });
    }
  }

  #register(app: App): void {
    app.command(/.*/, async ({ body, ack }) => {
      await ack();
      const parsed = SlashCommandSchema.safeParse(body);
      if (!parsed.success) {
        this.#o.log.warn({ issues: parsed.error.issues.length }, "slash command with an unexpected shape ignored");
        return;
      }
      const command = parsed.data;
      const language = this.#language(command.user_id);
      if (!command.text.trim()) {
        this.#after("compose form", async () => {
          await this.client.views.open({
            trigger_id: command.trigger_id,
            view: composeView(this.#o.policy, language, { channel: command.channel_id }, "", this.#outlets()) as never,
          });
        });
        return;
      }
      this.#after("slash command", async () => {
        await this.#o.directory.learnMentions(command.text);
        const typed = slackToWhatsApp(command.text, this.#o.directory);
        const outcome = typed.ok
          ? await this.#o.handle({
              kind: "text",
              actor: this.#actor(command.user_id),
              origin: { platform: SLACK_PLATFORM, room: command.channel_id },
              text: typed.value,
            })
          : failed(typed.error);
        const text = this.#say(outcome, language);
        if (text) await this.#o.calls.respond(command.response_url, { response_type: "ephemeral", text });
      });
    });

    // Bolt acknowledges events before it calls their listeners.
    const onReaction = async ({ body, event }: { body: unknown; event: unknown }) => {
      const envelope = EventEnvelopeSchema.safeParse(body);
      const parsed = ReactionEventSchema.safeParse(event);
      if (!envelope.success || !parsed.success) return;
      const reaction = parsed.data;
      const { channel, ts } = reaction.item;
      if (reaction.item.type !== "message" || !channel || !ts) return;
      this.#after("reaction", () =>
        this.#o.desk.reaction({
          eventId: envelope.data.event_id,
          room: channel,
          postId: ts,
          user: reaction.user,
          key: reaction.reaction,
          removed: reaction.type === "reaction_removed",
        }),
      );
    };
    app.event("reaction_added", onReaction);
    app.event("reaction_removed", onReaction);
    for (const name of ["subteam_members_changed", "subteam_updated"] as const) {
      app.event(name, async () => {
        this.#after(name, () => this.#o.directory.syncGroups());
      });
    }

    const buttons = {
      approve: (id: AnnouncementId, version: number): ApprovalAction => ({ command: "approve", id, version }),
      reject: (id: AnnouncementId, version: number): ApprovalAction => ({ command: "reject", id, version }),
      withdraw: (id: AnnouncementId): ApprovalAction => ({ command: "withdraw", id }),
      edit: (id: AnnouncementId): ApprovalAction => ({ command: "edit", id }),
      posted: (id: AnnouncementId, _version: number, outlet?: string): ApprovalAction => ({
        command: "posted",
        id,
        ...(outlet ? { outlet } : {}),
      }),
    } as const;
    for (const [kind, action] of Object.entries(buttons)) {
      app.action(ACTIONS[kind as keyof typeof buttons], async ({ body, ack, respond }) => {
        await ack();
        this.#after(`${kind} button`, async () => {
          const pressed = BlockActionSchema.parse(body);
          const card = parseCardValue(pressed.actions[0]?.value);
          if (!card) return;
          await this.#act(action(card.id, card.version, card.outlet), pressed, (text) =>
            respond({ response_type: "ephemeral", replace_original: false, text }),
          );
        });
      });
    }

    // A relay card's buttons are its commands (`relay W-0007`, `dismiss W-0007`): one path for every chat.
    for (const [command, actionId] of Object.entries(WARNING_ACTIONS)) {
      app.action(actionId, async ({ body, ack, respond }) => {
        await ack();
        this.#after(`warning ${command} button`, async () => {
          const pressed = BlockActionSchema.parse(body);
          const handle = parseWarningValue(pressed.actions[0]?.value);
          if (!handle) return;
          const channel = pressed.channel?.id ?? this.#o.settings.approvalChannel;
          const outcome = await this.#o.handle({
            kind: "text",
            actor: this.#actor(pressed.user.id),
            origin: { platform: SLACK_PLATFORM, room: channel },
            text: `${command} ${handle}`,
          });
          const text = this.#say(outcome, this.#language(pressed.user.id));
          if (text) await respond({ response_type: "ephemeral", replace_original: false, text });
        });
      });
    }

    app.shortcut(SHORTCUT, async ({ body, ack }) => {
      await ack();
      this.#after("message shortcut", async () => {
        const shortcut = MessageActionSchema.parse(body);
        const file = shortcut.message.files?.[0];
        const url = file?.url_private_download ?? file?.url_private;
        const origin: FormOrigin = {
          channel: shortcut.channel.id,
          thread: shortcut.message.thread_ts ?? shortcut.message.ts,
          ...(file && url ? { file: { id: file.id, name: file.name, mimetype: file.mimetype, url } } : {}),
        };
        const language = this.#language(shortcut.user.id);
        const text = slackToWhatsApp(shortcut.message.text, this.#o.directory);
        if (!text.ok) {
          await this.#tellPrivately(
            shortcut.channel.id,
            shortcut.user.id,
            this.#say(failed(text.error), language) ?? "",
          );
          return;
        }
        await this.client.views.open({
          trigger_id: shortcut.trigger_id,
          view: composeView(this.#o.policy, language, origin, text.value.slice(0, 3000), this.#outlets()) as never,
        });
      });
    });

    app.view(VIEWS.compose, async ({ body, ack }) => {
      const submission = ViewSubmissionSchema.parse(body);
      const language = this.#language(submission.user.id);
      const composed = composeCommand(submission.view, this.#o.clock.now(), this.#o.policy.timezone, language);
      if (!composed.ok) {
        await ack({ response_action: "errors", errors: composed.errors });
        return;
      }
      await ack();
      this.#after("compose form", () => this.#submitCompose(submission, composed.value, language));
    });

    for (const kind of ["reject", "withdraw", "edit"] as const) {
      app.view(VIEWS[kind], async ({ body, ack }) => {
        const submission = ViewSubmissionSchema.parse(body);
        const reason = inputValue(submission.view, "reason")?.trim();
        if (!reason) {
          const language = this.#language(submission.user.id);
          await ack({
            response_action: "errors",
            errors: { reason: language === "de" ? "Bitte ausfüllen." : "Please fill in." },
          });
          return;
        }
        await ack();
        this.#after(`${kind} form`, async () => {
          const origin = JSON.parse(submission.view.private_metadata) as FormOrigin & {
            id: AnnouncementId;
            version: number;
          };
          const action: ApprovalAction =
            kind === "reject"
              ? { command: "reject", id: origin.id, version: origin.version, reason }
              : kind === "withdraw"
                ? { command: "withdraw", id: origin.id, reason }
                : { command: "edit", id: origin.id, text: reason };
          const outcome = await this.#o.desk.act(submission.user.id, origin.channel, action);
          const said = this.#say(outcome, this.#language(submission.user.id));
          if (said) await this.#tellPrivately(origin.channel, submission.user.id, said);
        });
      });
    }
  }

  async #submitCompose(submission: ViewSubmission, composed: ComposedCommand, language: Language): Promise<void> {
    const origin = JSON.parse(submission.view.private_metadata || "{}") as FormOrigin;
    const user = submission.user.id;
    const channel = origin.channel || user;
    const tell = (text: string) => this.#tellPrivately(channel, user, text);
    const file =
      composed.file ??
      (origin.file
        ? {
            id: origin.file.id,
            name: origin.file.name,
            mimetype: origin.file.mimetype,
            url_private_download: origin.file.url,
          }
        : undefined);
    const attachments = [];
    if (file) {
      const downloaded = await downloadSlackFile(file, {
        token: this.#o.settings.botToken,
        extraHosts: [new URL(this.#o.settings.apiUrl).host],
      });
      const item = downloaded.ok
        ? await this.#o.intake({ ...downloaded.value, ...(composed.altText ? { altText: composed.altText } : {}) })
        : downloaded;
      if (!item.ok) {
        await tell(`⚠️ ${escapeSlack(pick(errorText(item.error), language))}${keptText(composed, language)}`);
        return;
      }
      attachments.push(item.value);
    }
    const outcome = await this.#o.handle({
      kind: "text",
      actor: this.#actor(user),
      origin: { platform: SLACK_PLATFORM, room: channel, ...(origin.thread ? { thread: origin.thread } : {}) },
      text: composed.text,
      ...(composed.body === undefined ? {} : { body: composed.body }),
      ...(attachments.length ? { attachments } : {}),
    });
    const said = this.#say(outcome, language);
    if (said) await tell(outcome.kind === "error" ? said + keptText(composed, language) : said);
  }
}

/** A refused form closes anyway, so the answer gives the typed text back. */
function keptText(composed: ComposedCommand, language: Language): string {
  const typed = [composed.body, composed.text].filter(Boolean).join("\n");
  if (!typed) return "";
  return `\n${language === "de" ? "Ihre Eingabe:" : "What you typed:"}\n\`\`\`\n${escapeSlack(revealInvisible(typed))}\n\`\`\``;
}
