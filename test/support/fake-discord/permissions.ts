/** Permission bitfields as Discord computes them at guild level (channel overwrites are not modelled). */
import { PermissionFlagsBits } from 'discord.js';
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
