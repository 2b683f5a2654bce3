// Which database a DATABASE_URL names: an SQLite file (the default) or a PostgreSQL server.
import { redactUrl } from '../text/redact-url.ts';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export type Provider = 'sqlite' | 'postgresql';

export const PROVIDERS: readonly Provider[] = ['sqlite', 'postgresql'];

// Relative to the working directory of the bot, not to prisma/ as Prisma's own CLI would read it:
// the bot is started from the project root and keeps its data in ./data.
export const DEFAULT_DATABASE_URL = 'file:./data/bot.db';

export type DatabaseTarget =
  | { provider: 'sqlite'; url: string; filePath: string }
  | { provider: 'postgresql'; url: string };

export function parseDatabaseUrl(databaseUrl: string = DEFAULT_DATABASE_URL): DatabaseTarget {
  const url = databaseUrl.trim();
  if (/^postgres(ql)?:\/\//i.test(url)) return { provider: 'postgresql', url };
  if (url.startsWith('file:')) {
    // Query options (file:bot.db?mode=...) are a Prisma 5 habit the driver would take as part of the name.
    const path = url.slice('file:'.length).split('?')[0];
    if (path === '') throw new Error(`expected a file path after "file:" in the database URL, got "${url}"`);
    const filePath = path === ':memory:' ? path : resolve(path);
    return { provider: 'sqlite', url, filePath };
  }
  throw new Error(
    `expected the database URL to start with file:, postgres:// or postgresql://, got "${redactUrl(url)}"`,
  );
}

// First start on a fresh machine: the folder of the SQLite file (./data by default) may not exist.
export async function ensureSqliteFolder(target: DatabaseTarget): Promise<void> {
  if (target.provider === 'sqlite' && target.filePath !== ':memory:') {
    await mkdir(dirname(target.filePath), { recursive: true });
  }
}

// Database URLs carry passwords; error messages and logs must not.
export { redactUrl };
