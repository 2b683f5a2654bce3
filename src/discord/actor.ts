/**
 * Who is acting, as the moderation service needs it: built from what Discord says about the member
 * on this very interaction, so a permission or role taken away counts from the next command on.
 */
import { PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import type { Actor } from '../services/moderation-service.ts';
import { UserError } from '../services/user-error.ts';

export function actorOf(interaction: ChatInputCommandInteraction): Actor {
  if (!interaction.inGuild()) throw new UserError('command.guild-only', 'Use this command in a server, not in direct messages.');
  const member = interaction.member;
  // A cached guild gives a GuildMember; otherwise the raw payload, whose roles are plain ids.
  const roleIds = Array.isArray(member.roles) ? [...member.roles] : [...member.roles.cache.keys()];
  return {
    userId: interaction.user.id,
    guildId: interaction.guildId,
    // has() counts Administrator as every permission, as Discord does.
    canManageGuild: interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild),
    roleIds,
    interactionId: interaction.id,
  };
}
