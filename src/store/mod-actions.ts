// The moderation audit log: who did what to whom, with details as JSON.
//
// It also makes moderator commands apply once per Discord interaction. A command first claims its
// interaction: one INSERT of a pending row that the unique interactionId lets only one delivery
// write (ON CONFLICT DO NOTHING, atomic on SQLite and PostgreSQL alike, across processes). Only
// the delivery that claimed it changes anything; its audit record then completes that row.
// Claim, change and audit are not one transaction: on SQLite an open transaction would take in
// whatever else the bot queries meanwhile on the adapter's single connection (src/store/ledger.ts
// says more). The order makes the failure safe instead: a process that dies between claim and
// audit leaves a pending row, and that interaction is never applied again (at most once, never twice).
import type { ModAction } from '../generated/prisma/sqlite/client.ts';
import type { StoreContext } from './context.ts';
import { ensureGuild } from './ensure-rows.ts';
import { sql, text, timestamp } from './sql-values.ts';
import { requirePositive } from './validate.ts';

export interface ModActionRecord {
  id: number;
  guildId: string;
  actorId: string;
  action: string;
  target: string | null;
  details: unknown;
  createdAt: Date;
  interactionId: string | null;
  // Claimed by a command that has not recorded its outcome (yet, or ever: see above).
  pending: boolean;
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
  // The interaction behind it: completes that interaction's claim.
  interactionId?: string | null;
}

export interface ModActionClaim {
  guildId: string;
  actorId: string;
  interactionId: string;
  // What the command is about to do, shown should it never record its outcome.
  action: string;
  target?: string | null;
}

export type ClaimResult = { claimed: true } | { claimed: false; existing: ModActionRecord };

export interface ModActionRepository {
  record(action: NewModAction): Promise<ModActionRecord>;
  // Only the first claim of an interaction succeeds; the others get the row it wrote.
  claim(claim: ModActionClaim): Promise<ClaimResult>;
  // Gives up a claim whose command changed nothing (it was refused), so the row does not linger.
  release(interactionId: string): Promise<void>;
  // Newest first.
  listRecent(guildId: string, options?: { limit?: number }): Promise<ModActionRecord[]>;
}

function toModActionRecord(row: ModAction): ModActionRecord {
  return { ...row, details: row.details === null ? null : JSON.parse(row.details) };
}

export function createModActionRepository(ctx: StoreContext): ModActionRepository {
  const { db, provider } = ctx;
  return {
    async record({ guildId, actorId, action, target = null, details, interactionId = null }) {
      const now = ctx.now();
      const data = { action, target, details: details === undefined ? null : JSON.stringify(details) };
      if (interactionId !== null) {
        const completed = await db.modAction.updateMany({ where: { interactionId, pending: true }, data: { ...data, pending: false } });
        if (completed.count > 0) return toModActionRecord(await db.modAction.findUniqueOrThrow({ where: { interactionId } }));
      }
      await ensureGuild(db, guildId, now);
      // A second record for one interaction keeps the first as the interaction's own.
      const taken = interactionId !== null && (await db.modAction.findUnique({ where: { interactionId }, select: { id: true } })) !== null;
      const row = await db.modAction.create({
        data: { guildId, actorId, ...data, createdAt: now, interactionId: taken ? null : interactionId },
      });
      return toModActionRecord(row);
    },
    async claim({ guildId, actorId, interactionId, action, target = null }) {
      const now = ctx.now();
      await ensureGuild(db, guildId, now);
      // A claim released between our insert and our read makes room for one more try.
      for (let attempt = 0; attempt < 3; attempt++) {
        const inserted = await db.$queryRaw<{ id: unknown }[]>(sql`
          INSERT INTO "ModAction" ("guildId", "actorId", "action", "target", "details", "createdAt", "interactionId", "pending")
          VALUES (${text(guildId)}, ${text(actorId)}, ${text(action)}, ${text(target)}, NULL, ${timestamp(provider, now)}, ${text(interactionId)}, TRUE)
          ON CONFLICT ("interactionId") DO NOTHING
          RETURNING "id"`);
        if (inserted.length > 0) return { claimed: true };
        const existing = await db.modAction.findUnique({ where: { interactionId } });
        if (existing !== null) return { claimed: false, existing: toModActionRecord(existing) };
      }
      throw new Error(`expected to claim interaction ${interactionId} or find its claim, but it kept changing`);
    },
    async release(interactionId) {
      await db.modAction.deleteMany({ where: { interactionId, pending: true } });
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
