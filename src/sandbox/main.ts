/**
 * `npm run sandbox [-- --fresh]`: the bot and a Discord-like page at http://127.0.0.1:3000, with
 * no Discord account. Models and quotas come from .env as for `npm start`; the database and images
 * live in data/sandbox/ (--fresh deletes them first).
 */
import dotenv from 'dotenv';
import { ConfigError } from '../config/config.ts';
import { loadSandboxConfig } from '../config/sandbox-config.ts';
import { installProcessPolicy } from '../process-policy.ts';
import { startSandbox } from './sandbox.ts';

dotenv.config({ quiet: true });

const USAGE = 'usage: npm run sandbox [-- --fresh]';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--fresh');
  if (unknown.length) {
    console.error(`unknown argument ${unknown.map((a) => `"${a}"`).join(', ')}; ${USAGE}`);
    process.exit(2);
  }
  let bind;
  try {
    bind = loadSandboxConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
  // As for npm start: a failed Discord request nobody awaited is logged, anything else stops cleanly.
  const policy = installProcessPolicy({ log: (message) => console.error(`[sandbox] ${message}`), exit: (code) => process.exit(code) });
  console.log('starting the sandbox: a local Discord-compatible server, the bot and its model…');
  const sandbox = await startSandbox({
    ...bind,
    dataDir: 'data/sandbox',
    fresh: args.includes('--fresh'),
    env: process.env,
    bot: { onFatal: (what, err) => policy.fatal(what, err) },
  });
  policy.setStop(() => sandbox.close());
  console.log(`sandbox ready: open ${sandbox.url} (Ctrl-C stops it)`);
  process.once('SIGINT', () => policy.shutdown('SIGINT'));
  process.once('SIGTERM', () => policy.shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`sandbox failed to start: ${(err as Error).message}`);
  process.exit(1);
});
