// Compares prisma/schema.prisma with a committed migration history: the SQL that a new
// migration would need. Used to create migrations and to check that none is missing.
import { readFile } from 'node:fs/promises';
import { ensureSqliteFolder, type DatabaseTarget } from './database-url.ts';
import { readMigrationsList } from './migrations-list.ts';
import { openSchemaEngine } from './schema-engine.ts';
import { SCHEMA_PATH, schemaVariant } from './schema-files.ts';

// `shadow` is a database the engine may connect to: it replays the history into a shadow
// database (SQLite: in memory; PostgreSQL: a temporary database it creates on that server).
// Returns the SQL script, or null when the history already produces the schema.
export async function pendingMigrationSql(
  shadow: DatabaseTarget,
  options: { schemaPath?: string; migrationsDir?: string } = {},
): Promise<string | null> {
  const schema = schemaVariant(await readFile(options.schemaPath ?? SCHEMA_PATH, 'utf8'), shadow.provider);
  const migrations = await readMigrationsList(shadow.provider, options.migrationsDir);
  await ensureSqliteFolder(shadow);
  const session = await openSchemaEngine(shadow);
  try {
    const result = await session.engine.diff({
      from: { tag: 'migrations', ...migrations },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] },
      script: true,
      // With exitCode set the engine reports 2 for a non-empty diff, 0 for none.
      exitCode: true,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.exitCode === 2 ? (result.stdout ?? '') : null;
  } catch (error) {
    throw session.explain(error);
  } finally {
    await session.close();
  }
}
