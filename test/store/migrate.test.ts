// Start-up migration on SQLite files (the same contract runs on PostgreSQL in postgres.test.ts).
import { existsSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/store/index.ts';
import { migrationsDirFor } from '../../src/store/schema-files.ts';
import { migrationContract } from './migration-contract.ts';
import { tempSqliteUrl } from './fixtures.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function freshFile() {
  const db = await tempSqliteUrl();
  cleanups.push(db.cleanup);
  return db;
}

function readOnly<T>(url: string, read: (db: Database.Database) => T): T {
  const db = new Database(url.slice('file:'.length), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

describe('migrations on SQLite', () => {
  migrationContract({
    provider: 'sqlite',
    freshDatabaseUrl: async () => (await freshFile()).url,
    appliedMigrations: async (url) =>
      readOnly(url, (db) =>
        (
          db.prepare('SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name').all() as {
            migration_name: string;
            finished_at: string | null;
          }[]
        ).map((row) => ({ name: row.migration_name, finished: row.finished_at !== null })),
      ),
    tables: async (url) =>
      readOnly(url, (db) =>
        (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name),
      ),
  });

  it('migrates a new file once when the same process asks twice at the same time', async () => {
    const { url } = await freshFile();
    const reports = await Promise.all([migrateDatabase(url), migrateDatabase(url)]);
    expect(reports.filter((report) => report.applied.length > 0)).toHaveLength(1);
    expect(reports.filter((report) => report.applied.length === 0)).toHaveLength(1);
  });

  it('creates the folder of the database file on first start', async () => {
    const { url, file } = await freshFile();
    expect(existsSync(file)).toBe(false);
    await migrateDatabase(url);
    expect(existsSync(file)).toBe(true);
  });

  it('fails with the expected and the actual migrations folder when none is committed there', async () => {
    const { url, dir } = await freshFile();
    const empty = join(dir, 'no-migrations');
    await expect(migrateDatabase(url, { migrationsDir: empty })).rejects.toThrow(`expected migrations in ${empty}, found none`);
  });

  it("reports a failing migration with the database's own error", async () => {
    const { url, dir } = await freshFile();
    const migrations = join(dir, 'migrations');
    await cp(migrationsDirFor('sqlite'), migrations, { recursive: true });
    await mkdir(join(migrations, '29990101000000_broken'));
    await writeFile(join(migrations, '29990101000000_broken', 'migration.sql'), 'CREAT TABLE "Nope" ("x" TEXT);');
    await expect(migrateDatabase(url, { migrationsDir: migrations })).rejects.toThrow('near "CREAT": syntax error');
  });
});
