/**
 * `npm run deploy-commands`: register the slash commands with Discord, for DEV_GUILD_ID only
 * (instant, for testing) or globally (every server the bot is in; can take up to an hour).
 */
import dotenv from 'dotenv';
import { REST, Routes } from 'discord.js';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { commandDefinitions } from '../src/discord/command-registry.ts';

dotenv.config({ quiet: true });

async function main(): Promise<void> {
  const config = loadConfig(process.env, { requireDiscord: true });
  const rest = new REST(config.discord.apiUrl ? { api: config.discord.apiUrl } : {}).setToken(config.discord.token);
  const body = commandDefinitions(config);
  const { clientId, devGuildId } = config.discord;
  const route = devGuildId ? Routes.applicationGuildCommands(clientId, devGuildId) : Routes.applicationCommands(clientId);
  await rest.put(route, { body });
  console.log(`models offered in /imagine model: ${config.models.list.map((m) => m.name).join(', ')} (default ${config.models.defaultName})`);
  console.log(`registered ${body.length} commands (${body.map((c) => `/${c.name}`).join(' ')}) ${devGuildId ? `in server ${devGuildId}` : 'globally (may take up to an hour to appear)'}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `deploy failed: ${(err as Error).message}`);
  process.exit(1);
});
