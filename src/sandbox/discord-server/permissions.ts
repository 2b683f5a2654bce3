/**
 * Permission bitfields as Discord computes them: guild level from @everyone and roles, then the
 * channel's overwrites (@everyone, then the member's roles together, then the member), and the
 * checks the bot-token REST routes make with them (50001 Missing Access, 50013 Missing Permissions).
 */
import { PermissionFlagsBits } from 'discord.js';
import { errors } from './api-error.ts';
import type { World } from './world.ts';

const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

/** What @everyone may do in a fresh test guild: read, write, react, use commands, but moderate nothing. */
export const DEFAULT_EVERYONE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.UseExternalEmojis;

/** What the bot's role grants by default: what an image bot's invite link would ask for. */
export const DEFAULT_BOT_PERMISSIONS =
  DEFAULT_EVERYONE_PERMISSIONS | PermissionFlagsBits.ManageMessages | PermissionFlagsBits.SendMessagesInThreads;

/** Guild-level permissions of a member: owner and Administrator get everything, else @everyone | roles. */
export function memberPermissions(world: World, guildId: string, userId: string): bigint {
  const guild = world.guild(guildId);
  if (guild.ownerId === userId) return ALL_PERMISSIONS;
  const member = world.member(guildId, userId);
  let bits = world.role(guild.everyoneRoleId).permissions;
  for (const roleId of member.roleIds) bits |= world.role(roleId).permissions;
  return (bits & PermissionFlagsBits.Administrator) !== 0n ? ALL_PERMISSIONS : bits;
}

/**
 * A member's permissions in a channel, by Discord's documented order: the @everyone overwrite, then
 * the denies and allows of all the member's roles' overwrites together, then the member's own.
 * Owner and Administrator are not subject to overwrites. This is what `app_permissions` and an
 * interaction's `member.permissions` carry, and what discord.js's permissionsFor computes from its cache.
 */
export function channelPermissions(world: World, channelId: string, userId: string): bigint {
  const channel = world.channel(channelId);
  const base = memberPermissions(world, channel.guildId, userId);
  if (base === ALL_PERMISSIONS) return base;
  const guild = world.guild(channel.guildId);
  const member = world.member(channel.guildId, userId);
  const overwrite = (id: string) => channel.overwrites.find((o) => o.id === id);
  let bits = base;
  const everyone = overwrite(guild.everyoneRoleId);
  if (everyone) bits = (bits & ~everyone.deny) | everyone.allow;
  let deny = 0n;
  let allow = 0n;
  for (const roleId of member.roleIds) {
    const role = channel.overwrites.find((o) => o.type === 0 && o.id === roleId);
    if (role) {
      deny |= role.deny;
      allow |= role.allow;
    }
  }
  bits = (bits & ~deny) | allow;
  const own = channel.overwrites.find((o) => o.type === 1 && o.id === userId);
  if (own) bits = (bits & ~own.deny) | own.allow;
  return bits;
}

/**
 * What a bot-token route checks before acting in a channel: without View Channel the channel is
 * out of reach (50001); without any of `needed`, 50013. Interaction-token webhook routes (the reply
 * and followups) check neither, as on Discord: an app answers where it was invoked.
 */
export function requireChannelPermissions(world: World, channelId: string, userId: string, needed = 0n): void {
  const has = channelPermissions(world, channelId, userId);
  if ((has & PermissionFlagsBits.ViewChannel) === 0n) throw errors.missingAccess();
  if ((has & needed) !== needed) throw errors.missingPermissions();
}

export function hasChannelPermissions(world: World, channelId: string, userId: string, needed: bigint): boolean {
  return (channelPermissions(world, channelId, userId) & needed) === needed;
}
