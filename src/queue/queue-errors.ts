/**
 * Why the job queue refused or ended a job. A refusal is thrown synchronously by `submit` (nothing
 * was queued). Limits are not the queue's: the job service checks them with each server's settings.
 */

/** Base of every refusal: `submit` threw and queued nothing. */
export class JobRefusedError extends Error {
  override name = 'JobRefusedError';
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
