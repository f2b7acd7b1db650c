import { z } from "zod";

/** Slack user ids start with U, or W for Enterprise Grid org users (slack.md §10). */
const UserId = z.string().regex(/^[UW][A-Z0-9]+$/);
const ChannelId = z.string().regex(/^[CGD][A-Z0-9]+$/);

export const SlashCommandSchema = z.object({
  command: z.string(),
  text: z.string().default(""),
  user_id: UserId,
  channel_id: ChannelId,
  trigger_id: z.string().min(1),
  response_url: z.url({ protocol: /^https?$/ }),
});
export type SlashCommand = z.infer<typeof SlashCommandSchema>;

export const ReactionEventSchema = z.object({
  type: z.enum(["reaction_added", "reaction_removed"]),
  user: UserId,
  reaction: z.string().min(1),
  item_user: z.string().optional(),
  item: z.object({ type: z.string(), channel: z.string().optional(), ts: z.string().optional() }),
});
export type ReactionEvent = z.infer<typeof ReactionEventSchema>;

export const EventEnvelopeSchema = z.object({ event_id: z.string().min(1) });

/** A file as Slack describes it in messages and in `file_input` values. */
export const SlackFileSchema = z.object({
  id: z.string(),
  name: z.string().default("file"),
  mimetype: z.string().default("application/octet-stream"),
  size: z.number().int().nonnegative().optional(),
  url_private_download: z.string().optional(),
  url_private: z.string().optional(),
});
export type SlackFile = z.infer<typeof SlackFileSchema>;

export const BlockActionSchema = z.object({
  type: z.literal("block_actions"),
  user: z.object({ id: UserId }),
  trigger_id: z.string().min(1),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).min(1),
});
export type BlockAction = z.infer<typeof BlockActionSchema>;

export const MessageActionSchema = z.object({
  type: z.literal("message_action"),
  trigger_id: z.string().min(1),
  user: z.object({ id: UserId }),
  channel: z.object({ id: z.string() }),
  message: z.object({
    ts: z.string(),
    thread_ts: z.string().optional(),
    text: z.string().default(""),
    files: z.array(SlackFileSchema).optional(),
  }),
});
export type MessageAction = z.infer<typeof MessageActionSchema>;

export const ViewSubmissionSchema = z.object({
  type: z.literal("view_submission"),
  user: z.object({ id: UserId }),
  view: z.object({
    callback_id: z.string(),
    private_metadata: z.string().default(""),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.unknown())) }),
  }),
});
export type ViewSubmission = z.infer<typeof ViewSubmissionSchema>;

/** The value of one input in a submitted form, by block id and action id (both the same here). */
export function fieldOf(view: ViewSubmission["view"], id: string): unknown {
  return view.state.values[id]?.[id];
}

const FieldSchema = z.object({
  value: z.string().nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
  selected_date: z.string().nullish(),
  selected_time: z.string().nullish(),
  selected_options: z.array(z.object({ value: z.string() })).nullish(),
  files: z.array(SlackFileSchema).nullish(),
});

/** Reads a submitted input's value, whatever element it was; absent and empty are both undefined. */
export function inputValue(view: ViewSubmission["view"], id: string): string | undefined {
  const parsed = FieldSchema.safeParse(fieldOf(view, id));
  if (!parsed.success) return undefined;
  const f = parsed.data;
  const value = f.value ?? f.selected_option?.value ?? f.selected_date ?? f.selected_time ?? undefined;
  return value === undefined || value.trim() === "" ? undefined : value;
}

export function checkedValues(view: ViewSubmission["view"], id: string): string[] {
  const parsed = FieldSchema.safeParse(fieldOf(view, id));
  return parsed.success ? (parsed.data.selected_options ?? []).map((o) => o.value) : [];
}

export function filesOf(view: ViewSubmission["view"], id: string): SlackFile[] {
  const parsed = FieldSchema.safeParse(fieldOf(view, id));
  return parsed.success ? (parsed.data.files ?? []) : [];
}
