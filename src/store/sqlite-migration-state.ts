// Whether an SQLite file already has every committed migration, read straight from
// `_prisma_migrations`. Prisma's engine opens SQLite with `locking_mode=EXCLUSIVE`, which fails
// while any other process has the file open; answering "nothing to do" without the engine lets
// a second process (a CLI next to the running bot) open an up-to-date database.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

export function sqliteHasAllMigrations(databaseFile: string, migrationNames: readonly string[]): boolean {
  if (databaseFile === ':memory:' || !existsSync(databaseFile)) return false;
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
    if (table === undefined) return false;
    const rows = db
      .prepare('SELECT migration_name AS name, finished_at AS finished, rolled_back_at AS rolledBack FROM _prisma_migrations')
      .all() as { name: string; finished: unknown; rolledBack: unknown }[];
    // A failed migration (started, neither finished nor rolled back) is the engine's to report.
    if (rows.some((row) => row.finished === null && row.rolledBack === null)) return false;
    const applied = new Set(rows.filter((row) => row.finished !== null && row.rolledBack === null).map((row) => row.name));
    return migrationNames.every((name) => applied.has(name));
  } finally {
    db.close();
  }
}
