// The ledger's statements. Each decision (enough credits? already refunded?) and the row it
// writes are ONE conditional `INSERT ... SELECT ... WHERE`, the same text on SQLite and
// PostgreSQL; src/store/ledger.ts explains why that is atomic on each and states the balance rule
// these sums implement.
import type { Provider } from './database-url.ts';
import { int, sql, text, timestamp, type Sql } from './sql-values.ts';

const COLUMNS = sql`("guildId", "userId", "delta", "bonusDelta", "reason", "jobId", "actorId", "note", "periodAt", "createdAt")`;

// Every write returns its row (SQLite >= 3.35 and PostgreSQL both have RETURNING): the amounts
// come from the statement that decided, not from a later read.
const RETURNING = sql`RETURNING "delta", "bonusDelta"`;

export interface WrittenRow {
  delta: unknown;
  bonusDelta: unknown;
}

export interface MemberPeriodSql {
  guildId: string;
  userId: string;
  periodStart: Date;
}

// One row: personal, guildDefault (either may be NULL), dailyUsed, bonus.
export function memberTotals({ guildId, userId, periodStart }: MemberPeriodSql): Sql {
  return sql`
    SELECT
      (SELECT q."dailyAllowance" FROM "UserQuota" q WHERE q."guildId" = ${guildId} AND q."userId" = ${userId}) AS "personal",
      (SELECT g."defaultDailyQuota" FROM "Guild" g WHERE g."id" = ${guildId}) AS "guildDefault",
      COALESCE((SELECT SUM(l."bonusDelta" - l."delta") FROM "QuotaLedger" l
                WHERE l."guildId" = ${guildId} AND l."userId" = ${userId} AND l."periodAt" >= ${periodStart}), 0) AS "dailyUsed",
      COALESCE((SELECT SUM(l."bonusDelta") FROM "QuotaLedger" l
                WHERE l."guildId" = ${guildId} AND l."userId" = ${userId}), 0) AS "bonus"`;
}

// Takes the daily allowance first (it expires at the rollover, bonus credits do not), the rest
// from bonus; writes nothing when the two together fall short or the job is already reserved.
export function reserve(
  provider: Provider,
  request: MemberPeriodSql & { jobId: number; amount: number; defaultAllowance: number; now: Date },
): Sql {
  const { guildId, userId, jobId, amount, defaultAllowance, now } = request;
  const at = timestamp(provider, now);
  return sql`
    INSERT INTO "QuotaLedger" ${COLUMNS}
    SELECT ${text(guildId)}, ${text(userId)}, 0 - ${int(amount)},
           CASE WHEN s."daily" >= ${int(amount)} THEN 0 ELSE s."daily" - ${int(amount)} END,
           'reserve', ${int(jobId)}, NULL, NULL, ${at}, ${at}
    FROM (
      SELECT CASE WHEN a."allowance" > a."dailyUsed" THEN a."allowance" - a."dailyUsed" ELSE 0 END AS "daily", a."bonus"
      FROM (
        SELECT COALESCE(t."personal", t."guildDefault", ${int(defaultAllowance)}) AS "allowance", t."dailyUsed", t."bonus"
        FROM (${memberTotals(request)}) t
      ) a
    ) s
    WHERE s."daily" + s."bonus" >= ${int(amount)}
      AND NOT EXISTS (SELECT 1 FROM "QuotaLedger" x WHERE x."jobId" = ${int(jobId)} AND x."reason" = 'reserve')
    ${RETURNING}`;
}

// Refund: returns the reservation to the pools it came from, counted in the reservation's period
// (periodAt), except the daily part when a reset came after the reservation: the reset already
// gave that back. Settle: a zero row that makes the charge final. Either only while the job has
// neither.
export function closeReservation(
  provider: Provider,
  kind: 'refund' | 'settle',
  request: { jobId: number; actorId: string | null; note: string | null; now: Date },
): Sql {
  const { jobId, actorId, note, now } = request;
  const amounts =
    kind === 'settle'
      ? sql`0, 0`
      : sql`0 - r."bonusDelta" + CASE WHEN EXISTS (
                SELECT 1 FROM "QuotaLedger" z
                WHERE z."guildId" = r."guildId" AND z."userId" = r."userId" AND z."reason" = 'reset' AND z."id" > r."id"
              ) THEN 0 ELSE r."bonusDelta" - r."delta" END,
            0 - r."bonusDelta"`;
  return sql`
    INSERT INTO "QuotaLedger" ${COLUMNS}
    SELECT r."guildId", r."userId", ${amounts}, ${kind === 'refund' ? sql`'refund'` : sql`'settle'`}, r."jobId",
           ${text(actorId)}, ${text(note)}, r."periodAt", ${timestamp(provider, now)}
    FROM "QuotaLedger" r
    WHERE r."jobId" = ${int(jobId)} AND r."reason" = 'reserve'
      AND NOT EXISTS (SELECT 1 FROM "QuotaLedger" c WHERE c."jobId" = r."jobId" AND c."reason" IN ('refund', 'settle'))
    ${RETURNING}`;
}

// Gives back everything charged against the allowance in the period (nothing when nothing was).
export function resetDaily(
  provider: Provider,
  request: MemberPeriodSql & { actorId: string | null; note: string | null; now: Date },
): Sql {
  const { guildId, userId, periodStart, actorId, note, now } = request;
  const at = timestamp(provider, now);
  return sql`
    INSERT INTO "QuotaLedger" ${COLUMNS}
    SELECT ${text(guildId)}, ${text(userId)}, s."dailyUsed", 0, 'reset', NULL, ${text(actorId)}, ${text(note)}, ${at}, ${at}
    FROM (
      SELECT COALESCE(SUM(l."bonusDelta" - l."delta"), 0) AS "dailyUsed" FROM "QuotaLedger" l
      WHERE l."guildId" = ${guildId} AND l."userId" = ${userId} AND l."periodAt" >= ${periodStart}
    ) s
    WHERE s."dailyUsed" > 0
    ${RETURNING}`;
}

export function grant(
  request: { guildId: string; userId: string; amount: number; actorId: string | null; note: string | null; now: Date },
): Sql {
  const { guildId, userId, amount, actorId, note, now } = request;
  return sql`
    INSERT INTO "QuotaLedger" ${COLUMNS}
    VALUES (${guildId}, ${userId}, ${amount}, ${amount}, 'grant', NULL, ${actorId}, ${note}, ${now}, ${now})
    ${RETURNING}`;
}

// PostgreSQL only: creates the member's UserQuota row if needed and row-locks it until the
// transaction ends. Updating the row to itself is what takes the lock.
export function lockMember(guildId: string, userId: string, now: Date): Sql {
  return sql`
    INSERT INTO "UserQuota" ("guildId", "userId", "updatedAt") VALUES (${guildId}, ${userId}, ${now})
    ON CONFLICT ("guildId", "userId") DO UPDATE SET "updatedAt" = "UserQuota"."updatedAt"`;
}
