/** `npm start`: run the bot with the configuration in .env. */
import dotenv from 'dotenv';
import { startBot } from './app.ts';
import { ConfigError, loadConfig, redactUrl } from './config/config.ts';
import { installProcessPolicy } from './process-policy.ts';

dotenv.config({ quiet: true });

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, { requireDiscord: true });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    console.error('\nTo try the bot without Discord: npm run sandbox (a Discord-like page at http://127.0.0.1:3000)');
    console.error('To try the model alone: npm run imagine -- "a red circle"');
    process.exit(1);
  }
  // Installed before anything starts, so a failure during start-up is handled the same way.
  const policy = installProcessPolicy({
    log: (message) => console.error(`[bot] ${message}`),
    exit: (code) => process.exit(code),
    // The Redis URL may carry a password (a gateway's REDIS_URL).
    secrets: [config.discord.token, ...(config.redis ? [config.redis.url, new URL(config.redis.url).password] : [])].filter(Boolean),
  });
  console.log(
    config.redis
      ? `starting as a gateway: jobs run on workers through Redis ${redactUrl(config.redis.url)}${config.queue.slots ? ` and on ${config.queue.slots} slot(s) here` : ''}, database ${config.databaseUrl.startsWith('file:') ? config.databaseUrl : 'postgresql'}`
      : `starting: model ${config.model.dir} on ${config.model.provider}, database ${config.databaseUrl.startsWith('file:') ? config.databaseUrl : 'postgresql'}`,
  );
  const bot = await startBot(config, { onFatal: (what, err) => policy.fatal(what, err) });
  policy.setStop(() => bot.stop());
  console.log(`logged in as ${bot.client.user?.tag}; serving ${bot.client.guilds.cache.size} server(s)`);
  process.once('SIGINT', () => policy.shutdown('SIGINT'));
  process.once('SIGTERM', () => policy.shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`bot failed to start: ${(err as Error).message}`);
  process.exit(1);
});
