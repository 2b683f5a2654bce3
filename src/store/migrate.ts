// Brings a database up to date with the committed migrations at start-up: no CLI, no network.
// Prisma's schema engine applies what is missing and records it in `_prisma_migrations`, so a
// second run applies nothing. On SQLite an up-to-date file is recognised without the engine
// (sqlite-migration-state.ts), and migrators take turns (migration-lock.ts).
import { DEFAULT_DATABASE_URL, ensureSqliteFolder, parseDatabaseUrl, redactUrl, type Provider } from './database-url.ts';
import { withSqliteMigrationLock } from './migration-lock.ts';
import { readMigrationsList } from './migrations-list.ts';
import { sqliteHasAllMigrations } from './sqlite-migration-state.ts';
import { openSchemaEngine } from './schema-engine.ts';

export interface MigrationReport {
  provider: Provider;
  // Names of the migrations this call applied, oldest first; empty when already up to date.
  applied: string[];
}

export async function migrateDatabase(
  databaseUrl: string = DEFAULT_DATABASE_URL,
  options: { migrationsDir?: string } = {},
): Promise<MigrationReport> {
  const target = parseDatabaseUrl(databaseUrl);
  await ensureSqliteFolder(target);
  const migrations = await readMigrationsList(target.provider, options.migrationsDir);
  if (migrations.migrationDirectories.length === 0) {
    throw new Error(`expected migrations in ${migrations.baseDir}, found none`);
  }
  const apply = async (): Promise<MigrationReport> => {
    const session = await openSchemaEngine(target);
    try {
      const { appliedMigrationNames } = await session.engine.applyMigrations({
        migrationsList: migrations,
        filters: { externalTables: [], externalEnums: [] },
      });
      return { provider: target.provider, applied: appliedMigrationNames };
    } catch (error) {
      const explained = session.explain(error).message;
      // The engine needs the SQLite file to itself and reports a busy file as `SocketTimeout`.
      const busy = target.provider === 'sqlite' && /SocketTimeout|SQLITE_BUSY|database is locked/.test(explained);
      throw new Error(
        busy
          ? `expected exclusive access to ${target.url} to apply migrations, but another connection has it open (another bot process?); stop it and start again`
          : `expected to migrate ${redactUrl(target.url)} with ${migrations.baseDir}, but the schema engine failed: ${explained}`,
        { cause: error },
      );
    } finally {
      await session.close();
    }
  };
  if (target.provider === 'postgresql') return apply();
  const names = migrations.migrationDirectories.map((directory) => directory.path);
  const upToDate = () => sqliteHasAllMigrations(target.filePath, names);
  if (upToDate()) return { provider: 'sqlite', applied: [] };
  // Checked again under the lock: a process that waited finds the work done by the one before.
  return withSqliteMigrationLock(target.filePath, async () => (upToDate() ? { provider: 'sqlite', applied: [] } : apply()));
}
