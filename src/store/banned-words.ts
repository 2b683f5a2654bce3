// Words a guild refuses in prompts, stored normalised so that "Gore", "gore " and "ｇｏｒｅ" are
// one entry. Matching prompts against them is the moderation service's job.
import type { StoreContext } from './context.ts';
import { ensureGuild } from './ensure-rows.ts';
import { sql } from './sql-values.ts';

// NFKC folds full-width and compatibility forms; lower case without a locale so the result does
// not depend on the machine; inner whitespace collapses so phrases compare as typed.
export function normaliseBannedWord(word: string): string {
  const normalised = word.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
  if (normalised === '') throw new Error(`expected a banned word with letters in it, got ${JSON.stringify(word)}`);
  return normalised;
}

export interface BannedWordRepository {
  // added: false when the guild already had it.
  add(guildId: string, word: string, addedBy?: string): Promise<{ word: string; added: boolean }>;
  remove(guildId: string, word: string): Promise<{ word: string; removed: boolean }>;
  // Alphabetical.
  list(guildId: string): Promise<string[]>;
}

export function createBannedWordRepository(ctx: StoreContext): BannedWordRepository {
  const { db } = ctx;
  return {
    async add(guildId, word, addedBy) {
      const normalised = normaliseBannedWord(word);
      const now = ctx.now();
      await ensureGuild(db, guildId, now);
      const inserted = await db.$executeRaw(sql`
        INSERT INTO "BannedWord" ("guildId", "word", "addedBy", "createdAt")
        VALUES (${guildId}, ${normalised}, ${addedBy ?? null}, ${now})
        ON CONFLICT ("guildId", "word") DO NOTHING`);
      return { word: normalised, added: inserted === 1 };
    },
    async remove(guildId, word) {
      const normalised = normaliseBannedWord(word);
      const { count } = await db.bannedWord.deleteMany({ where: { guildId, word: normalised } });
      return { word: normalised, removed: count === 1 };
    },
    async list(guildId) {
      const rows = await db.bannedWord.findMany({ where: { guildId }, orderBy: { word: 'asc' }, select: { word: true } });
      return rows.map((row) => row.word);
    },
  };
}
