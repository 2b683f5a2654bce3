/**
 * `npm run sandbox [-- --fresh]`: the bot and a Discord-like page at http://127.0.0.1:3000, with
 * no Discord account. Models and quotas come from .env as for `npm start`; the database and images
 * live in data/sandbox/ (--fresh deletes them first).
 */
import dotenv from 'dotenv';
import { ConfigError } from '../config/config.ts';
import { loadSandboxConfig } from '../config/sandbox-config.ts';
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
  console.log('starting the sandbox: a local Discord-compatible server, the bot and its model…');
  const sandbox = await startSandbox({ ...bind, dataDir: 'data/sandbox', fresh: args.includes('--fresh'), env: process.env });
  console.log(`sandbox ready: open ${sandbox.url} (Ctrl-C stops it)`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the sandbox`);
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`sandbox stopped with an error: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`sandbox failed to start: ${(err as Error).message}`);
  process.exit(1);
});
