// Creates the Guild and User rows that other rows point to, race-free: two interactions from a
// new member arriving together must not collide on the primary key, which a read-then-insert
// (or Prisma's emulated upsert) can.
import type { Executor } from './context.ts';
import { sql } from './sql-values.ts';

export async function ensureGuild(db: Executor, guildId: string, now: Date): Promise<void> {
  await db.$executeRaw(sql`
    INSERT INTO "Guild" ("id", "createdAt", "updatedAt") VALUES (${guildId}, ${now}, ${now})
    ON CONFLICT ("id") DO NOTHING`);
}

// A known name replaces the stored one; an unknown one (undefined) leaves it.
export async function ensureUser(db: Executor, userId: string, name: string | undefined, now: Date): Promise<void> {
  if (name === undefined) {
    await db.$executeRaw(sql`
      INSERT INTO "User" ("id", "createdAt", "updatedAt") VALUES (${userId}, ${now}, ${now})
      ON CONFLICT ("id") DO NOTHING`);
    return;
  }
  await db.$executeRaw(sql`
    INSERT INTO "User" ("id", "name", "createdAt", "updatedAt") VALUES (${userId}, ${name}, ${now}, ${now})
    ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name", "updatedAt" = excluded."updatedAt"`);
}
