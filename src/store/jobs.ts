// Generation jobs: creation in the queue, status changes with their timings, history and the
// lists a restart needs. Status changes are conditional updates, so a worker finishing a job
// and a moderator cancelling it cannot both win.
import type { Executor, StoreContext } from './context.ts';
import { ensureGuild, ensureUser } from './ensure-rows.ts';
import {
  CANCELLABLE_STATUSES,
  toJobRecord,
  validateNewJob,
  type JobMessagesPatch,
  type JobRecord,
  type JobStatus,
  type NewJob,
  UNFINISHED_STATUSES,
} from './job-record.ts';
import { reserveWithin, validatePeriod, type ReservationRequest } from './ledger.ts';
import { lockMember } from './ledger-sql.ts';
import type { Balance } from './ledger-types.ts';
import { requireCount, requirePositive } from './validate.ts';

// `ok: false`: the job was not in a status the change starts from (`job` shows where it is), or
// does not exist (`job` null).
export type JobTransition = { ok: true; job: JobRecord } | { ok: false; job: JobRecord | null };

// The credits a new job reserves: the member's period and the amount (see the ledger).
export type JobReservation = Omit<ReservationRequest, 'jobId' | 'guildId' | 'userId'>;

export type CreateReservedResult = { ok: true; job: JobRecord; balance?: Balance } | { ok: false; balance: Balance };

export interface JobRepository {
  create(job: NewJob): Promise<JobRecord>;
  // The job row and its reservation in one transaction, so no crash leaves a queued job that
  // nobody paid for. When the member's credits fall short nothing is written (ok: false, with
  // the balance for the refusal). Without a reservation (a free job) it is a plain create.
  createReserved(job: NewJob, reservation?: JobReservation): Promise<CreateReservedResult>;
  get(jobId: number): Promise<JobRecord | null>;
  // queued -> running; sets startedAt.
  markRunning(jobId: number, at?: Date): Promise<JobTransition>;
  // running -> done; sets finishedAt and durationMs.
  markDone(jobId: number, at?: Date): Promise<JobTransition>;
  // running -> generated: the images are saved, the result not yet posted; sets finishedAt and
  // durationMs (the engine's time).
  markGenerated(jobId: number, at?: Date): Promise<JobTransition>;
  // generated -> done: the result was posted (in this message, when known).
  markDelivered(jobId: number, resultMessageId?: string | null): Promise<JobTransition>;
  // queued, running or generated -> failed, with the error shown to the member.
  markFailed(jobId: number, error: string, at?: Date): Promise<JobTransition>;
  // queued or running -> cancelled (a generated job is past cancelling); `reason` lands in `error` ("cancelled by a moderator").
  markCancelled(jobId: number, reason?: string, at?: Date): Promise<JobTransition>;
  // running -> queued, for jobs a restart interrupted; clears startedAt.
  requeue(jobId: number): Promise<JobTransition>;
  setMessages(jobId: number, patch: JobMessagesPatch): Promise<JobRecord>;
  // Newest first.
  listRecentByUser(userId: string, options?: { guildId?: string; limit?: number }): Promise<JobRecord[]>;
  // Oldest first (queue order). Restart recovery: listByStatus(['queued', 'running']).
  listByStatus(statuses: readonly JobStatus[], options?: { guildId?: string }): Promise<JobRecord[]>;
  // Jobs waiting or running, for queue limits.
  countUnfinished(filter: { guildId: string; userId?: string }): Promise<number>;
  // Delivered jobs whose reservation is neither settled nor refunded: a settle that failed after
  // the post, to be settled again (never refunded) on the next start.
  listDeliveredUnsettled(): Promise<JobRecord[]>;
  // The job whose result is this Discord message (reactions on results start jobs from it): its
  // own post, or a re-post by /show.
  findByResultMessage(messageId: string): Promise<JobRecord | null>;
  // A message that /show posted for a job: reactions on it act as on the original.
  recordShown(jobId: number, messageId: string): Promise<void>;
  // Deletes a queued job that was refused before anything was charged (no ledger rows, no
  // images), so a refusal leaves no trace in the member's history. False if it had gone further.
  discard(jobId: number): Promise<boolean>;
}

export function createJobRepository(ctx: StoreContext): JobRepository {
  const { db, provider } = ctx;

  async function transition(
    jobId: number,
    from: readonly JobStatus[],
    change: (job: JobRecord) => Parameters<typeof db.job.updateMany>[0]['data'],
  ): Promise<JobTransition> {
    const row = await db.job.findUnique({ where: { id: jobId } });
    if (row === null) return { ok: false, job: null };
    const job = toJobRecord(row);
    if (!from.includes(job.status)) return { ok: false, job };
    // Conditional on the status read above: a concurrent change in between makes this a no-op.
    const { count } = await db.job.updateMany({ where: { id: jobId, status: job.status }, data: change(job) });
    const current = toJobRecord(await db.job.findUniqueOrThrow({ where: { id: jobId } }));
    return count === 1 ? { ok: true, job: current } : { ok: false, job: current };
  }

  function finish(job: JobRecord, at: Date) {
    return {
      finishedAt: at,
      durationMs: job.startedAt === null ? null : Math.max(0, at.getTime() - job.startedAt.getTime()),
    };
  }

  async function insert(executor: Executor, job: NewJob, now: Date): Promise<JobRecord> {
    await ensureGuild(executor, job.guildId, now);
    await ensureUser(executor, job.userId, job.userName, now);
    const { userName: _userName, seed, cost = 0, ...fields } = job;
    const row = await executor.job.create({
      data: { ...fields, seed: BigInt(seed), cost: requireCount('job cost', cost), status: 'queued', createdAt: now },
    });
    return toJobRecord(row);
  }

  return {
    async create(job) {
      validateNewJob(job);
      return insert(db, job, ctx.now());
    },

    async createReserved(job, reservation) {
      validateNewJob(job);
      if (reservation === undefined) return { ok: true, job: await insert(db, job, ctx.now()) };
      const request = { ...reservation, guildId: job.guildId, userId: job.userId };
      validatePeriod(request);
      requirePositive('amount to reserve', request.amount);
      // SQLite: the adapter serialises transactions on its one connection; a refusal deletes the
      // job inside the transaction and commits rather than rolling back, because a statement the
      // rest of the bot runs meanwhile on that connection lands in this transaction and must not
      // be undone with it. PostgreSQL: lockMember makes this member's writers take turns, as in
      // the ledger.
      return db.$transaction(
        async (tx) => {
          const now = ctx.now();
          if (provider === 'postgresql') {
            // The member's lock first, as every ledger write takes it (its row needs guild and user).
            await ensureGuild(tx, job.guildId, now);
            await ensureUser(tx, job.userId, job.userName, now);
            await tx.$executeRaw(lockMember(job.guildId, job.userId, now));
          }
          const created = await insert(tx, { ...job, cost: request.amount }, now);
          const reserved = await reserveWithin(tx, provider, { ...request, jobId: created.id }, now);
          if (!reserved.ok) {
            await tx.job.delete({ where: { id: created.id } });
            return { ok: false as const, balance: reserved.balance };
          }
          return { ok: true as const, job: created, balance: reserved.balance };
        },
        { maxWait: 10_000, timeout: 30_000 },
      );
    },

    async get(jobId) {
      const row = await db.job.findUnique({ where: { id: jobId } });
      return row === null ? null : toJobRecord(row);
    },

    markRunning(jobId, at = ctx.now()) {
      return transition(jobId, ['queued'], () => ({ status: 'running', startedAt: at }));
    },

    markDone(jobId, at = ctx.now()) {
      return transition(jobId, ['running'], (job) => ({ status: 'done', error: null, ...finish(job, at) }));
    },

    markGenerated(jobId, at = ctx.now()) {
      return transition(jobId, ['running'], (job) => ({ status: 'generated', error: null, ...finish(job, at) }));
    },

    markDelivered(jobId, resultMessageId) {
      return transition(jobId, ['generated'], () => ({ status: 'done', ...(resultMessageId ? { resultMessageId } : {}) }));
    },

    markFailed(jobId, error, at = ctx.now()) {
      return transition(jobId, UNFINISHED_STATUSES, (job) => ({ status: 'failed', error, ...finish(job, at) }));
    },

    markCancelled(jobId, reason, at = ctx.now()) {
      return transition(jobId, CANCELLABLE_STATUSES, (job) => ({
        status: 'cancelled',
        error: reason ?? null,
        ...finish(job, at),
      }));
    },

    requeue(jobId) {
      return transition(jobId, ['running'], () => ({ status: 'queued', startedAt: null }));
    },

    async setMessages(jobId, patch) {
      const row = await db.job.update({ where: { id: jobId }, data: patch }).catch((error: unknown) => {
        throw new Error(`expected job ${jobId} to exist to record its messages: ${(error as Error).message}`, {
          cause: error,
        });
      });
      return toJobRecord(row);
    },

    async listRecentByUser(userId, options = {}) {
      const rows = await db.job.findMany({
        where: { userId, ...(options.guildId === undefined ? {} : { guildId: options.guildId }) },
        orderBy: { id: 'desc' },
        take: requirePositive('limit', options.limit ?? 10),
      });
      return rows.map(toJobRecord);
    },

    async listByStatus(statuses, options = {}) {
      const rows = await db.job.findMany({
        where: {
          status: { in: [...statuses] },
          ...(options.guildId === undefined ? {} : { guildId: options.guildId }),
        },
        orderBy: { id: 'asc' },
      });
      return rows.map(toJobRecord);
    },

    async listDeliveredUnsettled() {
      const rows = await db.job.findMany({
        where: {
          status: 'done',
          AND: [{ ledger: { some: { reason: 'reserve' } } }, { ledger: { none: { reason: { in: ['settle', 'refund'] } } } }],
        },
        orderBy: { id: 'asc' },
      });
      return rows.map(toJobRecord);
    },

    async findByResultMessage(messageId) {
      const row = await db.job.findFirst({ where: { resultMessageId: messageId }, orderBy: { id: 'desc' } });
      if (row !== null) return toJobRecord(row);
      const shown = await db.shownMessage.findUnique({ where: { messageId }, include: { job: true } });
      return shown === null ? null : toJobRecord(shown.job);
    },

    async recordShown(jobId, messageId) {
      // Discord may deliver the same post twice to whoever records it; the first record stands.
      await db.shownMessage.upsert({ where: { messageId }, create: { messageId, jobId, createdAt: ctx.now() }, update: {} });
    },

    async discard(jobId) {
      const charged = await db.quotaLedger.count({ where: { jobId } });
      if (charged > 0) return false;
      const { count } = await db.job.deleteMany({ where: { id: jobId, status: 'queued' } });
      return count === 1;
    },

    countUnfinished(filter) {
      return db.job.count({
        where: {
          guildId: filter.guildId,
          status: { in: [...UNFINISHED_STATUSES] },
          ...(filter.userId === undefined ? {} : { userId: filter.userId }),
        },
      });
    },
  };
}
