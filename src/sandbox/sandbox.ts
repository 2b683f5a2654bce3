/**
 * `npm run sandbox` as a function: the local Discord-compatible server, the unchanged bot connected
 * to it (as `npm start` would connect to Discord), and the page that lets a person act in it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REST, Routes } from 'discord.js';
import { startBot, type RunningBot, type StartOptions } from '../app.ts';
import { loadConfig, type Config } from '../config/config.ts';
import type { SandboxConfig } from '../config/sandbox-config.ts';
import { commandDefinitions } from '../discord/command-registry.ts';
import type { FakeDiscord } from './discord-server/index.ts';
import { startSandboxDiscord, type SandboxWorld } from './sandbox-world.ts';
import { startWebServer } from './web-server.ts';
import { worldIdsIn } from './world-ids.ts';

export interface SandboxOptions extends SandboxConfig {
  /** Holds the bot's SQLite file and images. @default data/sandbox */
  dataDir: string;
  /** Delete dataDir first. */
  fresh?: boolean;
  /** The environment the bot's settings (model, quotas) come from; Discord, database and images are the sandbox's. */
  env?: Record<string, string | undefined>;
  /** Passed to startBot (tests give it a loaded model). */
  bot?: StartOptions;
}

export interface Sandbox {
  readonly url: string;
  readonly discord: FakeDiscord;
  readonly bot: RunningBot;
  readonly config: Config;
  readonly world: SandboxWorld;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dataDir = path.resolve(options.dataDir);
  if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const ids = worldIdsIn(path.join(dataDir, 'world-ids.json'));
  const { discord, world } = await startSandboxDiscord(ids.next);
  ids.save();
  try {
    const config = loadConfig({
      // Nothing here is rate-limited, and the embedded model finishes in seconds: show previews often.
      PREVIEW_INTERVAL_MS: '500',
      ...options.env,
      DISCORD_TOKEN: discord.botToken,
      DISCORD_CLIENT_ID: discord.applicationId,
      DISCORD_API_URL: discord.restUrl,
      DEV_GUILD_ID: '',
      DATABASE_URL: `file:${path.join(dataDir, 'bot.db')}`,
      IMAGE_DIR: path.join(dataDir, 'images'),
    });
    await registerCommands(discord, config, world);
    const bot = await startBot(config, options.bot);
    const web = await startWebServer(discord, world, options).catch(async (err: unknown) => {
      await bot.stop({ deliveryWaitMs: 0 });
      throw err;
    });
    return {
      url: web.url,
      discord,
      bot,
      config,
      world,
      async close() {
        await web.close();
        // Results still being posted would land in a world that ends with this process.
        await bot.stop({ deliveryWaitMs: 0 });
        await discord.close();
      },
    };
  } catch (err) {
    await discord.close().catch(() => {});
    throw err;
  }
}

/** As `npm run deploy-commands` does with DEV_GUILD_ID set, once per sandbox server. */
async function registerCommands(discord: FakeDiscord, config: Config, world: SandboxWorld): Promise<void> {
  const rest = new REST({ api: discord.restUrl }).setToken(discord.botToken);
  const body = commandDefinitions(config);
  for (const server of world.servers) await rest.put(Routes.applicationGuildCommands(discord.applicationId, server.id), { body });
}
