/**
 * Why the job queue refused or ended a job. Refusals are thrown synchronously by `submit` (nothing
 * was queued), carry the numbers the bot shows to the member, and are told apart with `instanceof`.
 */

/** Base of every refusal: `submit` threw and queued nothing. */
export class JobRefusedError extends Error {
  override name = 'JobRefusedError';
}

/** The guild already has `limit` jobs waiting (running jobs do not count). */
export class QueueFullError extends JobRefusedError {
  override name = 'QueueFullError';
  constructor(
    readonly guildId: string,
    readonly limit: number,
    readonly count: number,
  ) {
    super(`Guild ${guildId} already has ${count} jobs waiting (limit ${limit})`);
  }
}

/** The user already has `limit` jobs waiting or running, counted across all guilds. */
export class UserLimitError extends JobRefusedError {
  override name = 'UserLimitError';
  constructor(
    readonly userId: string,
    readonly limit: number,
    readonly count: number,
  ) {
    super(`User ${userId} already has ${count} jobs waiting or running (limit ${limit})`);
  }
}

/** `close()` was called: the scheduler finishes what it has and takes nothing new. */
export class QueueClosedError extends JobRefusedError {
  override name = 'QueueClosedError';
  constructor() {
    super('The queue is closed and accepts no new jobs');
  }
}

/**
 * How a cancelled job's `done` rejects, and the reason its AbortSignal carries. Named 'AbortError'
 * so code that checks `error.name === 'AbortError'` (as for fetch or DOMException) treats it alike.
 */
export class JobCancelledError extends Error {
  override name = 'AbortError';
  constructor(readonly jobId: string) {
    super(`Job ${jobId} was cancelled`);
  }
}
