/**
 * The life of a job: admit it (limits, then the job row and its credits in one transaction),
 * queue it fairly, generate it in an inference slot, hand the result to the delivery stage, and
 * tell the observer at each step. The slot is held only while the engine runs (and while a lost
 * source image is made again); posting happens in the delivery stage, so a rate-limited channel
 * stalls nobody else. Restart recovery is in job-recovery.ts.
 */
import type { Requester } from './job-admission.ts';
import { JobRefusedError, type Scheduler } from '../queue/index.ts';
import type { ImageFiles, JobRecord, Store } from '../store/index.ts';
import type { DeliveryStage } from './delivery.ts';
import { previewPng } from './generation.ts';
import type { Inference, InferenceResult } from './inference.ts';
import { workOrderOf, type WorkOrderDeps } from './work-order.ts';
import { cancelOutcome, type CancelOutcome } from './job-cancellation.ts';
import { recoverJobs, type RecoveryReport } from './job-recovery.ts';
import type { JobObserver } from './job-observer.ts';
import { jobResult, loadResult, saveFilmResult, saveResult, type StoredResult } from './job-results.ts';
import type { JobResult } from './job-observer.ts';
import { checkLimits, newJobOf } from './job-admission.ts';
import { planJob, requestOf, type JobAsk, type PlannedJob, type VaryStrengths } from './job-requests.ts';
import { unknownModel, type ModelRegistry } from './model-registry.ts';
import type { QuotaService } from './quota-service.ts';
import { UserError } from './user-error.ts';

export type { CancelOutcome } from './job-cancellation.ts';

export type { Requester } from './job-admission.ts';

export type ObserverFactory = (job: JobRecord) => JobObserver;

export interface JobServiceDeps {
  models: ModelRegistry;
  store: Store;
  /** The fair queue: here (FairScheduler), or a shard's proxy of the sharding manager's one queue. */
  scheduler: Scheduler;
  files: ImageFiles;
  quota: QuotaService;
  delivery: DeliveryStage;
  /** Where the engine runs: this process (LocalInference) or a worker (RemoteInference). */
  inference: Inference;
  /** A job's own starting picture (an upload), when it has one. */
  ownSource?: WorkOrderDeps['ownSource'];
  limits: { maxQueuePerGuild: number; maxJobsPerUser: number };
  /** Strengths of Vary (Strong) / Vary (Subtle). @default DEFAULT_VARY_STRENGTHS */
  varyStrengths?: VaryStrengths;
  log?: (message: string, err?: unknown) => void;
}

export interface Submitted {
  job: JobRecord;
  /** undefined: the queue is in another process (sharding) and tells the place a moment later. */
  position: number | null | undefined;
  etaMs?: number;
}

type Phase = 'waiting' | 'generating' | 'regenerating-source' | 'posting';

interface Active {
  job: JobRecord;
  observer: JobObserver;
  phase: Phase;
  cancelReason?: string;
  /** Resolves when the engine's part has ended, whichever way (a cancel waits for it). */
  generationEnded: Promise<void>;
  endGeneration: () => void;
}

export class JobService {
  readonly #d: JobServiceDeps;
  readonly #active = new Map<number, Active>();
  readonly #log: (message: string, err?: unknown) => void;
  readonly #locks = new Map<string, Promise<void>>();
  /** Work that outlives the scheduler's ticket (failure handling, deliveries): idle() waits for it. */
  readonly #tails = new Set<Promise<unknown>>();
  /** Set by halt(): the process is going away; nothing more is written, so a restart recovers. */
  #halted = false;

  constructor(deps: JobServiceDeps) {
    this.#d = deps;
    this.#log = deps.log ?? ((m, e) => console.error(m, e ?? ''));
    // Tell every waiting job when its place in the queue moves (the observer throttles the edits).
    deps.scheduler.onChange((snap) => {
      for (const w of snap.waiting) {
        const a = this.#active.get(Number(w.id));
        if (a) a.observer.queued(w.position, deps.scheduler.eta(w.id)?.startsInMs);
      }
    });
  }

  get models(): ModelRegistry {
    return this.#d.models;
  }

  /**
   * The model a job runs on: the one asked for, else the server's default (while the bot still
   * offers it), else the bot's; a button's job runs on its parent's model.
   */
  async modelFor(guildId: string, ask: JobAsk): Promise<string> {
    const { models, store } = this.#d;
    if ('parent' in ask) {
      if (!models.has(ask.parent.model)) {
        throw new UserError('model.gone', `job ${ask.parent.id} was made with the model "${ask.parent.model}", which this bot no longer offers (it offers ${models.names.map((n) => `"${n}"`).join(', ')})`);
      }
      return ask.parent.model;
    }
    const asked = ask.kind === 'imagine' ? ask.options.model : undefined;
    if (asked !== undefined) {
      if (!models.has(asked)) throw unknownModel(asked, models.names);
      return asked;
    }
    const serverDefault = (await store.guilds.get(guildId))?.defaultModel;
    return serverDefault && models.has(serverDefault) ? serverDefault : models.defaultName;
  }

  /** Validates a job against its model (loading the model the first time). Throws UserError. */
  async plan(guildId: string, ask: JobAsk): Promise<PlannedJob> {
    const name = await this.modelFor(guildId, ask);
    return planJob(await this.#d.models.planner(name), ask, name, this.#d.varyStrengths);
  }

  /**
   * Validate (unless given the plan), check limits, record and charge (one transaction), queue.
   * Throws UserError with nothing queued or charged.
   */
  async submit(who: Requester, ask: JobAsk | PlannedJob, makeObserver: ObserverFactory, moderatorRoleId: string | null = null): Promise<Submitted> {
    const plan = 'resolved' in ask ? ask : await this.plan(who.guildId, ask);
    // One submission at a time per server: the limit check and the enqueue that makes it true
    // must not interleave with another request's, or simultaneous requests all pass the check.
    return this.#serialised(who.guildId, () => this.#submit(who, plan, makeObserver, moderatorRoleId));
  }

  /**
   * Several jobs from one request (prompt permutations): all are queued, or none is. Under the
   * server's submission lock, the limits and the member's balance are checked for their total
   * first; then each job is created with its reservation as a single submit does. Checking first
   * keeps the store's one-job transaction as it is; the lock means no other submission of this
   * server interleaves. A moderator taking credits away between the check and the last creation
   * can still refuse one: the ones already made are then refunded and cancelled, and nothing runs.
   */
  async submitAll(who: Requester, plans: PlannedJob[], makeObserver: (job: JobRecord, index: number) => JobObserver, moderatorRoleId: string | null = null): Promise<Submitted[]> {
    if (plans.length === 1) return [await this.submit(who, plans[0], (job) => makeObserver(job, 0), moderatorRoleId)];
    return this.#serialised(who.guildId, async () => {
      const { store, quota } = this.#d;
      await this.#checkLimits(who, plans.length);
      const costs = plans.map((p) => quota.costOf(p.kind, p.resolved));
      const total = costs.reduce((a, b) => a + b, 0);
      if (total > 0) {
        const balance = await quota.balance(who.guildId, who.userId);
        if (balance.available < total) throw quota.refusal(total, balance, moderatorRoleId);
      }
      const created: JobRecord[] = [];
      for (const [i, plan] of plans.entries()) {
        const newJob = newJobOf(plan, who, costs[i], i);
        const made = await store.jobs.createReserved(newJob, costs[i] > 0 ? quota.reservation(who.guildId, who.userId, costs[i]) : undefined);
        if (!made.ok) {
          await this.#undo(created, 'refused: not enough credits for all the permutations');
          throw quota.refusal(total, made.balance, moderatorRoleId);
        }
        created.push(made.job);
      }
      const submitted: Submitted[] = [];
      try {
        for (const [i, job] of created.entries()) submitted.push(this.#enqueue(job, makeObserver(job, i)));
      } catch (err) {
        // The queue refused one: take back the ones already queued too, so none runs.
        for (const s of submitted) {
          const entry = this.#active.get(s.job.id);
          if (entry) entry.cancelReason = 'refused by the queue';
          this.#d.scheduler.cancel(String(s.job.id)); // refunded and cancelled as any cancel is
        }
        await this.#undo(created.slice(submitted.length), 'refused by the queue');
        if (err instanceof JobRefusedError) throw new UserError('queue.refused', err.message);
        throw err;
      }
      return submitted;
    });
  }

  async #undo(jobs: JobRecord[], reason: string): Promise<void> {
    for (const job of jobs) {
      this.#active.delete(job.id);
      await this.#d.quota.refund(job.id, reason);
      await this.#d.store.jobs.markCancelled(job.id, reason);
    }
  }

  #serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(key, tail);
    void tail.then(() => {
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    });
    return run;
  }

  async #submit(who: Requester, plan: PlannedJob, makeObserver: ObserverFactory, moderatorRoleId: string | null): Promise<Submitted> {
    const { store, quota } = this.#d;
    await this.#checkLimits(who);
    const r = plan.resolved;
    const cost = quota.costOf(plan.kind, r);
    const newJob = newJobOf(plan, who, cost);
    const created = await store.jobs.createReserved(
      newJob,
      cost > 0 ? quota.reservation(who.guildId, who.userId, cost) : undefined,
    );
    // Refused: nothing was written, so the member's history shows nothing happened.
    if (!created.ok) throw quota.refusal(cost, created.balance, moderatorRoleId, newJob);
    const job = created.job;
    try {
      return this.#enqueue(job, makeObserver(job));
    } catch (err) {
      await quota.refund(job.id, 'refused by the queue');
      await store.jobs.markCancelled(job.id, 'refused by the queue');
      if (err instanceof JobRefusedError) throw new UserError('queue.refused', err.message);
      throw err;
    }
  }

  async #checkLimits(who: Requester, adding = 1): Promise<void> {
    const { scheduler, store, limits } = this.#d;
    const waiting = scheduler.snapshot().waiting.filter((w) => w.guildId === who.guildId).length;
    const mine = [...this.#active.values()].filter((a) => a.job.userId === who.userId && a.job.guildId === who.guildId).length;
    await checkLimits(store, limits, who.guildId, { waiting, mine }, adding);
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#tails.add(work);
    void work.then(
      () => this.#tails.delete(work),
      () => this.#tails.delete(work),
    );
    return work;
  }

  #newEntry(job: JobRecord, observer: JobObserver, phase: Phase): Active {
    let endGeneration!: () => void;
    const generationEnded = new Promise<void>((resolve) => (endGeneration = resolve));
    return { job, observer, phase, generationEnded, endGeneration };
  }

  #enqueue(job: JobRecord, observer: JobObserver): Submitted {
    const entry = this.#newEntry(job, observer, 'waiting');
    this.#active.set(job.id, entry);
    let ticket;
    try {
      ticket = this.#d.scheduler.submit({ id: String(job.id), guildId: job.guildId, userId: job.userId, pool: job.model, run: (signal) => this.#infer(entry, signal) });
    } catch (err) {
      this.#active.delete(job.id);
      throw err;
    }
    void this.#track(
      ticket.done.then(
        (made) => this.#finish(entry, made),
        (err) =>
          this.#afterFailure(entry, err).finally(() => {
            entry.endGeneration();
            this.#active.delete(job.id);
          }),
      ),
    );
    const etaMs = this.#d.scheduler.eta(String(job.id))?.startsInMs;
    // null: the server's queue is paused by a moderator; undefined: not known yet (onChange tells it).
    if (ticket.position !== 0 && ticket.position !== undefined) void observer.queued(ticket.position, etaMs);
    return { job, position: ticket.position, etaMs };
  }

  /**
   * The slot's part: run the engine (here or on a worker), and nothing more, so the slot (or the
   * worker) takes its next job while this one's pictures are saved. Answers the pictures, or
   * undefined when the job was not this process's to run.
   */
  async #infer(entry: Active, signal: AbortSignal): Promise<InferenceResult | undefined> {
    const { store, files, inference } = this.#d;
    if (this.#halted) throw new Error('halted');
    const started = await store.jobs.markRunning(entry.job.id);
    if (!started.ok) return undefined; // cancelled or finished meanwhile: never run a job twice
    const job = started.job;
    entry.job = job;
    entry.phase = 'generating';
    const order = await workOrderOf({ store, files, ownSource: this.#d.ownSource }, job);
    const rendered = await inference.run(order, {
      signal,
      onPhase: (phase) => (entry.phase = phase),
      onStep: (p) => entry.observer.progress({ step: p.step, total: p.total, preview: () => previewPng(p.previews) }),
    });
    // A cancel that came in the last instant still wins: nothing is charged for it.
    signal.throwIfAborted();
    if (this.#halted) throw new Error('halted');
    // Made: from here on a cancel is too late, and says so.
    entry.phase = 'posting';
    return rendered;
  }

  /** After the slot: save the pictures, mark the job generated, post it. */
  async #finish(entry: Active, made: InferenceResult | undefined): Promise<void> {
    let stored: StoredResult | undefined;
    try {
      stored = made && (await this.#save(entry, made));
    } catch (err) {
      await this.#afterFailure(entry, err);
    }
    entry.endGeneration();
    if (stored) return this.#deliver(entry, stored);
    this.#active.delete(entry.job.id);
  }

  async #save(entry: Active, rendered: InferenceResult): Promise<StoredResult | undefined> {
    const { store, files } = this.#d;
    const job = entry.job;
    if (this.#halted) throw new Error('halted');
    const stored = rendered.kind === 'film' ? await saveFilmResult(files, job.id, rendered) : await saveResult(store, files, job.id, rendered);
    if (this.#halted) throw new Error('halted');
    const generated = await store.jobs.markGenerated(job.id);
    // Saved and recorded: whoever ran it may forget it (a worker's result in Redis).
    await rendered.release?.().catch((err) => this.#log(`job ${job.id}: could not release its result`, err));
    if (!generated.ok) return undefined;
    entry.job = generated.job;
    return stored;
  }

  #deliver(entry: Active, stored?: StoredResult): Promise<void> {
    entry.phase = 'posting';
    return this.#d.delivery.deliver(entry.job, entry.observer, stored).then(
      () => void this.#active.delete(entry.job.id),
      (err) => {
        this.#active.delete(entry.job.id);
        this.#log(`job ${entry.job.id}: delivery failed`, err);
      },
    );
  }

  async #afterFailure(entry: Active, err: unknown): Promise<void> {
    const { store, quota } = this.#d;
    const id = entry.job.id;
    if (this.#halted) return; // as if the process had died here: the restart picks the job up
    const cancelled = (err as Error)?.name === 'AbortError' || (err as Error)?.name === 'JobCancelledError' || entry.cancelReason !== undefined;
    try {
      if (cancelled) {
        const reason = entry.cancelReason ?? 'cancelled';
        const t = await store.jobs.markCancelled(id, reason);
        await quota.refund(id, reason);
        if (t.ok) await entry.observer.cancelled(reason);
      } else {
        this.#log(`job ${id} failed`, err);
        const message = err instanceof UserError ? err.message : 'something went wrong while generating; your credits were returned';
        const t = await store.jobs.markFailed(id, err instanceof Error ? err.message.slice(0, 500) : String(err));
        await quota.refund(id, 'failed');
        if (t.ok) await entry.observer.failed(message);
      }
    } catch (inner) {
      this.#log(`job ${id}: could not record its ${cancelled ? 'cancellation' : 'failure'}`, inner);
    }
  }

  /**
   * Cancel a job. Members cancel their own; moderators any in their server. Answers what really
   * happened (see CancelOutcome), or throws UserError when the job is not theirs to cancel.
   */
  async cancel(jobId: number, by: { userId: string; guildId: string; moderator?: boolean }): Promise<CancelOutcome> {
    const entry = this.#active.get(jobId);
    const job = entry?.job ?? (await this.#d.store.jobs.get(jobId));
    if (!job || job.guildId !== by.guildId || (!entry && (job.status === 'queued' || job.status === 'running'))) {
      throw new UserError('cancel.unknown', `job ${jobId} is not waiting or running in this server`);
    }
    if (job.userId !== by.userId && !by.moderator) {
      throw new UserError('cancel.not-yours', `job ${jobId} belongs to someone else; only they or a moderator can cancel it`);
    }
    let asked = false;
    if (entry && entry.phase !== 'posting') {
      entry.cancelReason ??= job.userId === by.userId ? 'cancelled by you' : 'cancelled by a moderator';
      asked = true;
      if (this.#d.scheduler.cancel(String(jobId)) === 'dequeued') {
        await this.#d.inference.discard?.(job).catch((err) => this.#log(`job ${jobId}: could not drop it from the workers' queue`, err));
      }
      await entry.generationEnded;
    } else if (entry) {
      // Made, and being saved: too late; answer once it is recorded as made.
      await entry.generationEnded;
    }
    return cancelOutcome(this.#d.store, jobId, asked);
  }

  /** The member's newest job that is waiting, running or being posted in this server. */
  latestActive(userId: string, guildId: string): JobRecord | undefined {
    const mine = [...this.#active.values()].filter((a) => a.job.userId === userId && a.job.guildId === guildId);
    return mine.at(-1)?.job;
  }

  /**
   * Waiting and running jobs of a server, in the order they will run, with ETAs; `regenerating`
   * names the running jobs whose slot is making a lost source image again, `posting` the jobs
   * whose result is being posted (no slot held).
   */
  queueOf(guildId: string): {
    running: JobRecord[];
    waiting: Array<{ job: JobRecord; position: number | null; etaMs?: number }>;
    paused: boolean;
    regenerating: number[];
    posting: JobRecord[];
  } {
    const { scheduler } = this.#d;
    const snap = scheduler.snapshot();
    const rec = (id: string) => this.#active.get(Number(id))?.job;
    const running = snap.running
      .filter((r) => r.guildId === guildId)
      .map((r) => rec(r.id))
      .filter((j): j is JobRecord => !!j);
    const here = [...this.#active.values()].filter((a) => a.job.guildId === guildId);
    return {
      running,
      waiting: snap.waiting
        .filter((w) => w.guildId === guildId)
        .map((w) => ({ job: rec(w.id)!, position: w.position, etaMs: scheduler.eta(w.id)?.startsInMs }))
        .filter((w) => w.job),
      paused: scheduler.isPaused(guildId),
      regenerating: here.filter((a) => a.phase === 'regenerating-source').map((a) => a.job.id),
      posting: here.filter((a) => a.phase === 'posting').map((a) => a.job),
    };
  }

  /**
   * After a restart: generated results are posted (not made again), waiting and running jobs go
   * back in the queue, delivered jobs whose charge was not settled are settled; only the servers
   * `owns` (a shard's) when given. See job-recovery.ts.
   */
  async recover(makeObserver: ObserverFactory, owns?: (guildId: string) => boolean): Promise<RecoveryReport> {
    const { store, quota, models } = this.#d;
    return recoverJobs(
      { store, quota, models, log: this.#log, owns },
      {
        observe: makeObserver,
        enqueue: (job, observer) => void this.#enqueue(job, observer),
        deliver: (job, observer) => {
          const entry = this.#newEntry(job, observer, 'posting');
          entry.endGeneration();
          this.#active.set(job.id, entry);
          void this.#track(this.#deliver(entry));
        },
      },
    );
  }

  /** Remember where the job's messages are, so a restart can keep editing them. */
  async recordMessages(jobId: number, patch: { replyMessageId?: string; resultMessageId?: string; fallbackMessageId?: string }): Promise<void> {
    const clean = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    if (Object.keys(clean).length) await this.#d.store.jobs.setMessages(jobId, clean);
  }

  getJob(jobId: number): Promise<JobRecord | null> {
    return this.#d.store.jobs.get(jobId);
  }

  /** The job whose result is this Discord message (reactions start from it). */
  findByResultMessage(messageId: string): Promise<JobRecord | null> {
    return this.#d.store.jobs.findByResultMessage(messageId);
  }

  /** A finished job's picture as stored, to show again; undefined when its files are gone. */
  async storedResult(job: JobRecord): Promise<JobResult | undefined> {
    const stored = await loadResult(this.#d.store, this.#d.files, job);
    return stored && jobResult(job, stored);
  }

  /** A message that re-shows a job's result (/show): reactions on it start jobs like the original's. */
  recordShown(jobId: number, messageId: string): Promise<void> {
    return this.#d.store.jobs.recordShown(jobId, messageId);
  }

  history(userId: string, guildId: string, limit = 10): Promise<JobRecord[]> {
    return this.#d.store.jobs.listRecentByUser(userId, { guildId, limit });
  }

  pause(guildId: string): void {
    this.#d.scheduler.pause(guildId);
  }

  resume(guildId: string): void {
    this.#d.scheduler.resume(guildId);
  }

  /**
   * Stop as a crash would for generation: running generations are aborted and nothing more is
   * written, so the database keeps those jobs queued/running for the next start. Results being
   * posted get up to `deliveryWaitMs` to arrive; the rest stay 'generated' and are posted by the
   * next start. Used on shutdown and by the restart tests.
   */
  async halt(deliveryWaitMs = 0): Promise<void> {
    this.#halted = true;
    this.#d.inference.detach?.();
    await this.#d.scheduler.close({ cancel: true }).catch(() => undefined);
    await this.#d.delivery.stop(deliveryWaitMs);
  }

  /** Resolves when nothing waits, runs or is being posted (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      await this.#d.scheduler.idle();
      await Promise.all([...this.#tails]);
      await this.#d.delivery.idle();
      const { scheduler, delivery } = this.#d;
      if (this.#tails.size === 0 && delivery.pending === 0 && scheduler.size === 0 && scheduler.running === 0) return;
    }
  }
}
