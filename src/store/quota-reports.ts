// Read-only summaries of the credit ledger for moderators: who used how much in a quota period.
// Balances stay the ledger's business (src/store/ledger.ts); this only adds rows up per member.
import type { StoreContext } from './context.ts';
import { requirePositive } from './validate.ts';

export interface MemberUsage {
  userId: string;
  // Credits reserved in the period less those refunded (a waiting job's credits count as used).
  credits: number;
  // Jobs charged in the period less those refunded.
  jobs: number;
}

export interface QuotaReportRepository {
  // Members of the guild by credits used since `periodStart`, most first; members at 0 left out.
  usageSince(guildId: string, periodStart: Date, options?: { limit?: number }): Promise<MemberUsage[]>;
}

export function createQuotaReportRepository(ctx: StoreContext): QuotaReportRepository {
  const { db } = ctx;
  return {
    async usageSince(guildId, periodStart, options = {}) {
      const limit = requirePositive('limit', options.limit ?? 10);
      // A refund counts toward the period of its reservation (periodAt), so both sides of a job
      // fall in the same period; grants and resets are not usage.
      const rows = await db.quotaLedger.groupBy({
        by: ['userId', 'reason'],
        where: { guildId, periodAt: { gte: periodStart }, reason: { in: ['reserve', 'refund'] } },
        _sum: { delta: true },
        _count: { _all: true },
      });
      const byUser = new Map<string, MemberUsage>();
      for (const row of rows) {
        const usage = byUser.get(row.userId) ?? { userId: row.userId, credits: 0, jobs: 0 };
        usage.credits -= Number(row._sum.delta ?? 0);
        usage.jobs += row.reason === 'reserve' ? row._count._all : -row._count._all;
        byUser.set(row.userId, usage);
      }
      return [...byUser.values()]
        .filter((u) => u.credits > 0)
        .sort((a, b) => b.credits - a.credits || b.jobs - a.jobs || a.userId.localeCompare(b.userId))
        .slice(0, limit);
    },
  };
}
