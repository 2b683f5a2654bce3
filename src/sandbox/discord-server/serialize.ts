/** Records → Discord API JSON, shaped by discord-api-types so the payloads stay complete as the types evolve. */
import {
  ChannelType,
  type APIAttachment,
  type APITextChannel,
  type APIEmbed,
  type APIGuildMember,
  type APIInteractionGuildMember,
  type APIMessage,
  type APIMessageTopLevelComponent,
  type APIRole,
  type APIUser,
  type GuildMemberFlags,
  type RoleFlags,
  type UserFlags,
} from 'discord.js';
import { channelPermissions, memberPermissions } from './permissions.ts';
import type { AttachmentRecord, ChannelRecord, MessageRecord, RoleRecord, UserRecord } from './records.ts';
import type { World } from './world.ts';

export function apiUser(user: UserRecord): APIUser {
  return {
    id: user.id,
    username: user.username,
    global_name: user.globalName,
    discriminator: '0',
    avatar: null,
    ...(user.bot ? { bot: true } : {}),
    public_flags: 0 as UserFlags,
    flags: 0 as UserFlags,
  };
}

export function apiRole(role: RoleRecord, applicationId: string): APIRole {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: role.managedByBot,
    mentionable: role.mentionable,
    flags: 0 as RoleFlags,
    ...(role.managedByBot ? { tags: { bot_id: applicationId } } : {}),
  };
}

export function apiMember(world: World, guildId: string, userId: string): APIGuildMember {
  const member = world.member(guildId, userId);
  return {
    user: apiUser(world.user(userId)),
    nick: member.nick,
    avatar: null,
    banner: null,
    roles: [...member.roleIds],
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    pending: false,
    communication_disabled_until: null,
  };
}

/**
 * The member shape interactions carry: with the member's permissions in the interaction's channel,
 * overwrites included (guild-level when no channel is given, as for resolved option members here).
 */
export function apiInteractionMember(world: World, guildId: string, userId: string, channelId?: string): APIInteractionGuildMember {
  const permissions = channelId === undefined ? memberPermissions(world, guildId, userId) : channelPermissions(world, channelId, userId);
  return { ...apiMember(world, guildId, userId), permissions: permissions.toString() };
}

export function apiChannel(world: World, channel: ChannelRecord): APITextChannel {
  const last = world.messagesIn(channel.id).at(-1);
  return {
    id: channel.id,
    type: ChannelType.GuildText,
    guild_id: channel.guildId,
    name: channel.name,
    position: channel.position,
    permission_overwrites: channel.overwrites.map((o) => ({ id: o.id, type: o.type, allow: o.allow.toString(), deny: o.deny.toString() })),
    nsfw: false,
    topic: null,
    last_message_id: last?.id ?? null,
    rate_limit_per_user: 0,
    parent_id: null,
  };
}

export function apiAttachment(attachment: AttachmentRecord): APIAttachment {
  return {
    id: attachment.id,
    filename: attachment.filename,
    size: attachment.size,
    url: attachment.url,
    proxy_url: attachment.url,
    content_type: attachment.contentType,
    ...(attachment.description === null ? {} : { description: attachment.description }),
    ...(attachment.width === null || attachment.height === null ? {} : { width: attachment.width, height: attachment.height }),
    ...(attachment.ephemeral ? { ephemeral: true } : {}),
  };
}

export function apiMessage(world: World, message: MessageRecord): APIMessage {
  const interaction = message.interactionId ? world.interactionById(message.interactionId) : undefined;
  return {
    id: message.id,
    channel_id: message.channelId,
    author: apiUser(world.user(message.authorId)),
    content: message.content,
    timestamp: new Date(message.createdAt).toISOString(),
    edited_timestamp: message.editedAt === null ? null : new Date(message.editedAt).toISOString(),
    tts: false,
    mention_everyone: message.pings.everyone,
    mentions: message.pings.users.flatMap((id) => (world.users.has(id) ? [apiUser(world.user(id))] : [])),
    mention_roles: [...message.pings.roles],
    attachments: message.attachments.map(apiAttachment),
    embeds: message.embeds as APIEmbed[],
    components: message.components as APIMessageTopLevelComponent[],
    reactions: [...message.reactions].map(([emoji, users]) => ({
      emoji: apiEmoji(emoji),
      count: users.size,
      count_details: { burst: 0, normal: users.size },
      me: users.has(world.botUserId),
      me_burst: false,
      burst_colors: [],
    })),
    pinned: false,
    type: message.type,
    flags: message.flags,
    ...(message.webhookId ? { webhook_id: message.webhookId, application_id: world.applicationId } : {}),
    ...(message.reference ? { message_reference: { ...message.reference, type: 0 } } : {}),
    ...(interaction
      ? {
          interaction_metadata: {
            id: interaction.id,
            type: interaction.type,
            user: apiUser(world.user(interaction.userId)),
            authorizing_integration_owners: { '0': interaction.guildId },
            ...(interaction.sourceMessageId ? { interacted_message_id: interaction.sourceMessageId } : {}),
            ...(interaction.originalMessageId !== message.id && interaction.originalMessageId
              ? { original_response_message_id: interaction.originalMessageId }
              : {}),
          },
          interaction: {
            id: interaction.id,
            type: interaction.type,
            name: interaction.commandName ?? '',
            user: apiUser(world.user(interaction.userId)),
          },
        }
      : {}),
  } as APIMessage;
}

/** A message as gateway events carry it: with guild_id and the author's member. */
export function gatewayMessage(world: World, message: MessageRecord): Record<string, unknown> {
  const author = world.members.get(message.guildId)?.get(message.authorId);
  const member = author ? apiMember(world, message.guildId, message.authorId) : undefined;
  if (member) delete (member as { user?: unknown }).user;
  return { ...apiMessage(world, message), guild_id: message.guildId, ...(member ? { member } : {}) };
}

/** Emoji key ('🔍' or 'name:id') → API emoji object. */
export function apiEmoji(key: string): { id: string | null; name: string } {
  const custom = /^(?:a:)?([\w~]+):(\d{17,20})$/.exec(key);
  return custom ? { id: custom[2], name: custom[1] } : { id: null, name: key };
}
