// Words a guild refuses in prompts, stored folded as prompts are screened, so that "Gore",
// "gore ", "ｇｏｒｅ", "gôre" and "gоre" (Cyrillic о) are one entry. Matching prompts against them is
// the moderation service's job.
import { foldText } from '../text/fold-text.ts';
import type { StoreContext } from './context.ts';
import { ensureGuild } from './ensure-rows.ts';
import { sql } from './sql-values.ts';

// The same folding prompts get (src/text/fold-text.ts): what a moderator bans is exactly what
// the screen looks for, and any spelling of a banned word finds the same row to remove.
export function normaliseBannedWord(word: string): string {
  const normalised = foldText(word);
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
      // Rows saved before the folding covered accents and look-alikes ("gôre") fold to the same
      // word now, so removing "gore" removes them too.
      const rows = await db.bannedWord.findMany({ where: { guildId }, select: { word: true } });
      const matching = rows.map((row) => row.word).filter((stored) => stored === normalised || foldText(stored) === normalised);
      if (matching.length === 0) return { word: normalised, removed: false };
      const { count } = await db.bannedWord.deleteMany({ where: { guildId, word: { in: matching } } });
      return { word: normalised, removed: count > 0 };
    },
    async list(guildId) {
      const rows = await db.bannedWord.findMany({ where: { guildId }, orderBy: { word: 'asc' }, select: { word: true } });
      return rows.map((row) => row.word);
    },
  };
}
