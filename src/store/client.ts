// Creates the Prisma client for a database: the client generated for its provider, over the
// matching driver adapter (no Prisma engine binary at run time).
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { DatabaseTarget } from './database-url.ts';
import type { Db } from './context.ts';
import { pgPoolConfig } from './pg-config.ts';

// How long an SQLite connection waits for another process's write lock before failing.
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

export async function createPrismaClient(target: DatabaseTarget): Promise<Db> {
  if (target.provider === 'sqlite') {
    const { PrismaClient } = await import('../generated/prisma/sqlite/client.ts');
    const adapter = new PrismaBetterSqlite3({ url: target.filePath, timeout: SQLITE_BUSY_TIMEOUT_MS });
    const db = new PrismaClient({ adapter });
    if (target.filePath !== ':memory:') {
      // Readers (a history command, a second process) then never wait for the writer.
      await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    }
    return db;
  }
  const { PrismaClient } = await import('../generated/prisma/postgresql/client.ts');
  const { schema, ...config } = pgPoolConfig(target.url);
  const adapter = new PrismaPg(config, schema ? { schema } : undefined);
  // Same models as the SQLite client (see Db).
  return new PrismaClient({ adapter }) as unknown as Db;
}
