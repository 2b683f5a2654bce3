/**
 * The shapes FairScheduler takes and gives: its options, a job request and its ticket, and the
 * views of waiting and running jobs the bot turns into "position 3 in queue" messages.
 */

export interface FairSchedulerOptions {
  /**
   * Jobs that run at once: one per GPU/CPU inference slot.
   *
   * @default 1
   */
  readonly slots?: number;
  /**
   * Milliseconds a job is assumed to take, for ETAs, until a job has finished and been measured.
   *
   * @default 30_000
   */
  readonly initialJobMs?: number;
  /**
   * How many recent successful runs the measured average duration covers.
   *
   * @default 10
   */
  readonly durationWindow?: number;
  /**
   * The clock, in milliseconds, for submit/start times, measured durations and ETAs.
   *
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * Whether a waiting job may take a free slot now, given the jobs holding slots. For slots that
   * are not alike (workers that each serve some models): a job whose pool has no free place is
   * passed over, keeping its turn, and the next fair job that can start goes instead.
   *
   * @default every job may start
   */
  readonly canStart?: (job: JobInfo, running: readonly JobInfo[]) => boolean;
  /**
   * Where an exception thrown by an `onChange` listener goes; it does not reach the queue.
   *
   * @default console.error
   */
  readonly onListenerError?: (error: unknown) => void;
}

export interface JobRequest<T> {
  /** Unique among the jobs waiting or running (a Discord interaction id will do). */
  readonly id: string;
  readonly guildId: string;
  readonly userId: string;
  /** What kind of slot the job needs (the model it runs on), for `canStart`. */
  readonly pool?: string;
  /**
   * The work, called once the job has a slot. It should stop soon after `signal` aborts. The slot
   * stays taken until the returned promise settles, because the GPU is busy until then.
   */
  readonly run: (signal: AbortSignal) => Promise<T>;
}

export interface JobTicket<T> {
  readonly id: string;
  /** 0: it started at once; n ≥ 1: n-th in the predicted start order; null: its guild is paused. */
  readonly position: number | null;
  /** The job's result; its error if `run` rejects; a JobCancelledError if `cancel()` hit it. */
  readonly done: Promise<T>;
}

export interface JobInfo {
  readonly id: string;
  readonly guildId: string;
  readonly userId: string;
  readonly pool?: string;
  /** From the `now` clock. */
  readonly submittedAt: number;
}

export interface RunningJobInfo extends JobInfo {
  readonly startedAt: number;
  /** `cancel()` aborted its signal; it keeps the slot until `run` settles. */
  readonly cancelled: boolean;
}

export interface WaitingJobInfo extends JobInfo {
  /** 1-based place in the predicted start order; null while its guild is paused. */
  readonly position: number | null;
}

export interface QueueSnapshot {
  /** Jobs holding slots, oldest first. */
  readonly running: readonly RunningJobInfo[];
  /**
   * Waiting jobs in the order they will start (positions 1, 2, …), then the jobs of paused guilds
   * (position null) in the order they would start if the pauses ended after the rest ran. The
   * order is the one the scheduler will follow as long as nothing is submitted, cancelled, paused
   * or resumed meanwhile; with several slots, also as long as jobs finish in the order they started.
   */
  readonly waiting: readonly WaitingJobInfo[];
  readonly pausedGuilds: readonly string[];
}

/** A job's expected duration in milliseconds: one figure for all, or per job. */
export type DurationEstimate = number | ((job: JobInfo) => number);

export type CancelResult = 'dequeued' | 'aborted' | 'unknown';
