/**
 * A shard's side of the one global fair queue (global-queue.ts, in the sharding manager): what the
 * job service sees as its scheduler. Jobs are submitted to the manager, run here when the manager
 * says start, and their places in line come back from the manager.
 *
 * `submit` cannot know a job's global place at once (the manager answers a moment later), so its
 * ticket's position is undefined and `onChange` listeners get the place once the manager has it:
 * their snapshots hold only jobs the manager has placed. `snapshot()` also lists jobs just
 * submitted, after every job already waiting, so limits count them at once.
 */
import type { Eta } from '../queue/eta.ts';
import { JobCancelledError, QueueClosedError, type CancelResult, type JobInfo, type JobRequest, type QueueSnapshot, type RunningJobInfo, type Scheduler, type SchedulerTicket, type WaitingJobInfo } from '../queue/index.ts';
import { cancelAll, ChangeListeners, checkJobRequest, IdleWaiters, runNow, settleable } from '../queue/queue-plumbing.ts';
import type { ManagerMessage, ShardMessage, ShardView } from './protocol.ts';

type Outgoing = ShardMessage extends infer M ? (M extends ShardMessage ? Omit<M, 'seq'> : never) : never;

export interface ShardQueueOptions {
  /** Delivers a message to the manager. */
  send: (message: ShardMessage) => void;
  now?: () => number;
  /** Where an exception thrown by an `onChange` listener goes. @default console.error */
  onListenerError?: (error: unknown) => void;
}

interface LocalJob {
  readonly id: string;
  readonly guildId: string;
  readonly userId: string;
  readonly pool?: string;
  readonly submittedAt: number;
  /** The `seq` of its submit message: placed by the manager once a view has seen it. */
  readonly seq: number;
  readonly run: (signal: AbortSignal) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  controller?: AbortController;
  startedAt?: number;
}

export class ShardQueue implements Scheduler {
  readonly #o: ShardQueueOptions;
  readonly #now: () => number;
  readonly #jobs = new Map<string, LocalJob>();
  readonly #listeners: ChangeListeners;
  readonly #idle = new IdleWaiters();
  /** Pauses and resumes sent but not yet in a view. */
  #pendingPauses: Array<{ seq: number; guildId: string; paused: boolean }> = [];
  #view: ShardView;
  #seq = 0;
  #closed = false;

  constructor(options: ShardQueueOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#listeners = new ChangeListeners(options.onListenerError);
    this.#view = { kind: 'view', seen: 0, at: this.#now(), running: [], waiting: [], pausedGuilds: [], waitingTotal: 0 };
  }

  /** A message from the manager. */
  receive(message: ManagerMessage): void {
    if (message.kind === 'start') {
      const job = this.#jobs.get(message.id);
      // Cancelled here before the start arrived (or already running): the slot is given back.
      if (!job) this.#send({ kind: 'finished', id: message.id, ok: false });
      else if (!job.controller) this.#start(job);
      return;
    }
    this.#view = message;
    this.#pendingPauses = this.#pendingPauses.filter((p) => p.seq > message.seen);
    this.#changed();
  }

  /** Restart recovery is over: the manager may drop what this shard had and did not claim again. */
  recovered(): void {
    this.#send({ kind: 'recovered' });
  }

  submit<T>(request: JobRequest<T>): SchedulerTicket<T> {
    checkJobRequest(request);
    const { id, guildId, userId, pool, run } = request;
    if (this.#closed) throw new QueueClosedError();
    if (this.#jobs.has(id)) throw new Error(`Job ${id} is already waiting or running`);
    const { done, resolve, reject } = settleable<T>();
    const seq = this.#send({ kind: 'submit', job: { id, guildId, userId, ...(pool === undefined ? {} : { pool }) } });
    this.#jobs.set(id, { id, guildId, userId, pool, submittedAt: this.#now(), seq, run, resolve, reject });
    this.#changed();
    return { id, position: undefined, done };
  }

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
    this.#jobs.delete(id);
    this.#send({ kind: 'cancel', id });
    job.reject(new JobCancelledError(id));
    this.#changed();
    this.#idle.wake(this.#jobs.size === 0);
    return 'dequeued';
  }

  /** Held in the global queue, for every shard's slots. */
  pause(guildId: string): void {
    this.#pendingPauses.push({ seq: this.#send({ kind: 'pause', guildId }), guildId, paused: true });
    this.#changed();
  }

  resume(guildId: string): void {
    this.#pendingPauses.push({ seq: this.#send({ kind: 'resume', guildId }), guildId, paused: false });
    this.#changed();
  }

  isPaused(guildId: string): boolean {
    let paused = this.#view.pausedGuilds.includes(guildId);
    for (const p of this.#pendingPauses) if (p.guildId === guildId) paused = p.paused;
    return paused;
  }

  snapshot(): QueueSnapshot {
    return this.#snapshot(true);
  }

  /** From the manager's last word, less the time since; undefined for a job it has not placed yet. */
  eta(id: string): Eta | undefined {
    const job = this.#jobs.get(id);
    if (!job) return undefined;
    if (job.controller) return { startsInMs: 0, finishesInMs: 0 };
    const placed = this.#view.waiting.find((w) => w.id === id);
    if (placed?.startsInMs === undefined) return undefined;
    const elapsed = this.#now() - this.#view.at;
    return { startsInMs: Math.max(0, placed.startsInMs - elapsed), finishesInMs: Math.max(0, (placed.finishesInMs ?? placed.startsInMs) - elapsed) };
  }

  onChange(listener: (snapshot: QueueSnapshot) => void): () => void {
    return this.#listeners.add(listener);
  }

  idle(): Promise<void> {
    return this.#idle.wait(this.#jobs.size === 0);
  }

  close(options: { readonly cancel?: boolean } = {}): Promise<void> {
    this.#closed = true;
    if (options.cancel) cancelAll(this.#jobs.values(), (id) => this.cancel(id));
    return this.idle();
  }

  get size(): number {
    return [...this.#jobs.values()].filter((j) => !j.controller).length;
  }

  get running(): number {
    return [...this.#jobs.values()].filter((j) => j.controller).length;
  }

  #send(message: Outgoing): number {
    const seq = ++this.#seq;
    this.#o.send({ ...message, seq } as ShardMessage);
    return seq;
  }

  #start(job: LocalJob): void {
    const controller = new AbortController();
    job.controller = controller;
    job.startedAt = this.#now();
    this.#changed();
    runNow(job.run, controller.signal, (ok, outcome) => this.#settle(job, ok, outcome));
  }

  #settle(job: LocalJob, ok: boolean, outcome: unknown): void {
    const cancelled = job.controller!.signal.aborted;
    this.#jobs.delete(job.id);
    this.#send({ kind: 'finished', id: job.id, ok: ok && !cancelled });
    this.#changed();
    if (cancelled) job.reject(job.controller!.signal.reason);
    else if (ok) job.resolve(outcome);
    else job.reject(outcome);
    this.#idle.wake(this.#jobs.size === 0);
  }

  /** `provisional`: also the jobs the manager has not placed yet, after all the others. */
  #snapshot(provisional: boolean): QueueSnapshot {
    const view = this.#view;
    const info = (job: LocalJob): JobInfo => ({ id: job.id, guildId: job.guildId, userId: job.userId, submittedAt: job.submittedAt, ...(job.pool === undefined ? {} : { pool: job.pool }) });
    const local = [...this.#jobs.values()];
    const running: RunningJobInfo[] = local
      .filter((j) => j.controller)
      .sort((a, b) => a.startedAt! - b.startedAt!)
      .map((j) => ({ ...info(j), startedAt: j.startedAt!, cancelled: j.controller!.signal.aborted }));
    const waiting: WaitingJobInfo[] = [];
    const listed = new Set<string>();
    const paused = (guildId: string) => this.isPaused(guildId);
    for (const w of view.waiting) {
      const job = this.#jobs.get(w.id);
      if (!job || job.controller) continue;
      listed.add(w.id);
      waiting.push({ ...info(job), position: paused(job.guildId) ? null : w.position });
    }
    if (provisional) {
      let next = view.waitingTotal;
      for (const job of local) {
        if (job.controller || listed.has(job.id)) continue;
        waiting.push({ ...info(job), position: paused(job.guildId) ? null : ++next });
      }
    }
    // Placed jobs first, in start order, then the paused servers' (as FairScheduler lists them).
    waiting.sort((a, b) => (a.position === null ? 1 : 0) - (b.position === null ? 1 : 0));
    const pausedGuilds = [...new Set([...view.pausedGuilds, ...this.#pendingPauses.map((p) => p.guildId)])].filter(paused);
    return { running, waiting, pausedGuilds };
  }

  #changed(): void {
    this.#listeners.changed(() => this.#snapshot(false));
  }
}
