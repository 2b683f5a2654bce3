/**
 * What every queue of jobs needs, whatever decides the order (FairScheduler here, a shard's proxy
 * of the global queue in src/sharding/): checking a request, running a job's `run` so that it
 * counts as started at once, telling listeners of changes once per microtask, waking idle waiters.
 */
import type { JobRequest, QueueSnapshot } from './scheduler-types.ts';

/** Throws TypeError for a malformed request (a bug in the caller, not a refusal). */
export function checkJobRequest(request: JobRequest<unknown>): void {
  const { id, guildId, userId, run } = request;
  for (const [name, value] of [
    ['id', id],
    ['guildId', guildId],
    ['userId', userId],
  ] as const) {
    if (typeof value !== 'string' || value === '') {
      throw new TypeError(`Expected \`${name}\` to be a non-empty string, got \`${String(value)}\` (${typeof value})`);
    }
  }
  if (typeof run !== 'function') throw new TypeError(`Expected \`run\` to be a function, got ${typeof run}`);
}

/** A job's `done`, and the functions that settle it. */
export function settleable<T>(): { done: Promise<T>; resolve: (value: unknown) => void; reject: (error: unknown) => void } {
  let resolve!: (value: unknown) => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<T>((res, rej) => {
    resolve = res as (value: unknown) => void;
    reject = rej;
  });
  return { done, resolve, reject };
}

/**
 * Calls `run` now, so the caller sees the job running, and answers how it settled: one that
 * throws at once settles like one that rejects. The slot is released only when `run` itself
 * settles (not when its signal aborts): the GPU is busy until then.
 */
export function runNow(run: (signal: AbortSignal) => Promise<unknown>, signal: AbortSignal, settle: (ok: boolean, outcome: unknown) => void): void {
  let running: Promise<unknown>;
  try {
    running = Promise.resolve(run(signal));
  } catch (error) {
    running = Promise.reject(error);
  }
  running.then(
    (value) => settle(true, value),
    (error: unknown) => settle(false, error),
  );
}

/** Listeners of a queue: changes made together (a job finishing and the next starting) make one call, on a microtask. */
export class ChangeListeners {
  readonly #listeners = new Set<(snapshot: QueueSnapshot) => void>();
  readonly #onError: (error: unknown) => void;
  #scheduled = false;

  constructor(onError: (error: unknown) => void = console.error) {
    this.#onError = onError;
  }

  add(listener: (snapshot: QueueSnapshot) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError(`Expected \`listener\` to be a function, got ${typeof listener}`);
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Something changed: `snapshot` is taken once, when the listeners are called. */
  changed(snapshot: () => QueueSnapshot): void {
    if (this.#listeners.size === 0 || this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      const taken = snapshot();
      for (const listener of [...this.#listeners]) {
        try {
          listener(taken);
        } catch (error) {
          this.#onError(error);
        }
      }
    });
  }
}

/** Who waits for a queue to hold nothing. */
export class IdleWaiters {
  #waiters: Array<() => void> = [];

  /** Resolves at once when `empty`, else at the next `wake` with nothing left. */
  wait(empty: boolean): Promise<void> {
    if (empty) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Wakes them if the queue is empty now. */
  wake(empty: boolean): void {
    if (!empty) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Cancels every job (shutdown): waiting ones first, since aborting a running one could hand its slot to one of them. */
export function cancelAll(jobs: Iterable<{ id: string; controller?: AbortController }>, cancel: (id: string) => unknown): void {
  const all = [...jobs];
  for (const job of all) if (!job.controller) cancel(job.id);
  for (const job of all) if (job.controller) cancel(job.id);
}
