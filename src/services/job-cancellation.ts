/**
 * What a cancel request really achieved, read from the job's status and its ledger rows after
 * the request has taken effect, so /cancel and /mod cancel report the truth, not the intent.
 */
import type { JobRecord, Store } from '../store/index.ts';

/**
 * cancelled: stopped before the engine finished, `refunded` credits back. posting: too late, the
 * picture is made and being posted (charged once it arrives). delivered: too late, posted and
 * charged. ended: it had already failed or been cancelled.
 */
export type CancelOutcome =
  | { outcome: 'cancelled'; job: JobRecord; refunded: number }
  | { outcome: 'posting'; job: JobRecord; cost: number }
  | { outcome: 'delivered'; job: JobRecord; charged: number }
  | { outcome: 'ended'; job: JobRecord; refunded: number };

/** `asked`: this request asked the engine to stop (a cancelled status is then its doing). */
export async function cancelOutcome(store: Store, jobId: number, asked: boolean): Promise<CancelOutcome> {
  const job = await store.jobs.get(jobId);
  if (!job) throw new Error(`expected job ${jobId} to exist after cancelling it`);
  const entries = await store.ledger.entriesForJob(jobId);
  const reserved = -(entries.find((e) => e.reason === 'reserve')?.delta ?? 0);
  const refunded = entries.filter((e) => e.reason === 'refund').reduce((sum, e) => sum + e.delta, 0);
  switch (job.status) {
    case 'generated':
      return { outcome: 'posting', job, cost: reserved };
    case 'done':
      return { outcome: 'delivered', job, charged: reserved };
    case 'cancelled':
      return asked ? { outcome: 'cancelled', job, refunded } : { outcome: 'ended', job, refunded };
    default:
      return { outcome: 'ended', job, refunded };
  }
}
