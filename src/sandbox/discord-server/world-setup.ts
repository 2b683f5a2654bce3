/**
 * Building the world: users, guilds (with @everyone, the bot's role and member, a first channel),
 * channels, roles and members. Additions after the bot connected are announced over the gateway.
 */
import type { FakeContext } from './context.ts';
import { DEFAULT_BOT_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS } from './permissions.ts';
import type { ChannelRecord, GuildRecord, MemberRecord, RoleRecord, UserRecord } from './records.ts';
import { guildCreatePayload } from './guild-payload.ts';
import { apiChannel, apiMember, apiRole } from './serialize.ts';

export interface UserOptions {
  readonly username?: string;
  readonly globalName?: string | null;
  readonly bot?: boolean;
}

export interface GuildOptions {
  readonly name?: string;
  /** The guild owner (who has every permission); by default a fresh user who is not the test's member. */
  readonly owner?: UserRecord;
  /** Name of the channel created with the guild, or false for none. Default 'general'. */
  readonly channel?: string | false;
  readonly everyonePermissions?: bigint;
  readonly botPermissions?: bigint;
}

export interface RoleOptions {
  readonly name?: string;
  readonly permissions?: bigint;
  readonly mentionable?: boolean;
}

export interface MemberOptions {
  readonly roles?: readonly (RoleRecord | string)[];
  /**
   * Extra permissions for this member. They are granted through a role of their own, so what the
   * interaction payload reports and what discord.js computes from the cached roles agree.
   */
  readonly permissions?: bigint;
  readonly nick?: string | null;
}

let userCounter = 0;

export function addUser(context: FakeContext, options: UserOptions = {}): UserRecord {
  userCounter += 1;
  const user: UserRecord = {
    kind: 'user',
    id: context.worldId(),
    username: options.username ?? `user${userCounter}`,
    globalName: options.globalName ?? null,
    bot: options.bot ?? false,
  };
  context.world.users.set(user.id, user);
  return user;
}

export function addGuild(context: FakeContext, options: GuildOptions = {}): GuildRecord {
  const { world } = context;
  const id = context.worldId();
  const owner = options.owner ?? addUser(context, { username: 'guild-owner' });
  const channelName = options.channel ?? 'general';
  const guild: GuildRecord = {
    kind: 'guild',
    id,
    name: options.name ?? 'Test Guild',
    ownerId: owner.id,
    everyoneRoleId: id,
    botRoleId: context.worldId(),
    systemChannelId: channelName === false ? null : context.worldId(),
    joinedAt: new Date().toISOString(),
  };
  world.guilds.set(id, guild);
  world.members.set(id, new Map());
  const role = (roleId: string, name: string, permissions: bigint, position: number, managedByBot: boolean) =>
    world.roles.set(roleId, { kind: 'role', id: roleId, guildId: id, name, permissions, position, mentionable: false, managedByBot });
  role(id, '@everyone', options.everyonePermissions ?? DEFAULT_EVERYONE_PERMISSIONS, 0, false);
  role(guild.botRoleId, world.user(world.botUserId).username, options.botPermissions ?? DEFAULT_BOT_PERMISSIONS, 1, true);
  putMember(context, id, owner.id, [], null);
  putMember(context, id, world.botUserId, [guild.botRoleId], null);
  if (guild.systemChannelId !== null && channelName !== false) {
    world.channels.set(guild.systemChannelId, { kind: 'channel', id: guild.systemChannelId, guildId: id, name: channelName, type: 0, position: 0, overwrites: [] });
  }
  announce(context, 'GUILD_CREATE', guildCreatePayload(world, guild));
  return guild;
}

export function addChannel(context: FakeContext, guild: GuildRecord, options: { name?: string } = {}): ChannelRecord {
  const { world } = context;
  const position = world.channelsOf(guild.id).length;
  const channel: ChannelRecord = { kind: 'channel', id: context.worldId(), guildId: guild.id, name: options.name ?? `channel-${position}`, type: 0, position, overwrites: [] };
  world.channels.set(channel.id, channel);
  announce(context, 'CHANNEL_CREATE', apiChannel(world, channel) as unknown as Record<string, unknown>);
  return channel;
}

export function addRole(context: FakeContext, guild: GuildRecord, options: RoleOptions = {}): RoleRecord {
  const { world } = context;
  const position = world.rolesOf(guild.id).length;
  const role: RoleRecord = {
    kind: 'role',
    id: context.worldId(),
    guildId: guild.id,
    name: options.name ?? `role-${position}`,
    permissions: options.permissions ?? 0n,
    position,
    mentionable: options.mentionable ?? false,
    managedByBot: false,
  };
  world.roles.set(role.id, role);
  announce(context, 'GUILD_ROLE_CREATE', { guild_id: guild.id, role: apiRole(role, world.applicationId) });
  return role;
}

export function addMember(context: FakeContext, guild: GuildRecord, user: UserRecord, options: MemberOptions = {}): MemberRecord {
  const roleIds = (options.roles ?? []).map((role) => (typeof role === 'string' ? role : role.id));
  if (options.permissions !== undefined) {
    roleIds.push(addRole(context, guild, { name: `${user.username}-permissions`, permissions: options.permissions }).id);
  }
  const member = putMember(context, guild.id, user.id, roleIds, options.nick ?? null);
  announce(context, 'GUILD_MEMBER_ADD', { ...apiMember(context.world, guild.id, user.id), guild_id: guild.id });
  return member;
}

function putMember(context: FakeContext, guildId: string, userId: string, roleIds: string[], nick: string | null): MemberRecord {
  const member: MemberRecord = { kind: 'member', guildId, userId, roleIds, nick, joinedAt: new Date().toISOString() };
  context.world.members.get(guildId)?.set(userId, member);
  return member;
}

/**
 * Sets (or, with allow and deny both 0, removes) a channel's overwrite for a role or a member,
 * announced as CHANNEL_UPDATE so the bot's cache computes what the fake computes.
 */
export function setChannelOverwrite(
  context: FakeContext,
  channel: ChannelRecord,
  target: { id: string; type: 0 | 1 },
  bits: { allow?: bigint; deny?: bigint },
): void {
  const allow = bits.allow ?? 0n;
  const deny = bits.deny ?? 0n;
  channel.overwrites = channel.overwrites.filter((o) => o.id !== target.id);
  if (allow !== 0n || deny !== 0n) channel.overwrites.push({ id: target.id, type: target.type, allow, deny });
  announce(context, 'CHANNEL_UPDATE', apiChannel(context.world, channel) as unknown as Record<string, unknown>);
}

/** Changes what a role grants, announced as GUILD_ROLE_UPDATE. */
export function setRolePermissions(context: FakeContext, role: RoleRecord, permissions: bigint): void {
  role.permissions = permissions;
  announce(context, 'GUILD_ROLE_UPDATE', { guild_id: role.guildId, role: apiRole(role, context.world.applicationId) });
}

/** Setup before the bot connects is simply part of READY/GUILD_CREATE; only later changes are events. */
function announce(context: FakeContext, event: string, data: Record<string, unknown>): void {
  if (context.gateway.connectedSessions > 0) context.gateway.dispatch(event, data);
}
