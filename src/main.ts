/**
 * `npm start`: run the bot with the configuration in .env. With SHARDS, this process is the
 * sharding manager (one gateway process per shard, and the one fair queue of all); each shard
 * process runs this file again and is a bot for its shard's servers.
 */
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import { startBot } from './app.ts';
import { ConfigError, loadConfig, redisSecrets, type Config } from './config/config.ts';
import { redactUrl } from './text/redact-url.ts';
import { installProcessPolicy } from './process-policy.ts';
import { startShards } from './sharding/sharding-manager.ts';

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
  if (config.sharding?.role === 'manager') return manageShards(config);
  const shard = config.sharding?.role === 'shard' ? config.sharding : undefined;
  const name = shard ? `shard ${shard.id}` : 'bot';
  const log = (message: string, err?: unknown) => console.error(`[${name}] ${message}`, err instanceof Error ? err.message : (err ?? ''));
  // Installed before anything starts, so a failure during start-up is handled the same way.
  const policy = installProcessPolicy({
    log: (message) => console.error(`[${name}] ${message}`),
    exit: (code) => process.exit(code),
    // The Redis URL may carry a password (a gateway's REDIS_URL).
    secrets: [config.discord.token, ...(config.redis ? redisSecrets(config.redis.url) : [])],
  });
  // A shard without its manager would hold its servers' jobs with nobody to start them.
  if (shard) {
    process.once('disconnect', () => {
      // discord.js's shard utility tells the manager of every connection change with a send that
      // throws once the channel is closed; the client's own disconnect while stopping would be one.
      process.send = () => false;
      policy.shutdown('the sharding manager is gone', 1);
    });
  }
  const database = config.databaseUrl.startsWith('file:') ? config.databaseUrl : 'postgresql';
  console.log(
    `starting${shard ? ` shard ${shard.id} of ${shard.count} (pid ${process.pid})` : ''}` +
      (config.redis
        ? ` as a gateway: jobs run on workers through Redis ${redactUrl(config.redis.url)}${config.queue.slots ? ` and on ${config.queue.slots} slot(s) here` : ''}, database ${database}`
        : `: model ${config.model.dir} on ${config.model.provider}, database ${database}`),
  );
  const bot = await startBot(config, { onFatal: (what, err) => policy.fatal(what, err), log });
  policy.setStop(() => bot.stop());
  console.log(`${shard ? `shard ${shard.id}: ` : ''}logged in as ${bot.client.user?.tag}; serving ${bot.client.guilds.cache.size} server(s)`);
  process.once('SIGINT', () => policy.shutdown('SIGINT'));
  process.once('SIGTERM', () => policy.shutdown('SIGTERM'));
}

async function manageShards(config: Config): Promise<void> {
  const policy = installProcessPolicy({
    log: (message) => console.error(`[sharding] ${message}`),
    exit: (code) => process.exit(code),
    secrets: [config.discord.token],
  });
  process.once('SIGINT', () => policy.shutdown('SIGINT'));
  process.once('SIGTERM', () => policy.shutdown('SIGTERM'));
  console.log(`starting: ${config.sharding?.role === 'manager' ? config.sharding.shards : ''} gateway shard(s) and the global queue, database postgresql, jobs on workers through Redis`);
  const running = await startShards(config, {
    script: fileURLToPath(import.meta.url),
    // The shards run this file the way this process runs it (tsx's loader).
    execArgv: process.execArgv,
    log: (message, err) => console.error(`[sharding] ${message}`, err instanceof Error ? err.message : (err ?? '')),
    onFatal: (what, err) => policy.fatal(what, err),
  });
  policy.setStop(() => running.stop());
  console.log(`sharding: all ${running.count} shard(s) ready`);
}

main().catch((err: unknown) => {
  console.error(`bot failed to start: ${(err as Error).message}`);
  process.exit(1);
});
