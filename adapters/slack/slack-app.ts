import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type Logger as BoltLogger, type Receiver } from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { reactionMeaning } from "../../commands/dispatch.ts";
import type { CommandInput, CommandOutcome } from "../../commands/input.ts";
import { errorText, pick, type Localized } from "../../commands/messages.ts";
import {
  approvalsOfCurrentVersion,
  awaitsDecision,
  type Announcement,
  type AnnouncementId,
} from "../../src/announcement/announcement.ts";
import { canChange, isApproverFor, resolvePerson, type Language, type Policy } from "../../src/policy/policy.ts";
import type { Clock } from "../../src/ports/clock.ts";
import type { Logger } from "../../src/ports/logger.ts";
import type { Store } from "../../src/ports/store.ts";
import { KeyedMutex } from "../../src/util/keyed-mutex.ts";
import type { SlackSettings } from "../config/env.ts";
import { escapeSlack, slackToWhatsApp } from "../markup/slack.ts";
import type { MediaIntake } from "../media/intake.ts";
import { ACTIONS, composeView, parseCardValue, reasonView, SHORTCUT, VIEWS, type FormOrigin } from "./blocks.ts";
import { composeCommand, type ComposedCommand } from "./compose.ts";
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
import { SLACK_PLATFORM, type SlackChat } from "./slack-chat.ts";

export interface SlackAppOptions {
  settings: SlackSettings;
  policy: Policy;
  store: Store;
  clock: Clock;
  log: Logger;
  chat: SlackChat;
  poster: SlackPoster;
  directory: SlackDirectory;
  intake: MediaIntake;
  /** The command entry point (`dispatch` with its dependencies). */
  handle: (input: CommandInput) => Promise<CommandOutcome>;
  lookup: (id: AnnouncementId) => Promise<Announcement | undefined>;
  /** Announcements not yet settled, for re-reading their cards' reactions at start. */
  openIds: () => Promise<AnnouncementId[]>;
}

const ReactionsSchema = z.array(z.object({ name: z.string(), users: z.array(z.string()).default([]) }));

/** Slack may deliver an event twice; the first delivery wins for a day (slack.md §5). */
const EVENT_TTL_MS = 24 * 3_600_000;

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
  #botUserId = "";
  readonly #seenOrder = new KeyedMutex();

  constructor(options: SlackAppOptions, client: WebClient) {
    this.#o = options;
    this.client = client;
  }

  /** A Web API client aimed at `SLACK_API_URL`, with no retries of its own. */
  static client(settings: SlackSettings, log: Logger): WebClient {
    return new WebClient(settings.botToken, {
      slackApiUrl: settings.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: 15_000,
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

  async start(): Promise<void> {
    const { settings, log } = this.#o;
    const who = await this.client.auth.test().catch((error: unknown) => {
      throw new Error(
        `Slack refused the bot token (auth.test): ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    if (!who.user_id || !who.bot_id)
      throw new Error("auth.test did not name the bot user; is SLACK_BOT_TOKEN a bot token?");
    this.#botUserId = who.user_id;
    const logger = boltLogger(log.child({ module: "bolt" }));
    const clientOptions = { slackApiUrl: settings.apiUrl, retryConfig: { retries: 0 }, timeout: 15_000 };
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
    if (settings.mode === "http") {
      this.#server = (await app.start({ port: settings.httpPort, host: settings.httpHost })) as Server;
      this.#connected = true;
      log.info({ address: this.address() }, "Slack HTTP mode listening on /slack/events");
    } else await app.start();
    log.info({ botUserId: who.user_id, team: who.team }, "Slack app started");
    void this.#o.directory.syncGroups().then(() => this.#reconcile());
  }

  async stop(): Promise<void> {
    this.#connected = false;
    await this.#app?.stop();
    this.#app = undefined;
  }

  /**
   * Reactions can be lost while the bot is down or in a Slack incident (slack.md §4): the cards still
   * waiting for a decision are read again, and a ✅ the bot has not counted counts now, while an approval
   * given by reaction whose ✅ is gone is taken back.
   */
  async #reconcile(): Promise<void> {
    for (const id of await this.#o.openIds()) {
      const a = await this.#o.lookup(id);
      const card = await this.#o.chat.cards.get(id);
      if (!a || !card || !awaitsDecision(a)) continue;
      let reactions: z.infer<typeof ReactionsSchema>;
      try {
        const answer = await this.client.reactions.get({ channel: card.channel, timestamp: card.ts, full: true });
        reactions = ReactionsSchema.parse(answer.message?.reactions ?? []);
      } catch (error) {
        this.#o.log.warn(
          { id, error: error instanceof Error ? error.message : String(error) },
          "could not re-read a card's reactions",
        );
        continue;
      }
      const approving = new Set(reactions.filter((r) => reactionMeaning(r.name) === "approve").flatMap((r) => r.users));
      approving.delete(this.#botUserId);
      const origin = { platform: SLACK_PLATFORM, room: card.channel, thread: card.ts };
      const react = (user: string, removed: boolean) =>
        this.#o.handle({
          kind: "reaction",
          actor: this.#actor(user),
          origin,
          target: { id },
          reaction: "white_check_mark",
          ...(removed ? { removed: true } : {}),
        });
      // Withdrawn first, so a ✅ taken back never helps reach the quorum.
      for (const approval of approvalsOfCurrentVersion(a).filter((x) => x.via === "reaction")) {
        const ids = this.#o.policy.people.get(approval.by)?.identities[SLACK_PLATFORM] ?? [];
        const user = ids[0];
        if (user && !ids.some((u) => approving.has(u))) await react(user, true);
      }
      // Only a ✅ the bot never saw: one seen before may belong to an earlier version of the text.
      const seen = await this.#seenApprovals(id);
      for (const user of [...approving].filter((u) => !seen.has(u))) {
        await this.#markSeen(id, user, true);
        await react(user, false);
      }
    }
  }

  /** Who has a ✅ on the card that the bot has counted (or tried to), so a restart counts each one once. */
  async #seenApprovals(id: AnnouncementId): Promise<Set<string>> {
    const seen = await this.#o.store.getSetting(`slack-card-approvals:${id}`);
    return new Set(Array.isArray(seen) ? (seen as string[]) : []);
  }

  #markSeen(id: AnnouncementId, user: string, present: boolean): Promise<void> {
    return this.#seenOrder.run(id, async () => {
      const seen = await this.#seenApprovals(id);
      if (present) seen.add(user);
      else seen.delete(user);
      await this.#o.store.putSetting(`slack-card-approvals:${id}`, [...seen]);
    });
  }

  #language(userId: string): Language {
    return resolvePerson(this.#o.policy, SLACK_PLATFORM, userId)?.language ?? this.#o.policy.language;
  }

  #say(outcome: CommandOutcome, language: Language): string | undefined {
    if (outcome.kind === "ignored") return undefined;
    return escapeSlack(
      outcome.kind === "error" ? `⚠️ ${pick(outcome.message, language)}` : pick(outcome.message, language),
    );
  }

  #actor(userId: string) {
    return { platform: SLACK_PLATFORM, userId };
  }

  /** Runs the work after the ack; a failure is logged, never thrown into Bolt. */
  async #after(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.#o.log.error({ err: error, what }, "Slack request failed after its ack");
    }
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
    app.command(/.*/, async ({ body, ack, respond }) => {
      await ack();
      const parsed = SlashCommandSchema.safeParse(body);
      if (!parsed.success) {
        this.#o.log.warn({ issues: parsed.error.issues.length }, "slash command with an unexpected shape ignored");
        return;
      }
      const command = parsed.data;
      const language = this.#language(command.user_id);
      if (!command.text.trim()) {
        await this.#after("compose form", async () => {
          await this.client.views.open({
            trigger_id: command.trigger_id,
            view: composeView(this.#o.policy, language, { channel: command.channel_id }) as never,
          });
        });
        return;
      }
      await this.#after("slash command", async () => {
        await this.#o.directory.learnMentions(command.text);
        const outcome = await this.#o.handle({
          kind: "text",
          actor: this.#actor(command.user_id),
          origin: { platform: SLACK_PLATFORM, room: command.channel_id },
          text: slackToWhatsApp(command.text, this.#o.directory),
        });
        const text = this.#say(outcome, language);
        if (text) await respond({ response_type: "ephemeral", text });
      });
    });

    const onReaction = async ({ body, event }: { body: unknown; event: unknown }) => {
      const envelope = EventEnvelopeSchema.safeParse(body);
      const parsed = ReactionEventSchema.safeParse(event);
      if (!envelope.success || !parsed.success) return;
      const reaction = parsed.data;
      const { channel, ts } = reaction.item;
      if (reaction.item.type !== "message" || !channel || !ts || reaction.user === this.#botUserId) return;
      if (!(await this.#o.store.claimOnce(`slack-event:${envelope.data.event_id}`, EVENT_TTL_MS))) {
        this.#o.log.debug({ eventId: envelope.data.event_id }, "Slack event seen before; skipped");
        return;
      }
      const id = await this.#o.chat.cards.byKey(`${channel}:${ts}`);
      if (!id) return;
      if (reactionMeaning(reaction.reaction) === "approve") {
        await this.#markSeen(id, reaction.user, reaction.type === "reaction_added");
      }
      const outcome = await this.#o.handle({
        kind: "reaction",
        actor: this.#actor(reaction.user),
        origin: { platform: SLACK_PLATFORM, room: channel, thread: ts },
        target: { id },
        reaction: reaction.reaction,
        ...(reaction.type === "reaction_removed" ? { removed: true } : {}),
      });
      const text = this.#say(outcome, this.#language(reaction.user));
      if (text) await this.#tellPrivately(channel, reaction.user, text);
    };
    app.event("reaction_added", onReaction);
    app.event("reaction_removed", onReaction);
    for (const name of ["subteam_members_changed", "subteam_updated"] as const) {
      app.event(name, async () => {
        await this.#o.directory.syncGroups();
      });
    }

    /** Buttons that are a command: Approve on the card, "Posted on WhatsApp" under the hand-off. */
    const commandButtons = [
      { action: ACTIONS.approve, command: (id: string, v: number) => `approve ${id} v${v}`, via: "button" as const },
      { action: ACTIONS.posted, command: (id: string) => `posted ${id}` },
    ];
    for (const button of commandButtons) {
      app.action(button.action, async ({ body, ack, respond }) => {
        await ack();
        await this.#after(button.action, async () => {
          const action = BlockActionSchema.parse(body);
          const card = parseCardValue(action.actions[0]?.value);
          if (!card) return;
          const outcome = await this.#o.handle({
            kind: "text",
            actor: this.#actor(action.user.id),
            origin: { platform: SLACK_PLATFORM, room: action.channel?.id ?? this.#o.settings.approvalChannel },
            text: button.command(card.id, card.version),
            ...(button.via ? { via: button.via } : {}),
          });
          const text = this.#say(outcome, this.#language(action.user.id));
          if (text) await respond({ response_type: "ephemeral", replace_original: false, text });
        });
      });
    }

    for (const kind of ["reject", "withdraw", "edit"] as const) {
      app.action(ACTIONS[kind], async ({ body, ack, respond }) => {
        await ack();
        await this.#after(`${kind} button`, async () => {
          const action = BlockActionSchema.parse(body);
          const card = parseCardValue(action.actions[0]?.value);
          if (!card) return;
          const language = this.#language(action.user.id);
          const a = await this.#o.lookup(card.id);
          const refusal = a && this.#mayNot(kind, action.user.id, a);
          if (!a || refusal) {
            const message = refusal ?? errorText({ code: "NOT_FOUND", params: { id: card.id } });
            await respond({
              response_type: "ephemeral",
              replace_original: false,
              text: `⚠️ ${escapeSlack(pick(message, language))}`,
            });
            return;
          }
          const origin = {
            channel: action.channel?.id ?? this.#o.settings.approvalChannel,
            id: card.id,
            version: card.version,
          };
          const current = a.versions.at(-1)?.content.text ?? "";
          await this.client.views.open({
            trigger_id: action.trigger_id,
            view: reasonView(kind, language, origin, kind === "edit" ? current : "") as never,
          });
        });
      });
    }

    app.shortcut(SHORTCUT, async ({ body, ack }) => {
      await ack();
      await this.#after("message shortcut", async () => {
        const shortcut = MessageActionSchema.parse(body);
        const file = shortcut.message.files?.[0];
        const url = file?.url_private_download ?? file?.url_private;
        const origin: FormOrigin = {
          channel: shortcut.channel.id,
          thread: shortcut.message.thread_ts ?? shortcut.message.ts,
          ...(file && url ? { file: { id: file.id, name: file.name, mimetype: file.mimetype, url } } : {}),
        };
        const text = slackToWhatsApp(shortcut.message.text, this.#o.directory);
        await this.client.views.open({
          trigger_id: shortcut.trigger_id,
          view: composeView(this.#o.policy, this.#language(shortcut.user.id), origin, text.slice(0, 3000)) as never,
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
      await this.#after("compose form", () => this.#submitCompose(submission, composed.value, language));
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
        await this.#after(`${kind} form`, async () => {
          const origin = JSON.parse(submission.view.private_metadata) as FormOrigin & {
            id: AnnouncementId;
            version: number;
          };
          const text =
            kind === "reject"
              ? `reject ${origin.id} v${origin.version} ${reason}`
              : kind === "withdraw"
                ? `withdraw ${origin.id} ${reason}`
                : `edit ${origin.id}`;
          const outcome = await this.#o.handle({
            kind: "text",
            actor: this.#actor(submission.user.id),
            origin: { platform: SLACK_PLATFORM, room: origin.channel },
            text,
            ...(kind === "edit" ? { body: reason } : {}),
          });
          const said = this.#say(outcome, this.#language(submission.user.id));
          if (said) await this.#tellPrivately(origin.channel, submission.user.id, said);
        });
      });
    }
  }

  /** Why a button must not open its form for this person; undefined when it may. */
  #mayNot(kind: "reject" | "withdraw" | "edit", userId: string, a: Announcement): Localized | undefined {
    const person = resolvePerson(this.#o.policy, SLACK_PLATFORM, userId);
    if (!person) return errorText({ code: "UNKNOWN_PERSON", params: {} });
    if (kind === "reject") {
      const requester = a.change?.requestedBy ?? a.author;
      if (!isApproverFor(this.#o.policy, person.id, a.category)) {
        return errorText({ code: "NOT_AN_APPROVER", params: { id: a.id, category: a.category } });
      }
      if (requester === person.id) return errorText({ code: "SELF_REJECTION", params: { id: a.id } });
      return undefined;
    }
    return canChange(this.#o.policy, person.id, a)
      ? undefined
      : errorText({ code: "NOT_ALLOWED_TO_CHANGE", params: { id: a.id } });
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
  return `\n${language === "de" ? "Ihre Eingabe:" : "What you typed:"}\n\`\`\`\n${escapeSlack(typed)}\n\`\`\``;
}
