// Personal daily allowances: a member's own number of credits per quota period, overriding the
// guild's default. The row also serves as the member's lock for ledger writes on PostgreSQL.
import type { StoreContext } from './context.ts';
import { ensureGuild, ensureUser } from './ensure-rows.ts';
import { requireCount } from './validate.ts';

export interface UserQuotaRepository {
  // null: no personal allowance (the guild's default applies).
  getPersonalAllowance(guildId: string, userId: string): Promise<number | null>;
  setPersonalAllowance(guildId: string, userId: string, allowance: number | null): Promise<void>;
}

export function createUserQuotaRepository(ctx: StoreContext): UserQuotaRepository {
  const { db } = ctx;
  return {
    async getPersonalAllowance(guildId, userId) {
      const row = await db.userQuota.findUnique({ where: { guildId_userId: { guildId, userId } } });
      return row?.dailyAllowance ?? null;
    },
    async setPersonalAllowance(guildId, userId, allowance) {
      if (allowance !== null) requireCount('daily allowance', allowance);
      const now = ctx.now();
      await ensureGuild(db, guildId, now);
      await ensureUser(db, userId, undefined, now);
      await db.userQuota.upsert({
        where: { guildId_userId: { guildId, userId } },
        create: { guildId, userId, dailyAllowance: allowance, updatedAt: now },
        update: { dailyAllowance: allowance, updatedAt: now },
      });
    },
  };
}
