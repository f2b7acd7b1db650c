import { randomBytes } from "node:crypto";

/**
 * Builders for the inbound Slack payloads of slack.md §2–§4, as Bolt receives them (Socket Mode `payload`, HTTP
 * body). Ids (`event_id`, `trigger_id`, `action_ts`, …) are unique per call.
 *
 * `payloadsFor(context)` binds the builders to one workspace and one base URL for `response_url`s; `FakeSlack`
 * exposes a bound set as `fake.payloads` (response URLs on the fake, hooks that keep the fake's state in step).
 * `payloads` is an unbound set with Slack's real hosts, for tests without a fake.
 */
export interface PayloadContext {
  /** Prefix of `response_url`s, no trailing slash: `https://hooks.slack.com`, or `http://127.0.0.1:PORT/hooks`. */
  hooksUrl: string;
  appId: string;
  teamId: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  /** The current state of a message the fake knows (for `block_actions.message`). */
  findMessage?: (channel: string, ts: string) => KnownMessage | undefined;
  /** A view the fake has opened (for `view_submission.view`). */
  findView?: (id: string) => Record<string, unknown> | undefined;
  /** Called when a payload implies that a message exists in Slack (message shortcut). */
  onMessage?: (channel: string, message: ShortcutMessage) => void;
  /** Called when a reaction event implies that Slack's reaction set changed. */
  onReaction?: (change: "added" | "removed", channel: string, ts: string, name: string, user: string) => void;
}

export interface KnownMessage {
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  blocks?: unknown[];
  thread_ts?: string;
}

export interface SlashCommandPayload {
  token: string;
  command: string;
  text: string;
  response_url: string;
  trigger_id: string;
  user_id: string;
  user_name: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  api_app_id: string;
  is_enterprise_install: "true" | "false";
  enterprise_id?: string;
  enterprise_name?: string;
}

export interface ReactionEventInput {
  type: "reaction_added" | "reaction_removed";
  user: string;
  reaction: string;
  channel: string;
  ts: string;
  eventId?: string;
  /** Author of the reacted-to message; default the bot user; `null` leaves `item_user` out (webhook posts). */
  itemUser?: string | null;
}

export interface ReactionEventBody {
  token: string;
  team_id: string;
  api_app_id: string;
  event: {
    type: "reaction_added" | "reaction_removed";
    user: string;
    reaction: string;
    item_user?: string;
    item: { type: "message"; channel: string; ts: string };
    event_ts: string;
  };
  type: "event_callback";
  event_id: string;
  event_time: number;
  authorizations: {
    enterprise_id: null;
    team_id: string;
    user_id: string;
    is_bot: boolean;
    is_enterprise_install: boolean;
  }[];
  authed_users: string[];
  is_ext_shared_channel: boolean;
  event_context: string;
}

export interface BlockActionInput {
  user: string;
  channel: string;
  messageTs: string;
  actionId: string;
  value: string;
  blockId?: string;
  /** Set when the card is a thread reply. */
  threadTs?: string;
}

export interface ShortcutMessage {
  user: string;
  ts: string;
  thread_ts?: string;
  text: string;
}

export interface MessageActionInput {
  user: string;
  channel: string;
  message: ShortcutMessage;
  callbackId: string;
}

export interface ViewSubmissionInput {
  user: string;
  callbackId: string;
  privateMetadata: string;
  /** `view.state.values`: `{ [block_id]: { [action_id]: { type, value | selected_option | files | … } } }`. */
  values: Record<string, Record<string, unknown>>;
  viewId?: string;
}

type SlashCommandInput = Partial<SlashCommandPayload> & Pick<SlashCommandPayload, "text" | "user_id" | "channel_id">;

export interface SlackPayloads {
  slashCommand(input: SlashCommandInput): SlashCommandPayload;
  reactionEvent(input: ReactionEventInput): ReactionEventBody;
  blockAction(input: BlockActionInput): Record<string, unknown> & { type: "block_actions"; trigger_id: string };
  messageAction(input: MessageActionInput): Record<string, unknown> & { type: "message_action"; trigger_id: string };
  viewSubmission(input: ViewSubmissionInput): Record<string, unknown> & { type: "view_submission"; trigger_id: string };
}

const KNOWN_USER_NAMES: Record<string, string> = { U0CLERK01: "clerk.meier", U0DEPTHEAD: "dept.head" };
const KNOWN_CHANNEL_NAMES: Record<string, string> = { C0PRESSDESK: "press-desk", C0APPROVALS: "approvals" };
const userName = (id: string) => KNOWN_USER_NAMES[id] ?? id.toLowerCase();
const channelName = (id: string) => KNOWN_CHANNEL_NAMES[id] ?? id.toLowerCase();

let counter = 0;
const next = () => ++counter;
const hex = (bytes: number) => randomBytes(bytes).toString("hex");
/** A Slack timestamp `"<10 digits>.<6 digits>"` for now, unique per call. */
const nowTs = () => `${Math.floor(Date.now() / 1000)}.${String(next() % 1_000_000).padStart(6, "0")}`;
const triggerId = () => `${1_000_000_000 + next()}.${1_000_000_000 + next()}.${hex(16)}`;

export function payloadsFor(context: PayloadContext): SlackPayloads {
  const { hooksUrl, appId, teamId, teamDomain, botUserId, botId } = context;
  const responseUrl = (kind: "commands" | "actions") => `${hooksUrl}/${kind}/${teamId}/${next()}/${hex(12)}`;
  const team = { id: teamId, domain: teamDomain };
  const user = (id: string) => ({ id, username: userName(id), name: userName(id), team_id: teamId });

  return {
    slashCommand(input) {
      return {
        token: "fake-verification-token",
        command: "/announce",
        response_url: responseUrl("commands"),
        trigger_id: triggerId(),
        user_name: userName(input.user_id),
        team_id: teamId,
        team_domain: teamDomain,
        channel_name: channelName(input.channel_id),
        api_app_id: appId,
        is_enterprise_install: "false",
        ...input,
      };
    },

    reactionEvent({ type, user, reaction, channel, ts, eventId, itemUser }) {
      const eventTs = nowTs();
      context.onReaction?.(type === "reaction_added" ? "added" : "removed", channel, ts, reaction, user);
      const author = itemUser === undefined ? botUserId : itemUser;
      return {
        token: "fake-verification-token",
        team_id: teamId,
        api_app_id: appId,
        event: {
          type,
          user,
          reaction,
          ...(author === null ? {} : { item_user: author }),
          item: { type: "message", channel, ts },
          event_ts: eventTs,
        },
        type: "event_callback",
        event_id: eventId ?? `Ev0${next().toString(36).toUpperCase().padStart(9, "0")}`,
        event_time: Number(eventTs.split(".")[0]),
        authorizations: [
          { enterprise_id: null, team_id: teamId, user_id: botUserId, is_bot: true, is_enterprise_install: false },
        ],
        authed_users: [botUserId],
        is_ext_shared_channel: false,
        event_context: `4-${Buffer.from(`${teamId}:${channel}:${next()}`).toString("base64url")}`,
      };
    },

    blockAction({ user: userId, channel, messageTs, actionId, value, blockId, threadTs }) {
      const known = context.findMessage?.(channel, messageTs);
      const thread = threadTs ?? known?.thread_ts;
      return {
        type: "block_actions",
        user: user(userId),
        api_app_id: appId,
        token: "fake-verification-token",
        container: {
          type: "message",
          message_ts: messageTs,
          channel_id: channel,
          is_ephemeral: false,
          ...(thread === undefined ? {} : { thread_ts: thread }),
        },
        trigger_id: triggerId(),
        team,
        enterprise: null,
        is_enterprise_install: false,
        channel: { id: channel, name: channelName(channel) },
        message: {
          type: "message",
          user: known?.user ?? botUserId,
          bot_id: known ? known.bot_id : botId,
          ts: messageTs,
          text: known?.text ?? "",
          blocks: known?.blocks ?? [],
          ...(thread === undefined ? {} : { thread_ts: thread }),
          team: teamId,
        },
        state: { values: {} },
        response_url: responseUrl("actions"),
        actions: [
          {
            action_id: actionId,
            block_id: blockId ?? `b${next()}`,
            text: { type: "plain_text", text: actionId, emoji: true },
            value,
            type: "button",
            action_ts: nowTs(),
          },
        ],
      };
    },

    messageAction({ user: userId, channel, message, callbackId }) {
      context.onMessage?.(channel, message);
      return {
        type: "message_action",
        token: "fake-verification-token",
        action_ts: nowTs(),
        team,
        user: user(userId),
        channel: { id: channel, name: channelName(channel) },
        is_enterprise_install: false,
        enterprise: null,
        callback_id: callbackId,
        trigger_id: triggerId(),
        response_url: responseUrl("actions"),
        message_ts: message.ts,
        message: { type: "message", ...message, team: teamId },
      };
    },

    viewSubmission({ user: userId, callbackId, privateMetadata, values, viewId }) {
      const id = viewId ?? `V0${next().toString(36).toUpperCase().padStart(8, "0")}`;
      const known = context.findView?.(id);
      return {
        type: "view_submission",
        team,
        user: user(userId),
        api_app_id: appId,
        token: "fake-verification-token",
        trigger_id: triggerId(),
        view: {
          type: "modal",
          blocks: [],
          hash: `${Math.floor(Date.now() / 1000)}.${hex(4)}`,
          title: { type: "plain_text", text: "amtsbote", emoji: true },
          clear_on_close: false,
          notify_on_close: false,
          close: null,
          submit: { type: "plain_text", text: "Submit", emoji: true },
          previous_view_id: null,
          root_view_id: id,
          external_id: "",
          ...known,
          id,
          team_id: teamId,
          private_metadata: privateMetadata,
          callback_id: callbackId,
          state: { values },
          app_id: appId,
          app_installed_team_id: teamId,
          bot_id: botId,
        },
        response_urls: [],
        is_enterprise_install: false,
        enterprise: null,
      };
    },
  };
}

/** Builders with Slack's real hosts in `response_url` and the default workspace; no fake behind them. */
export const payloads: SlackPayloads = payloadsFor({
  hooksUrl: "https://hooks.slack.com",
  appId: "A0AMTSBOTE",
  teamId: "T0TOWNHALL",
  teamDomain: "townhall",
  botUserId: "U0BOTUSER",
  botId: "B0AMTSBOTE",
});
