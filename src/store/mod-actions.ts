// The moderation audit log: who did what to whom, with details as JSON.
import type { ModAction } from '../generated/prisma/sqlite/client.ts';
import type { StoreContext } from './context.ts';
import { ensureGuild } from './ensure-rows.ts';
import { requirePositive } from './validate.ts';

export interface ModActionRecord {
  id: number;
  guildId: string;
  actorId: string;
  action: string;
  target: string | null;
  details: unknown;
  createdAt: Date;
}

export interface NewModAction {
  guildId: string;
  actorId: string;
  // e.g. "cancel-job", "set-quota", "ban-word", "pause".
  action: string;
  // e.g. a job id or a user id, as text.
  target?: string | null;
  // Anything JSON can hold.
  details?: unknown;
}

export interface ModActionRepository {
  record(action: NewModAction): Promise<ModActionRecord>;
  // Newest first.
  listRecent(guildId: string, options?: { limit?: number }): Promise<ModActionRecord[]>;
}

function toModActionRecord(row: ModAction): ModActionRecord {
  return { ...row, details: row.details === null ? null : JSON.parse(row.details) };
}

export function createModActionRepository(ctx: StoreContext): ModActionRepository {
  const { db } = ctx;
  return {
    async record({ guildId, actorId, action, target = null, details }) {
      const now = ctx.now();
      await ensureGuild(db, guildId, now);
      const row = await db.modAction.create({
        data: {
          guildId,
          actorId,
          action,
          target,
          details: details === undefined ? null : JSON.stringify(details),
          createdAt: now,
        },
      });
      return toModActionRecord(row);
    },
    async listRecent(guildId, options = {}) {
      const rows = await db.modAction.findMany({
        where: { guildId },
        orderBy: { id: 'desc' },
        take: requirePositive('limit', options.limit ?? 20),
      });
      return rows.map(toModActionRecord);
    },
  };
}
