/**
 * Users acting through the Discord client: INTERACTION_CREATE for slash commands (type 2) and button
 * clicks (type 3), carrying everything discord.js requires (entitlements, authorizing_integration_owners).
 */
import type { FakeContext } from './context.ts';
import { buildOptions, type OptionValue } from './command-options.ts';
import { uploadForCommand } from './command-uploads.ts';
import { findComponents } from './message-payload.ts';
import { channelPermissions } from './permissions.ts';
import type { InteractionRecord, MessageRecord } from './records.ts';
import { apiChannel, apiInteractionMember, apiMessage } from './serialize.ts';
import { nextSnowflake, randomToken } from './snowflake.ts';

export interface SlashCommandSpec {
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly name: string;
  readonly subcommandGroup?: string;
  readonly subcommand?: string;
  readonly options?: Readonly<Record<string, OptionValue>>;
}

/** Ids for commands used without being registered, stable per name like real command ids. */
const unregisteredIds = new Map<string, string>();

export function dispatchSlashCommand(context: FakeContext, spec: SlashCommandSpec): InteractionRecord {
  const { world } = context;
  const registered =
    world.commands.find((c) => c.guildId === spec.guildId && c.definition.name === spec.name && (c.definition.type ?? 1) === 1) ??
    world.commands.find((c) => c.guildId === null && c.definition.name === spec.name && (c.definition.type ?? 1) === 1);
  const built = buildOptions(world, spec.guildId, {
    commandName: spec.name,
    declared: registered ? ((registered.definition.options as never) ?? []) : undefined,
    subcommandGroup: spec.subcommandGroup,
    subcommand: spec.subcommand,
    values: spec.options ?? {},
    upload: (file) => uploadForCommand(context, spec.channelId, file),
  });
  const commandId = registered?.id ?? unregisteredIds.get(spec.name) ?? nextSnowflake();
  unregisteredIds.set(spec.name, commandId);
  return dispatchInteraction(context, {
    type: 2,
    guildId: spec.guildId,
    channelId: spec.channelId,
    userId: spec.userId,
    commandName: spec.name,
    data: {
      id: commandId,
      name: spec.name,
      type: 1,
      ...(registered?.guildId ? { guild_id: registered.guildId } : {}),
      ...(built.options.length > 0 ? { options: built.options } : {}),
      ...(built.resolved ? { resolved: built.resolved } : {}),
    },
  });
}

/**
 * A click on a button of `message`; throws when no enabled button with that custom_id is on it,
 * unless `forged` (a modified client sending any custom_id).
 */
export function dispatchButtonClick(
  context: FakeContext,
  message: MessageRecord,
  customId: string,
  userId: string,
  options: { forged?: boolean } = {},
): InteractionRecord {
  if (message.deletedAt !== null) throw new Error(`message ${message.id} was deleted; its buttons cannot be clicked`);
  const buttons = findComponents(message.components, (c) => c.type === 2);
  const button = buttons.find((b) => b.custom_id === customId);
  if (!button && !options.forged) {
    const present = buttons.map((b) => String(b.custom_id ?? b.url)).join(', ') || 'none';
    throw new Error(`message ${message.id} has no button "${customId}" (buttons: ${present})`);
  }
  if (button?.disabled === true) throw new Error(`button "${customId}" on message ${message.id} is disabled`);
  return dispatchInteraction(context, {
    type: 3,
    guildId: message.guildId,
    channelId: message.channelId,
    userId,
    customId,
    sourceMessage: message,
    data: { component_type: 2, custom_id: customId },
  });
}

/** A modal shown in answer to an interaction (callback type 9), as the bot sent it. */
export interface ModalSpec {
  custom_id: string;
  title: string;
  components: Array<{ type: number; components: Array<{ type: number; custom_id: string; value?: string }> }>;
}

/**
 * The user submits the modal `source` answered with: INTERACTION_CREATE type 5 carrying the modal's
 * custom_id and each text input's value (the prefilled one unless `values` names it). A modal
 * opened from a button carries that button's message, as Discord's does.
 */
export function dispatchModalSubmit(context: FakeContext, source: InteractionRecord, values: Readonly<Record<string, string>>): InteractionRecord {
  if (source.callback?.type !== 9) throw new Error(`interaction ${source.id} was not answered with a modal (callback: ${source.callback?.type ?? 'none'})`);
  const modal = source.callback.data as ModalSpec;
  const inputs = modal.components.map((row) => row.components[0]);
  for (const name of Object.keys(values)) {
    if (!inputs.some((i) => i.custom_id === name)) throw new Error(`the modal "${modal.custom_id}" has no text input "${name}" (inputs: ${inputs.map((i) => i.custom_id).join(', ')})`);
  }
  const message = source.sourceMessageId ? context.world.message(source.sourceMessageId) : undefined;
  return dispatchInteraction(context, {
    type: 5,
    guildId: source.guildId,
    channelId: source.channelId,
    userId: source.userId,
    customId: modal.custom_id,
    sourceMessage: message,
    data: {
      custom_id: modal.custom_id,
      components: inputs.map((input) => ({ type: 1, components: [{ type: 4, custom_id: input.custom_id, value: values[input.custom_id] ?? input.value ?? '' }] })),
    },
  });
}

interface InteractionSpec {
  readonly type: number;
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly data: Record<string, unknown>;
  readonly commandName?: string;
  readonly customId?: string;
  readonly sourceMessage?: MessageRecord;
}

function dispatchInteraction(context: FakeContext, spec: InteractionSpec): InteractionRecord {
  const { world, settings } = context;
  if (context.gateway.connectedSessions === 0) {
    throw new Error('no bot is connected to the fake gateway: log the client in and await its ready event first');
  }
  const channel = world.channel(spec.channelId);
  const member = apiInteractionMember(world, spec.guildId, spec.userId, channel.id);
  const id = nextSnowflake();
  // Shaped like Discord's: base64 of "interaction:<id>:" followed by a secret, all url-safe.
  const token = Buffer.from(`interaction:${id}:`).toString('base64url') + randomToken();
  const payload: Record<string, unknown> = {
    id,
    application_id: world.applicationId,
    type: spec.type,
    token,
    version: 1,
    data: spec.data,
    guild: { id: spec.guildId, locale: 'en-US', features: [] },
    guild_id: spec.guildId,
    guild_locale: 'en-US',
    channel: { ...apiChannel(world, channel), permissions: member.permissions },
    channel_id: channel.id,
    member,
    locale: 'en-US',
    // The bot's permissions in this channel, overwrites included: what it may do there with its own token.
    app_permissions: channelPermissions(world, channel.id, world.botUserId).toString(),
    entitlements: [],
    authorizing_integration_owners: { '0': spec.guildId },
    context: 0,
    attachment_size_limit: settings.uploadLimitBytes,
    ...(spec.sourceMessage ? { message: apiMessage(world, spec.sourceMessage) } : {}),
  };
  const now = settings.now();
  const record: InteractionRecord = {
    id,
    token,
    type: spec.type,
    guildId: spec.guildId,
    channelId: channel.id,
    userId: spec.userId,
    commandName: spec.commandName ?? null,
    customId: spec.customId ?? null,
    sourceMessageId: spec.sourceMessage?.id ?? null,
    createdAt: now,
    expiresAt: now + settings.tokenLifetimeMs,
    callback: null,
    originalMessageId: null,
    followupIds: [],
    payload,
  };
  world.interactions.set(token, record);
  context.gateway.dispatch('INTERACTION_CREATE', payload);
  return record;
}
