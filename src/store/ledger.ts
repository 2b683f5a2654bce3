// The credit ledger: exact, atomic primitives for the quota service (which owns the policy and
// the messages). Rows are only ever appended; a balance is computed from them.
//
// THE BALANCE RULE, for a member of a guild and the quota period that starts at `periodStart`
// (the caller derives it from the global rollover hour):
//
//   allowance = the member's personal allowance (UserQuota.dailyAllowance)
//               ?? the guild's default (Guild.defaultDailyQuota)
//               ?? `defaultAllowance` (the environment's default, passed in)
//   dailyUsed = Σ (bonusDelta − delta) over the member's rows with periodAt ≥ periodStart
//               = reserved from the allowance − refunded to it − reset in this period
//   daily     = max(0, allowance − dailyUsed)          what is left of the allowance
//   bonus     = Σ bonusDelta over all the member's rows  granted − spent + refunded; never expires
//   available = daily + bonus
//
// A reservation of `amount` succeeds iff available ≥ amount. It takes min(amount, daily) from the
// allowance and the rest from bonus, because the allowance expires at the rollover and bonus does
// not. (Adding grants to "allowance − charged" instead would never use them up.)
// A refund returns each part to where it came from; its daily part counts toward the period of
// the reservation (periodAt), so refunding yesterday's job does not raise today's allowance.
// A reset gives back the period's dailyUsed; a later refund of a job reserved before the reset
// then returns only its bonus part. A settle changes nothing but makes the charge final: a job is
// reserved, then either settled or refunded, each at most once.
//
// ATOMICITY. Every decision and the row it leads to are one conditional INSERT ... SELECT (see
// ledger-sql.ts).
// - SQLite: a single statement is atomic, and a writing statement takes the database's write
//   lock before it reads, so no other connection or process can write between the check and
//   the insert. No interactive transaction is used on purpose: the SQLite adapter has one
//   connection, and any query the rest of the bot issued during an open transaction would run
//   inside it.
// - PostgreSQL: concurrent statements read the same snapshot, so each ledger write first locks
//   the member's UserQuota row in a transaction (READ COMMITTED): writers for one member take
//   turns, and each then reads everything committed before it.
// The unique (jobId, reason) index backs the "at most once" rules on both.
import type { QuotaLedger } from '../generated/prisma/sqlite/client.ts';
import type { Executor, StoreContext } from './context.ts';
import { ensureGuild, ensureUser } from './ensure-rows.ts';
import * as statements from './ledger-sql.ts';
import type { Balance, Ledger, LedgerEntry, LedgerReason, MemberPeriod, ReserveResult } from './ledger-types.ts';
import type { Sql } from './sql-values.ts';
import { requireCount, requirePositive } from './validate.ts';

interface TotalsRow {
  personal: unknown;
  guildDefault: unknown;
  dailyUsed: unknown;
  bonus: unknown;
}

// Sums come back as bigint or number depending on the driver.
function num(value: unknown): number {
  return Number(value ?? 0);
}

export function balanceFrom(row: TotalsRow, defaultAllowance: number): Balance {
  const personal = row.personal == null ? null : num(row.personal);
  const guildDefault = row.guildDefault == null ? null : num(row.guildDefault);
  const allowance = personal ?? guildDefault ?? defaultAllowance;
  const dailyUsed = num(row.dailyUsed);
  const daily = Math.max(0, allowance - dailyUsed);
  const bonus = num(row.bonus);
  return {
    allowance,
    allowanceSource: personal !== null ? 'personal' : guildDefault !== null ? 'guild' : 'default',
    dailyUsed,
    daily,
    bonus,
    available: daily + bonus,
  };
}

function toEntry(row: QuotaLedger): LedgerEntry {
  return { ...row, reason: row.reason as LedgerReason };
}

// The rows a conditional insert wrote: none when its condition refused.
async function write(executor: Executor, statement: Sql): Promise<{ delta: number; bonusDelta: number }[]> {
  const rows = await executor.$queryRaw<statements.WrittenRow[]>(statement);
  return rows.map((row) => ({ delta: num(row.delta), bonusDelta: num(row.bonusDelta) }));
}

async function readBalance(executor: Executor, query: MemberPeriod): Promise<Balance> {
  const rows = await executor.$queryRaw<TotalsRow[]>(statements.memberTotals(query));
  return balanceFrom(rows[0], query.defaultAllowance);
}

export type ReservationRequest = MemberPeriod & { jobId: number; amount: number };

// The reservation itself, on a connection that already decides alone for this member (SQLite's
// single connection, or a PostgreSQL transaction holding lockMember): the ledger's reserve() and
// the job repository's createReserved() (job row and reservation in one transaction) both use it.
export async function reserveWithin(executor: Executor, provider: StoreContext['provider'], request: ReservationRequest, now: Date): Promise<ReserveResult> {
  const [row] = await write(executor, statements.reserve(provider, { ...request, now }));
  if (row !== undefined) {
    // The job's cost mirrors its reservation for history and moderators.
    await executor.job.update({ where: { id: request.jobId }, data: { cost: request.amount } });
    return {
      ok: true as const,
      fromDaily: row.bonusDelta - row.delta,
      fromBonus: 0 - row.bonusDelta,
      balance: await readBalance(executor, request),
    };
  }
  const existing = await executor.quotaLedger.findUnique({
    where: { jobId_reason: { jobId: request.jobId, reason: 'reserve' } },
  });
  return {
    ok: false as const,
    reason: existing === null ? ('insufficient' as const) : ('already-reserved' as const),
    balance: await readBalance(executor, request),
  };
}

export function validatePeriod(query: MemberPeriod): void {
  requireCount('default allowance', query.defaultAllowance);
  if (!(query.periodStart instanceof Date) || Number.isNaN(query.periodStart.getTime())) {
    throw new Error(`expected periodStart to be a valid Date, got ${String(query.periodStart)}`);
  }
}

export function createLedger(ctx: StoreContext): Ledger {
  const { db, provider } = ctx;

  // Runs `work` so that its conditional INSERT decides alone for this member (see ATOMICITY).
  async function forMember<T>(guildId: string, userId: string, work: (db: Executor) => Promise<T>): Promise<T> {
    if (provider === 'sqlite') return work(db);
    return db.$transaction(
      async (tx) => {
        await tx.$executeRaw(statements.lockMember(guildId, userId, ctx.now()));
        return work(tx);
      },
      // Racing writers of one member queue on the row lock, each for milliseconds.
      { maxWait: 10_000, timeout: 30_000 },
    );
  }

  async function reservation(jobId: number): Promise<QuotaLedger | null> {
    return db.quotaLedger.findUnique({ where: { jobId_reason: { jobId, reason: 'reserve' } } });
  }

  async function closedBy(executor: Executor, jobId: number): Promise<string | undefined> {
    const row = await executor.quotaLedger.findFirst({
      where: { jobId, reason: { in: ['refund', 'settle'] } },
      select: { reason: true },
    });
    return row?.reason;
  }

  return {
    async reserve(request) {
      validatePeriod(request);
      requirePositive('amount to reserve', request.amount);
      const job = await db.job.findUnique({ where: { id: request.jobId }, select: { guildId: true, userId: true } });
      if (job === null) throw new Error(`expected job ${request.jobId} to exist before reserving credits for it, found none`);
      if (job.guildId !== request.guildId || job.userId !== request.userId) {
        throw new Error(
          `expected job ${request.jobId} to belong to user ${request.userId} in guild ${request.guildId}, it belongs to user ${job.userId} in guild ${job.guildId}`,
        );
      }
      return forMember(request.guildId, request.userId, (executor) => reserveWithin(executor, provider, request, ctx.now()));
    },

    async settle(jobId) {
      const reserved = await reservation(jobId);
      if (reserved === null) return { settled: false, because: 'not-reserved' };
      return forMember(reserved.guildId, reserved.userId, async (executor) => {
        const [row] = await write(
          executor,
          statements.closeReservation(provider, 'settle', { jobId, actorId: null, note: null, now: ctx.now() }),
        );
        if (row !== undefined) return { settled: true as const, amount: 0 - reserved.delta };
        const closed = await closedBy(executor, jobId);
        return { settled: false as const, because: closed === 'refund' ? ('refunded' as const) : ('already-settled' as const) };
      });
    },

    async refund(jobId, reason, actorId) {
      const reserved = await reservation(jobId);
      if (reserved === null) return { refunded: false, because: 'not-reserved' };
      return forMember(reserved.guildId, reserved.userId, async (executor) => {
        const [row] = await write(
          executor,
          statements.closeReservation(provider, 'refund', {
            jobId,
            actorId: actorId ?? null,
            note: reason ?? null,
            now: ctx.now(),
          }),
        );
        if (row !== undefined) {
          return { refunded: true as const, amount: row.delta, toDaily: row.delta - row.bonusDelta, toBonus: row.bonusDelta };
        }
        const closed = await closedBy(executor, jobId);
        return { refunded: false as const, because: closed === 'settle' ? ('settled' as const) : ('already-refunded' as const) };
      });
    },

    async grant({ guildId, userId, amount, actorId, note }) {
      requirePositive('amount to grant', amount);
      const now = ctx.now();
      await ensureGuild(db, guildId, now);
      await ensureUser(db, userId, undefined, now);
      await forMember(guildId, userId, (executor) =>
        write(executor, statements.grant({ guildId, userId, amount, actorId: actorId ?? null, note: note ?? null, now })),
      );
      // Bonus does not depend on the period; any period gives the same bonus.
      return readBalance(db, { guildId, userId, periodStart: now, defaultAllowance: 0 });
    },

    async resetDaily(request) {
      validatePeriod(request);
      const now = ctx.now();
      await ensureGuild(db, request.guildId, now);
      await ensureUser(db, request.userId, undefined, now);
      return forMember(request.guildId, request.userId, async (executor) => {
        const [row] = await write(
          executor,
          statements.resetDaily(provider, { ...request, actorId: request.actorId ?? null, note: request.note ?? null, now }),
        );
        return { restored: row?.delta ?? 0, balance: await readBalance(executor, request) };
      });
    },

    async balance(query) {
      validatePeriod(query);
      return readBalance(db, query);
    },

    async entriesForJob(jobId) {
      const rows = await db.quotaLedger.findMany({ where: { jobId }, orderBy: { id: 'asc' } });
      return rows.map(toEntry);
    },

    async history(guildId, userId, options = {}) {
      const rows = await db.quotaLedger.findMany({
        where: { guildId, userId },
        orderBy: { id: 'desc' },
        take: requirePositive('limit', options.limit ?? 20),
      });
      return rows.map(toEntry);
    },
  };
}
