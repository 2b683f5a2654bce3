/**
 * What the job service needs of a fair queue. FairScheduler is the queue itself (one process, or a
 * sharding manager's one global queue); a shard's proxy of the global queue (src/sharding/) is the
 * other implementation, so the job service does not know whether its queue is here or elsewhere.
 */
import type { Eta } from './eta.ts';
import type { CancelResult, JobRequest, JobTicket, QueueSnapshot } from './scheduler-types.ts';

/**
 * A ticket whose place may not be known yet: `position` undefined means the queue lives in another
 * process and has not answered; `onChange` tells the place once it has.
 */
export type SchedulerTicket<T> = Omit<JobTicket<T>, 'position'> & { readonly position: JobTicket<T>['position'] | undefined };

export interface Scheduler {
  submit<T>(request: JobRequest<T>): SchedulerTicket<T>;
  cancel(id: string): CancelResult;
  pause(guildId: string): void;
  resume(guildId: string): void;
  isPaused(guildId: string): boolean;
  snapshot(): QueueSnapshot;
  eta(id: string): Eta | undefined;
  onChange(listener: (snapshot: QueueSnapshot) => void): () => void;
  idle(): Promise<void>;
  close(options?: { readonly cancel?: boolean }): Promise<void>;
  /** Jobs waiting. */
  readonly size: number;
  /** Jobs holding slots. */
  readonly running: number;
}
