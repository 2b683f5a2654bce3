/**
 * The people and places of the sandbox: two servers with a #general each, two members and a
 * moderator (Manage Server) in both, so quotas, /mod and fair sharing between servers can be tried.
 */
import { PermissionFlagsBits } from 'discord.js';
import { FakeDiscord, type GuildRecord, type UserRecord } from './discord-server/index.ts';

export interface Persona {
  readonly id: string;
  readonly name: string;
  readonly role: 'member' | 'moderator';
}

export interface SandboxServer {
  readonly id: string;
  readonly name: string;
  readonly channelId: string;
  readonly channelName: string;
}

export interface SandboxWorld {
  readonly personas: readonly Persona[];
  readonly servers: readonly SandboxServer[];
}

/** The Discord-compatible server with the sandbox's world in it; `worldIds` as in FakeDiscordOptions. */
export async function startSandboxDiscord(worldIds?: () => string): Promise<{ discord: FakeDiscord; world: SandboxWorld }> {
  const discord = await FakeDiscord.start({ guildName: 'Sandbox', username: 'alice', botUsername: 'imagine-bot', worldIds });
  return { discord, world: buildWorld(discord) };
}

function buildWorld(discord: FakeDiscord): SandboxWorld {
  const second = discord.addGuild({ name: 'Second server' });
  const bob = discord.newMember({ username: 'bob' });
  const moderator = discord.newMember({ username: 'mod', permissions: PermissionFlagsBits.ManageGuild });
  discord.addMember(second, discord.user);
  discord.addMember(second, bob);
  discord.addMember(second, moderator, { permissions: PermissionFlagsBits.ManageGuild });
  const persona = (user: UserRecord, role: Persona['role']): Persona => ({ id: user.id, name: user.username, role });
  const server = (guild: GuildRecord): SandboxServer => {
    const channel = discord.defaultChannel(guild);
    return { id: guild.id, name: guild.name, channelId: channel.id, channelName: channel.name };
  };
  return {
    personas: [persona(discord.user, 'member'), persona(bob, 'member'), persona(moderator, 'moderator')],
    servers: [server(discord.guild), server(second)],
  };
}
