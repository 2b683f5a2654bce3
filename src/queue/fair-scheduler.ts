/**
 * The job queue behind `/imagine`: shares the host's inference slot(s) fairly between guilds, and
 * each guild's turns fairly between its members, and tells the bot where every job stands.
 * It knows jobs and slots only: no Discord, database or diffusion here.
 *
 * Fairness, in one rule applied twice (guilds for slots, then users within the guild): the next
 * free slot goes to whoever has work waiting and the fewest jobs running, then to whoever was
 * served longest ago, newcomers first (see RoundRobin). So with guild A holding ten jobs and
 * guild B submitting one, B's job runs right after A's current one; a member with ten jobs does
 * not hold up a member with one; one user's own jobs keep their order; and with several slots a
 * guild gets a second slot only while no other unpaused guild is waiting with fewer slots held
 * (a lone guild may use them all).
 */
import { DurationAverage } from './duration-average.ts';
import { type Eta, projectEtas } from './eta.ts';
import { FairOrder, type PredictedOrder } from './fair-order.ts';
import { JobCancelledError, QueueClosedError } from './queue-errors.ts';
import { cancelAll, ChangeListeners, checkJobRequest, IdleWaiters, runNow, settleable } from './queue-plumbing.ts';
import type {
  CancelResult,
  DurationEstimate,
  FairSchedulerOptions,
  JobInfo,
  JobRequest,
  JobTicket,
  QueueSnapshot,
  WaitingJobInfo,
} from './scheduler-types.ts';

interface Job {
  readonly id: string;
  readonly guildId: string;
  readonly userId: string;
  readonly pool?: string;
  readonly submittedAt: number;
  readonly run: (signal: AbortSignal) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Set when the job takes a slot. */
  controller?: AbortController;
  startedAt?: number;
}

/**
 * @example
 * ```
 * const queue = new FairScheduler({ slots: 1 });
 * const { position, done } = queue.submit({
 *   id: interaction.id, guildId, userId,
 *   run: (signal) => pipeline.generate(request, { signal }),
 * });
 * queue.onChange(() => updatePositionMessages(queue.snapshot()));
 * const image = await done;
 * ```
 */
export class FairScheduler {
  #slots: number;
  readonly #canStart: FairSchedulerOptions['canStart'];
  readonly #now: () => number;
  readonly #durations: DurationAverage;

  readonly #order = new FairOrder<Job>();
  /** Every job waiting or running, by id. */
  readonly #jobs = new Map<string, Job>();
  /** Jobs holding slots, in start order (Map keeps insertion order). */
  readonly #running = new Map<string, Job>();
  readonly #listeners: ChangeListeners;
  readonly #idle = new IdleWaiters();
  #snapshot: QueueSnapshot | undefined;
  #prediction: PredictedOrder<Job> | undefined;
  #dispatching = false;
  #closed = false;

  constructor(options: FairSchedulerOptions = {}) {
    const {
      slots = 1,
      initialJobMs = 30_000,
      durationWindow = 10,
      now = Date.now,
      onListenerError = console.error,
      canStart,
    } = options;
    if (!(Number.isInteger(slots) && slots >= 1)) {
      throw new TypeError(`Expected \`slots\` to be an integer from 1 and up, got \`${slots}\` (${typeof slots})`);
    }
    if (!(Number.isFinite(initialJobMs) && initialJobMs >= 0)) {
      throw new TypeError(
        `Expected \`initialJobMs\` to be a finite number >= 0, got \`${initialJobMs}\` (${typeof initialJobMs})`,
      );
    }
    if (!(Number.isInteger(durationWindow) && durationWindow >= 1)) {
      throw new TypeError(
        `Expected \`durationWindow\` to be an integer from 1 and up, got \`${durationWindow}\` (${typeof durationWindow})`,
      );
    }
    if (typeof now !== 'function') throw new TypeError(`Expected \`now\` to be a function, got ${typeof now}`);
    if (typeof onListenerError !== 'function') {
      throw new TypeError(`Expected \`onListenerError\` to be a function, got ${typeof onListenerError}`);
    }
    this.#slots = slots;
    this.#canStart = canStart;
    this.#now = now;
    this.#listeners = new ChangeListeners(onListenerError);
    this.#durations = new DurationAverage(durationWindow, initialJobMs);
  }

  get slots(): number {
    return this.#slots;
  }

  /**
   * Changes how many jobs run at once (workers joining or leaving). 0 holds every job until a slot
   * comes back. Fewer slots than running jobs takes nothing away: the surplus ends as jobs finish.
   */
  setSlots(slots: number): void {
    if (!(Number.isInteger(slots) && slots >= 0)) throw new TypeError(`Expected \`slots\` to be an integer from 0 and up, got \`${slots}\``);
    if (slots === this.#slots) return;
    this.#slots = slots;
    this.#changed();
    this.#dispatch();
  }

  /** Looks again for jobs that may start, after something `canStart` depends on changed (a worker freed up). */
  wake(): void {
    this.#changed();
    this.#dispatch();
  }

  /** Jobs waiting, paused guilds' included. */
  get size(): number {
    return this.#order.size;
  }

  /** Jobs holding slots (a cancelled job holds its slot until its `run` settles). */
  get running(): number {
    return this.#running.size;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Milliseconds: the moving average of recent successful runs, or `initialJobMs` before any. */
  get averageJobMs(): number {
    return this.#durations.value;
  }

  /**
   * Queues a job, or throws without queueing anything: QueueClosedError after `close()`;
   * TypeError for a malformed request and Error for an id already waiting or running (both are
   * bugs, not refusals). Limits (jobs per member, per server) are the job service's to check,
   * with the server's own settings: the queue orders what it is given. A paused guild
   * still accepts jobs, so members can line up while moderators look into something; they just
   * do not start until `resume()`.
   */
  submit<T>(request: JobRequest<T>): JobTicket<T> {
    checkJobRequest(request);
    const { id, guildId, userId, run, pool } = request;
    if (this.#closed) throw new QueueClosedError();
    if (this.#jobs.has(id)) throw new Error(`Job ${id} is already waiting or running`);

    const { done, resolve, reject } = settleable<T>();
    const job: Job = { id, guildId, userId, pool, submittedAt: this.#now(), run, resolve, reject };
    this.#jobs.set(id, job);
    this.#order.push(job);
    this.#changed();
    this.#dispatch();
    return { id, position: this.#positionOf(job), done };
  }

  /**
   * A waiting job leaves the queue at once and its `done` rejects with JobCancelledError
   * ('dequeued'). A running job has its signal aborted ('aborted'); it keeps its slot until its
   * `run` settles, then `done` rejects with JobCancelledError whatever `run` returned.
   */
  cancel(id: string): CancelResult {
    const job = this.#jobs.get(id);
    if (!job) return 'unknown';
    if (job.controller) {
      if (!job.controller.signal.aborted) {
        job.controller.abort(new JobCancelledError(id));
        this.#changed();
      }
      return 'aborted';
    }
    this.#order.remove(job);
    this.#forget(job);
    job.reject(new JobCancelledError(id));
    this.#changed();
    this.#idle.wake(this.#jobs.size === 0);
    return 'dequeued';
  }

  /** A moderator holds the guild's queue: its running jobs finish, none of its jobs start. */
  pause(guildId: string): void {
    if (this.#order.isPaused(guildId)) return;
    this.#order.pause(guildId);
    this.#changed();
  }

  resume(guildId: string): void {
    if (!this.#order.isPaused(guildId)) return;
    this.#order.resume(guildId);
    this.#changed();
    this.#dispatch();
  }

  isPaused(guildId: string): boolean {
    return this.#order.isPaused(guildId);
  }

  /** Running jobs and the predicted start order; the same object until something changes. */
  snapshot(): QueueSnapshot {
    if (this.#snapshot) return this.#snapshot;
    const { order, held } = this.#predicted();
    this.#snapshot = {
      running: [...this.#running.values()].map((job) => ({
        ...info(job),
        startedAt: job.startedAt!,
        cancelled: job.controller!.signal.aborted,
      })),
      waiting: [
        ...order.map((job, index) => ({ ...info(job), position: index + 1 })),
        ...held.map((job) => ({ ...info(job), position: null })),
      ],
      pausedGuilds: this.#order.pausedGuilds,
    };
    return this.#snapshot;
  }

  /** The guild's waiting jobs with their global positions, in start order. */
  positions(guildId: string): WaitingJobInfo[] {
    return this.snapshot().waiting.filter((job) => job.guildId === guildId);
  }

  /**
   * When the job should start and finish, from `estimate` (default: `averageJobMs`) and the
   * predicted order: each waiting job takes the slot that frees first. Undefined when the job is
   * unknown, or waits in a paused guild (no start can be predicted).
   */
  eta(id: string, estimate: DurationEstimate = this.averageJobMs): Eta | undefined {
    const job = this.#jobs.get(id);
    if (!job) return undefined;
    const durationOf = (of: Job): number => {
      const ms = typeof estimate === 'function' ? estimate(info(of)) : estimate;
      if (!(Number.isFinite(ms) && ms >= 0)) {
        throw new TypeError(`Expected the estimate for job ${of.id} to be a finite number >= 0, got \`${ms}\``);
      }
      return ms;
    };
    const now = this.#now();
    const remaining = (of: Job): number => Math.max(0, durationOf(of) - (now - of.startedAt!));
    if (job.startedAt !== undefined) return { startsInMs: 0, finishesInMs: remaining(job) };
    const { order } = this.#predicted();
    const index = order.indexOf(job);
    if (index === -1) return undefined;
    const slotFreeInMs = [...this.#running.values()].map(remaining);
    while (slotFreeInMs.length < this.#slots) slotFreeInMs.push(0);
    if (slotFreeInMs.length === 0) return undefined; // no slot at all (no worker yet): no start can be predicted
    return projectEtas(slotFreeInMs, order.slice(0, index + 1).map(durationOf))[index];
  }

  /**
   * Calls `listener` with a fresh snapshot after anything changes: submit, start, finish, cancel,
   * pause, resume. Changes made together (a job finishing and the next starting) make one call,
   * on a microtask. Returns the function that unsubscribes.
   */
  onChange(listener: (snapshot: QueueSnapshot) => void): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * Resolves once nothing waits and nothing runs. Jobs held by a paused guild count as waiting,
   * so this waits for them too.
   */
  idle(): Promise<void> {
    return this.#idle.wait(this.#jobs.size === 0);
  }

  /**
   * Stops accepting jobs (submit throws QueueClosedError) and resolves when the queue is idle.
   * By default what was accepted still runs (paused guilds' jobs wait for `resume`); with
   * `cancel: true` every job is cancelled as by `cancel()`, for shutting down.
   */
  close(options: { readonly cancel?: boolean } = {}): Promise<void> {
    this.#closed = true;
    if (options.cancel) cancelAll(this.#jobs.values(), (id) => this.cancel(id));
    return this.idle();
  }

  #dispatch(): void {
    // `run` may call back into the scheduler (submit, cancel); the loop below picks that up.
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      while (this.#running.size < this.#slots) {
        const canStart = this.#canStart;
        const running = canStart && [...this.#running.values()].map(info);
        const job = this.#order.next(canStart && ((j) => canStart(info(j), running!)));
        if (!job) break;
        this.#start(job);
      }
    } finally {
      this.#dispatching = false;
    }
  }

  #start(job: Job): void {
    this.#order.start(job);
    const controller = new AbortController();
    job.controller = controller;
    job.startedAt = this.#now();
    this.#running.set(job.id, job);
    this.#changed();
    runNow(job.run, controller.signal, (ok, outcome) => this.#settle(job, ok, outcome));
  }

  #settle(job: Job, ok: boolean, outcome: unknown): void {
    const cancelled = job.controller!.signal.aborted;
    try {
      // Failed and cancelled runs say little about how long a job takes.
      if (ok && !cancelled) this.#durations.record(Math.max(0, this.#now() - job.startedAt!));
    } finally {
      this.#running.delete(job.id);
      this.#order.finish(job);
      this.#forget(job);
      this.#changed();
      // The slot passes on before `done` settles: whoever awaits `done` already sees the next job running.
      this.#dispatch();
      if (cancelled) job.reject(job.controller!.signal.reason);
      else if (ok) job.resolve(outcome);
      else job.reject(outcome);
      this.#idle.wake(this.#jobs.size === 0);
    }
  }

  /** Drops a job that is leaving (finished or dequeued). */
  #forget(job: Job): void {
    this.#jobs.delete(job.id);
  }

  #predicted(): PredictedOrder<Job> {
    this.#prediction ??= this.#order.predict([...this.#running.values()], Math.max(1, this.#slots));
    return this.#prediction;
  }

  #positionOf(job: Job): number | null {
    if (job.controller) return 0;
    const index = this.#predicted().order.indexOf(job);
    return index === -1 ? null : index + 1;
  }

  #changed(): void {
    this.#prediction = undefined;
    this.#snapshot = undefined;
    this.#listeners.changed(() => this.snapshot());
  }
}

function info(job: Job): JobInfo {
  return { id: job.id, guildId: job.guildId, userId: job.userId, submittedAt: job.submittedAt, ...(job.pool === undefined ? {} : { pool: job.pool }) };
}
