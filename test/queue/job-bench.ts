/**
 * Test jobs that finish when the test says: each records when it starts, holds its slot on a
 * deferred promise, and rejects when its signal aborts (as a well-behaved diffusion job does).
 */
import type { FairScheduler } from '../../src/queue/fair-scheduler.ts';
import type { JobTicket } from '../../src/queue/scheduler-types.ts';

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class JobBench {
  /** Job ids in the order their `run` was called. */
  readonly started: string[] = [];
  readonly signals = new Map<string, AbortSignal>();
  readonly tickets = new Map<string, JobTicket<string>>();
  readonly #finishers = new Map<string, Deferred<string>>();

  constructor(
    readonly scheduler: FairScheduler,
    /** Whether jobs reject as soon as their signal aborts; false models a job that ignores it. */
    readonly honourAbort = true,
  ) {}

  /** Submits job `id`; its result, once finished, is its id. */
  submit(id: string, guildId: string, userId: string, pool?: string): JobTicket<string> {
    const ticket = this.scheduler.submit({
      id,
      guildId,
      userId,
      pool,
      run: (signal) => {
        this.started.push(id);
        this.signals.set(id, signal);
        const finisher = deferred<string>();
        this.#finishers.set(id, finisher);
        if (this.honourAbort) signal.addEventListener('abort', () => finisher.reject(signal.reason), { once: true });
        return finisher.promise;
      },
    });
    // Tests that expect a rejection await it themselves; this keeps the rest from being unhandled.
    ticket.done.catch(() => {});
    this.tickets.set(id, ticket);
    return ticket;
  }

  /** Submits several jobs of one user in one guild: ids `${prefix}1`, `${prefix}2`, … */
  submitMany(prefix: string, count: number, guildId: string, userId: string): void {
    for (let i = 1; i <= count; i++) this.submit(`${prefix}${i}`, guildId, userId);
  }

  isRunning(id: string): boolean {
    return this.scheduler.snapshot().running.some((job) => job.id === id);
  }

  /** Finishes running job `id` and waits until the scheduler has handed its slot on. */
  async finish(id: string): Promise<void> {
    this.#finisher(id).resolve(id);
    await this.tickets.get(id)!.done;
  }

  /** Makes running job `id` throw `error` and waits until the scheduler has handed its slot on. */
  async fail(id: string, error: Error): Promise<void> {
    this.#finisher(id).reject(error);
    await this.tickets.get(id)!.done.catch(() => {});
  }

  /** Finishes the oldest running job; false if nothing runs. */
  async finishOldest(): Promise<boolean> {
    const oldest = this.scheduler.snapshot().running[0];
    if (!oldest) return false;
    await this.finish(oldest.id);
    return true;
  }

  /** Finishes running jobs oldest first until none runs; returns the ids that started meanwhile. */
  async runOut(): Promise<string[]> {
    const mark = this.started.length;
    while (await this.finishOldest());
    return this.started.slice(mark);
  }

  #finisher(id: string): Deferred<string> {
    const finisher = this.#finishers.get(id);
    if (!finisher) throw new Error(`job ${id} has not started`);
    return finisher;
  }
}

/** The ids of the waiting jobs that have a position, in predicted start order. */
export function predictedOrder(scheduler: FairScheduler): string[] {
  return scheduler
    .snapshot()
    .waiting.filter((job) => job.position !== null)
    .map((job) => job.id);
}
