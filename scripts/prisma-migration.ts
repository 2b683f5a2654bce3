// Creates the next migration for both databases from prisma/schema.prisma, offline, with
// Prisma's WebAssembly schema engine:
//   npm run db:migration -- <name>     writes prisma/migrations/{sqlite,postgresql}/<stamp>_<name>/
//   npm run db:migration -- --check    exits 1 when the schema has changes no migration holds
// The engine replays each history in a shadow database and diffs it against the schema.
// SQLite's shadow lives in memory. PostgreSQL's needs a server: MIGRATION_POSTGRES_URL names one
// where databases may be created, else a throwaway cluster is started from the local
// PostgreSQL binaries (see test/support/postgres.ts).
import { mkdir, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDatabaseUrl, type DatabaseTarget, type Provider } from '../src/store/database-url.ts';
import { LOCKFILE_NAME, lockfileContent } from '../src/store/migrations-list.ts';
import { pendingMigrationSql } from '../src/store/schema-drift.ts';
import { migrationsDirFor } from '../src/store/schema-files.ts';
import { findPostgres, startPostgres } from '../test/support/postgres.ts';

const args = process.argv.slice(2);
const check = args.includes('--check');
const name = args.find((arg) => !arg.startsWith('--'));
if (!check && name === undefined) {
  console.error('usage: npm run db:migration -- <name>   |   npm run db:migration -- --check');
  process.exit(2);
}

const pending = new Map<Provider, string | null>();
pending.set('sqlite', await pendingMigrationSql(parseDatabaseUrl('file::memory:')));
pending.set('postgresql', await withPostgres((target) => pendingMigrationSql(target)));

const changed = [...pending].filter(([, sql]) => sql !== null).map(([provider]) => provider);
if (check) {
  if (changed.length > 0) {
    console.error(`schema.prisma has changes without a migration for: ${changed.join(', ')}; run npm run db:migration -- <name>`);
    process.exit(1);
  }
  console.log('migrations are up to date with prisma/schema.prisma');
  process.exit(0);
}
if (changed.length === 0) {
  console.log('no schema changes: no migration written');
  process.exit(0);
}
if (changed.length !== pending.size) {
  // Both histories come from the same schema; one without changes means they have drifted apart.
  throw new Error(`expected both migration histories to need the change, only ${changed.join(', ')} does`);
}

const folder = `${timestamp(new Date())}_${name!.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')}`;
for (const [provider, sql] of pending) {
  const dir = migrationsDirFor(provider);
  await mkdir(join(dir, folder), { recursive: true });
  await writeFile(join(dir, folder, 'migration.sql'), sql!);
  const lockfile = join(dir, LOCKFILE_NAME);
  if (!(await exists(lockfile))) await writeFile(lockfile, lockfileContent(provider));
  console.log(`wrote ${join(dir, folder, 'migration.sql')}`);
}
console.log('now run: npm run db:generate');

async function withPostgres<T>(use: (target: DatabaseTarget) => Promise<T>): Promise<T> {
  if (process.env.MIGRATION_POSTGRES_URL) return use(parseDatabaseUrl(process.env.MIGRATION_POSTGRES_URL));
  const found = await findPostgres();
  if (!found.ok) {
    throw new Error(`expected a PostgreSQL server for the PostgreSQL migration (set MIGRATION_POSTGRES_URL), but ${found.reason}`);
  }
  const cluster = await startPostgres();
  try {
    return await use(parseDatabaseUrl(cluster.url));
  } finally {
    await cluster.stop();
  }
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
