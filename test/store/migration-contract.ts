// Start-up migration, written once and run against SQLite (migrate.test.ts) and PostgreSQL
// (postgres.test.ts): an empty database gets every committed migration, recorded in
// `_prisma_migrations`; a second run applies nothing; the history matches prisma/schema.prisma.
import { readdir } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { migrateDatabase, openStore, parseDatabaseUrl, type Provider } from '../../src/store/index.ts';
import { pendingMigrationSql } from '../../src/store/schema-drift.ts';
import { migrationsDirFor } from '../../src/store/schema-files.ts';

export interface MigrationTarget {
  provider: Provider;
  freshDatabaseUrl(): Promise<string>;
  // Rows of _prisma_migrations: name and whether it finished.
  appliedMigrations(url: string): Promise<{ name: string; finished: boolean }[]>;
  tables(url: string): Promise<string[]>;
}

const MODEL_TABLES = ['BannedWord', 'Guild', 'Image', 'Job', 'ModAction', 'QuotaLedger', 'User', 'UserQuota'];

export function migrationContract(target: MigrationTarget): void {
  it('applies every committed migration to an empty database and records each in _prisma_migrations', async () => {
    const committed = (await readdir(migrationsDirFor(target.provider), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(committed.length).toBeGreaterThan(0);
    const url = await target.freshDatabaseUrl();

    expect(await migrateDatabase(url)).toEqual({ provider: target.provider, applied: committed });
    expect(await target.appliedMigrations(url)).toEqual(committed.map((name) => ({ name, finished: true })));
    expect(await target.tables(url)).toEqual(expect.arrayContaining([...MODEL_TABLES, '_prisma_migrations']));
  });

  it('applies nothing when the database is already up to date, and keeps its data', async () => {
    const url = await target.freshDatabaseUrl();
    const store = await openStore(url);
    try {
      await store.guilds.update('300000000000000001', { paused: true });
    } finally {
      await store.close();
    }
    expect(await migrateDatabase(url)).toEqual({ provider: target.provider, applied: [] });
    const reopened = await openStore(url);
    try {
      expect(reopened.migration.applied).toEqual([]);
      expect(await reopened.guilds.get('300000000000000001')).toMatchObject({ paused: true });
    } finally {
      await reopened.close();
    }
    expect(await target.appliedMigrations(url)).toHaveLength((await readdir(migrationsDirFor(target.provider))).length - 1);
  });

  it('has a migration history that produces exactly prisma/schema.prisma (no migration is missing)', async () => {
    const url = await target.freshDatabaseUrl();
    const pending = await pendingMigrationSql(parseDatabaseUrl(url));
    expect(pending, 'schema.prisma changed without `npm run db:migration -- <name>`').toBeNull();
  });
}
