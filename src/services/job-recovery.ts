/**
 * What a start does with the jobs the last process left: a result already generated is posted,
 * not made again; waiting and running jobs go back in the queue (running ones first, as they were
 * first), their owners told; one that cannot be resumed fails with a message and a refund; a
 * delivered job whose charge was never settled is settled (never refunded). A job done is never
 * touched otherwise.
 */
import type { JobRecord, Store } from '../store/index.ts';
import type { JobObserver } from './job-observer.ts';
import type { ModelRegistry } from './model-registry.ts';
import { requestOf } from './job-requests.ts';
import type { QuotaService } from './quota-service.ts';

export interface RecoveryReport {
  /** Jobs picked up again: queued for the engine, or for posting when already generated. */
  resumed: number;
  failed: number;
}

export interface RecoveryDeps {
  store: Store;
  quota: QuotaService;
  models: ModelRegistry;
  log: (message: string, err?: unknown) => void;
  /**
   * Whose jobs this process takes: with gateway sharding, a shard recovers only its own servers'
   * jobs (the other shards recover theirs). Default: every job.
   */
  owns?: (guildId: string) => boolean;
}

export interface RecoveryHooks {
  observe(job: JobRecord): JobObserver;
  /** Back in the fair queue, to be generated. */
  enqueue(job: JobRecord, observer: JobObserver): void;
  /** To the delivery stage, its saved result posted as it is. */
  deliver(job: JobRecord, observer: JobObserver): void;
}

export async function recoverJobs(deps: RecoveryDeps, hooks: RecoveryHooks): Promise<RecoveryReport> {
  const { store, quota, models, log } = deps;
  const owns = deps.owns ?? (() => true);
  const mine = <T extends { guildId: string }>(jobs: T[]) => jobs.filter((job) => owns(job.guildId));
  for (const job of mine(await store.jobs.listDeliveredUnsettled())) {
    await quota.settle(job.id).catch((err) => log(`job ${job.id}: its charge still could not be settled`, err));
  }
  let resumed = 0;
  let failed = 0;
  for (const job of mine(await store.jobs.listByStatus(['generated']))) {
    hooks.deliver(job, hooks.observe(job));
    resumed++;
  }
  const unfinished = mine(await store.jobs.listByStatus(['running', 'queued']));
  unfinished.sort((a, b) => (a.status === b.status ? a.id - b.id : a.status === 'running' ? -1 : 1));
  for (const stale of unfinished) {
    const job = stale.status === 'running' ? ((await store.jobs.requeue(stale.id)).job ?? stale) : stale;
    const observer = hooks.observe(job);
    try {
      // The models may have changed since. One not loaded yet is checked when its job runs.
      if (!models.has(job.model)) throw new Error(`its model "${job.model}" is no longer offered; this bot offers ${models.names.map((n) => `"${n}"`).join(', ')}`);
      models.plannerNow(job.model)?.resolve(requestOf(job));
      hooks.enqueue(job, observer);
      resumed++;
    } catch (err) {
      failed++;
      const why = err instanceof Error ? err.message : String(err);
      await store.jobs.markFailed(job.id, `lost in a restart: ${why}`);
      await quota.refund(job.id, 'lost in a restart');
      await observer.failed(`the bot restarted and could not resume this job (${why}); your credits were returned`).catch((e) => log(`job ${job.id}: could not tell its owner`, e));
    }
  }
  return { resumed, failed };
}
