// Which guilds a moderator paused. The pause lives in Guild.paused so that a restart can pause
// their queues again before any recovered job starts.
import type { StoreContext } from './context.ts';

export interface PausedGuildRepository {
  // Ids of the guilds whose `paused` setting is on.
  list(): Promise<string[]>;
}

export function createPausedGuildRepository(ctx: StoreContext): PausedGuildRepository {
  const { db } = ctx;
  return {
    async list() {
      const rows = await db.guild.findMany({ where: { paused: true }, select: { id: true }, orderBy: { id: 'asc' } });
      return rows.map((row) => row.id);
    },
  };
}
