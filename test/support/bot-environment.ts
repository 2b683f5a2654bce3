/**
 * What every way of running the bot against the local Discord-compatible server shares: the
 * commands registered with it, and the environment that points the bot at it.
 */
import path from 'node:path';
import { REST, Routes } from 'discord.js';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { commandDefinitions } from '../../src/discord/command-registry.ts';
import type { FakeDiscord } from '../../src/sandbox/discord-server/index.ts';
import { EMBEDDED_MODEL_DIR } from './model.ts';

/**
 * Registers the commands in a guild as `npm run deploy-commands` does, so options arrive typed;
 * `config` gives the models offered (the embedded model alone by default).
 */
export async function registerCommands(
  discord: FakeDiscord,
  guildId: string = discord.guild.id,
  config: Pick<Config, 'models'> = loadConfig({ MODEL_DIR: EMBEDDED_MODEL_DIR }),
): Promise<void> {
  await new REST({ api: discord.restUrl })
    .setToken(discord.botToken)
    .put(Routes.applicationGuildCommands(discord.applicationId, guildId), { body: commandDefinitions(config) });
}

/**
 * The variables that point the bot at `discord`, with its database and images in `dir` and the
 * embedded model. Callers spread their own settings over these.
 */
export function botEnvironment(discord: FakeDiscord, dir: string): Record<string, string> {
  return {
    DISCORD_TOKEN: discord.botToken,
    DISCORD_CLIENT_ID: discord.applicationId,
    DISCORD_API_URL: discord.restUrl,
    DATABASE_URL: `file:${path.join(dir, 'bot.db')}`,
    IMAGE_DIR: path.join(dir, 'images'),
    MODEL_DIR: EMBEDDED_MODEL_DIR,
    PREVIEW_INTERVAL_MS: '250',
  };
}
