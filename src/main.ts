/** `npm start`: run the bot with the configuration in .env. */
import dotenv from 'dotenv';
import { startBot } from './app.ts';
import { ConfigError, loadConfig } from './config/config.ts';

dotenv.config({ quiet: true });

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, { requireDiscord: true });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    console.error('\nTo try the model without Discord: npm run imagine -- "a red circle"');
    process.exit(1);
  }
  console.log(`starting: model ${config.model.dir} on ${config.model.provider}, database ${config.databaseUrl.startsWith('file:') ? config.databaseUrl : 'postgresql'}`);
  const bot = await startBot(config);
  console.log(`logged in as ${bot.client.user?.tag}; serving ${bot.client.guilds.cache.size} server(s)`);
  const shutdown = async (signal: string) => {
    console.log(`${signal}: stopping; unfinished jobs resume on the next start`);
    await bot.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`bot failed to start: ${(err as Error).message}`);
  process.exit(1);
});
