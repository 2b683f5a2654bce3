/**
 * The life of a job: validate, charge, record, queue fairly, run on the engine, store the images,
 * settle or refund, and tell the observer at each step. Restart recovery lives here too, so that a
 * job is never silently lost and never delivered twice.
 */
import sharp from 'sharp';
import { composeGrid } from '../diffusion/grid.ts';
import type { DiffusionPipeline } from '../diffusion/pipeline.ts';
import { decodeImage, encodePng, formatParameters } from '../diffusion/png.ts';
import type { GenerateResult, RgbImage } from '../diffusion/types.ts';
import { JobRefusedError, type FairScheduler } from '../queue/index.ts';
import type { JobRecord, Store } from '../store/index.ts';
import type { ImageStore } from './image-store.ts';
import type { JobObserver, JobSummary } from './job-observer.ts';
import { planJob, requestOf, type JobAsk } from './job-requests.ts';
import type { QuotaService } from './quota-service.ts';
import { UserError } from './user-error.ts';

export interface Requester {
  guildId: string;
  channelId: string;
  userId: string;
  userName?: string;
  interaction?: { id: string; token: string; expiresAt: Date };
}

export type ObserverFactory = (job: JobRecord) => JobObserver;

export interface JobServiceDeps {
  pipeline: DiffusionPipeline;
  store: Store;
  scheduler: FairScheduler;
  images: ImageStore;
  quota: QuotaService;
  limits: { maxQueuePerGuild: number; maxJobsPerUser: number };
  log?: (message: string, err?: unknown) => void;
}

export interface Submitted {
  job: JobRecord;
  position: number | null;
  etaMs?: number;
}

interface Active {
  job: JobRecord;
  observer: JobObserver;
  cancelReason?: string;
}

const MAX_REGENERATION_DEPTH = 4;

export function summary(job: JobRecord): JobSummary {
  return {
    id: job.id,
    kind: job.kind,
    userId: job.userId,
    guildId: job.guildId,
    channelId: job.channelId,
    prompt: job.prompt,
    negativePrompt: job.negativePrompt ?? '',
    seed: job.seed,
    steps: job.steps,
    guidance: job.guidance,
    sampler: job.sampler,
    width: job.width,
    height: job.height,
    count: job.count,
    model: job.model,
    parentJobId: job.parentJobId,
    parentImageIndex: job.parentImageIndex,
  };
}

export class JobService {
  readonly #d: JobServiceDeps;
  readonly #active = new Map<number, Active>();
  readonly #log: (message: string, err?: unknown) => void;
  readonly #locks = new Map<string, Promise<void>>();
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

  get pipeline(): DiffusionPipeline {
    return this.#d.pipeline;
  }

  /** Validate, check limits, record, charge, queue. Throws UserError with nothing queued or charged. */
  async submit(who: Requester, ask: JobAsk, makeObserver: ObserverFactory, moderatorHint = 'a server moderator'): Promise<Submitted> {
    const plan = planJob(this.#d.pipeline, ask);
    // One submission at a time per server: the limit check and the enqueue that makes it true
    // must not interleave with another request's, or simultaneous requests all pass the check.
    return this.#serialised(who.guildId, () => this.#submit(who, plan, makeObserver, moderatorHint));
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

  async #submit(who: Requester, plan: ReturnType<typeof planJob>, makeObserver: ObserverFactory, moderatorHint: string): Promise<Submitted> {
    const { store, quota } = this.#d;
    await this.#checkLimits(who);
    const r = plan.resolved;
    const cost = quota.costOf(plan.kind, r.n);
    const job = await store.jobs.create({
      kind: plan.kind,
      parentJobId: plan.parentJobId ?? null,
      parentImageIndex: plan.parentImageIndex ?? null,
      guildId: who.guildId,
      channelId: who.channelId,
      userId: who.userId,
      userName: who.userName,
      prompt: r.prompt,
      negativePrompt: r.negativePrompt || null,
      steps: r.steps,
      guidance: r.guidance,
      sampler: r.sampler,
      width: r.width,
      height: r.height,
      count: r.n,
      seed: r.seed,
      strength: r.strength ?? null,
      model: r.model,
      cost,
      interactionId: who.interaction?.id ?? null,
      interactionToken: who.interaction?.token ?? null,
      tokenExpiresAt: who.interaction?.expiresAt ?? null,
    });
    try {
      await quota.reserve(job, cost, moderatorHint);
    } catch (err) {
      await store.jobs.discard(job.id); // refused: the member's history shows nothing happened
      throw err;
    }
    try {
      return this.#enqueue(job, makeObserver(job));
    } catch (err) {
      await quota.refund(job.id, 'refused by the queue');
      await store.jobs.markCancelled(job.id, 'refused by the queue');
      if (err instanceof JobRefusedError) throw new UserError('queue.refused', err.message);
      throw err;
    }
  }

  async #checkLimits(who: Requester): Promise<void> {
    const { scheduler, store, limits } = this.#d;
    const guild = await store.guilds.get(who.guildId);
    const maxQueue = guild?.maxQueuePerGuild ?? limits.maxQueuePerGuild;
    const maxUser = guild?.maxJobsPerUser ?? limits.maxJobsPerUser;
    const waiting = scheduler.snapshot().waiting.filter((w) => w.guildId === who.guildId).length;
    if (waiting >= maxQueue) {
      throw new UserError('queue.full', `This server's queue is full (${waiting} of ${maxQueue} jobs waiting). Try again when some have finished.`);
    }
    const mine = [...this.#active.values()].filter((a) => a.job.userId === who.userId && a.job.guildId === who.guildId).length;
    if (mine >= maxUser) {
      throw new UserError('queue.user-limit', `You already have ${mine} job${mine === 1 ? '' : 's'} waiting or running here (at most ${maxUser}). Use /cancel or wait for one to finish.`);
    }
  }

  #enqueue(job: JobRecord, observer: JobObserver): Submitted {
    const entry: Active = { job, observer };
    this.#active.set(job.id, entry);
    let ticket;
    try {
      ticket = this.#d.scheduler.submit({ id: String(job.id), guildId: job.guildId, userId: job.userId, run: (signal) => this.#run(entry, signal) });
    } catch (err) {
      this.#active.delete(job.id);
      throw err;
    }
    ticket.done.then(
      () => this.#active.delete(job.id),
      (err) => void this.#afterFailure(entry, err).finally(() => this.#active.delete(job.id)),
    );
    const etaMs = this.#d.scheduler.eta(String(job.id))?.startsInMs;
    // null: the server's queue is paused by a moderator.
    if (ticket.position !== 0) void observer.queued(ticket.position, etaMs);
    return { job, position: ticket.position, etaMs };
  }

  async #run(entry: Active, signal: AbortSignal): Promise<void> {
    const { store, pipeline, quota } = this.#d;
    if (this.#halted) throw new Error('halted');
    const started = await store.jobs.markRunning(entry.job.id);
    if (!started.ok) return; // cancelled or finished meanwhile: never run a job twice
    const job = started.job;
    const request = requestOf(job);
    if (job.kind === 'upscale' || job.kind === 'vary') {
      const source = await this.#sourceImage(job.parentJobId!, job.parentImageIndex!, 0);
      request.init = { image: source, strength: job.strength ?? 0.5 };
    }
    const result = await pipeline.generate(request, {
      signal,
      onStep: (p) =>
        entry.observer.progress({ step: p.step, total: p.total, preview: () => previewPng(p.previews) }),
    });
    if (this.#halted) throw new Error('halted');
    const png = await this.#saveImages(job, result);
    const done = await store.jobs.markDone(job.id);
    if (!done.ok) return; // a moderator cancelled it in the last instant; the cancel path reports it
    await quota.settle(job.id);
    try {
      const shown = await entry.observer.done({ job: summary(done.job), png, seeds: result.images.map((i) => i.seed), durationMs: done.job.durationMs ?? result.timings.totalMs, warnings: result.warnings });
      if (shown) await this.recordMessages(job.id, { resultMessageId: shown.messageId });
    } catch (err) {
      this.#log(`job ${job.id} finished but its result could not be posted`, err);
    }
  }

  async #saveImages(job: JobRecord, result: GenerateResult): Promise<Buffer> {
    const { store, images } = this.#d;
    const pngs: Buffer[] = [];
    for (const [k, img] of result.images.entries()) {
      const png = await encodePng(img, { parameters: formatParameters(result.request, img.seed, img.width, img.height) });
      const path = await images.saveImage(job.id, k, png);
      await store.images.save(job.id, { index: k, seed: img.seed, path, width: img.width, height: img.height });
      pngs.push(png);
    }
    if (pngs.length === 1) return pngs[0];
    const grid = await encodePng(composeGrid(result.images), { parameters: formatParameters(result.request, result.request.seed) });
    await images.saveGrid(job.id, grid);
    return grid;
  }

  /** The image a U/V button starts from: the stored file, or regenerated from its seed when the file is gone. */
  async #sourceImage(jobId: number, index: number, depth: number): Promise<RgbImage> {
    const { store, images, pipeline } = this.#d;
    const record = await store.images.get(jobId, index);
    const png = record ? await images.load(record.path) : undefined;
    if (png) return decodeImage(png);
    const parent = await store.jobs.get(jobId);
    if (!parent || depth >= MAX_REGENERATION_DEPTH) throw new Error(`image ${index + 1} of job ${jobId} is gone and cannot be regenerated`);
    const request = { ...requestOf(parent), seed: (parent.seed + index) >>> 0, n: 1 };
    if (parent.kind === 'upscale' || parent.kind === 'vary') {
      request.init = { image: await this.#sourceImage(parent.parentJobId!, parent.parentImageIndex!, depth + 1), strength: parent.strength ?? 0.5 };
    }
    this.#log(`image ${index + 1} of job ${jobId} missing from the image store; regenerating it from seed ${request.seed}`);
    return (await pipeline.generate(request)).images[0];
  }

  async #afterFailure(entry: Active, err: unknown): Promise<void> {
    const { store, quota } = this.#d;
    const id = entry.job.id;
    if (this.#halted) return; // as if the process had died here: the restart picks the job up
    const cancelled = (err as Error)?.name === 'AbortError' || entry.cancelReason !== undefined;
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
   * Cancel a job that is waiting or running. Members cancel their own; moderators any in their
   * server. Returns the job cancelled, or throws UserError saying why not.
   */
  async cancel(jobId: number, by: { userId: string; guildId: string; moderator?: boolean }): Promise<JobRecord> {
    const entry = this.#active.get(jobId);
    if (!entry || entry.job.guildId !== by.guildId) {
      throw new UserError('cancel.unknown', `job ${jobId} is not waiting or running in this server`);
    }
    if (entry.job.userId !== by.userId && !by.moderator) {
      throw new UserError('cancel.not-yours', `job ${jobId} belongs to someone else; only they or a moderator can cancel it`);
    }
    entry.cancelReason = entry.job.userId === by.userId ? 'cancelled by you' : 'cancelled by a moderator';
    this.#d.scheduler.cancel(String(jobId));
    return entry.job;
  }

  /** The member's newest job that is waiting or running in this server. */
  latestActive(userId: string, guildId: string): JobRecord | undefined {
    const mine = [...this.#active.values()].filter((a) => a.job.userId === userId && a.job.guildId === guildId);
    return mine.at(-1)?.job;
  }

  /** Waiting and running jobs of a server, in the order they will run, with ETAs. */
  queueOf(guildId: string): { running: JobRecord[]; waiting: Array<{ job: JobRecord; position: number | null; etaMs?: number }>; paused: boolean } {
    const { scheduler } = this.#d;
    const snap = scheduler.snapshot();
    const rec = (id: string) => this.#active.get(Number(id))?.job;
    return {
      running: snap.running.filter((r) => r.guildId === guildId).map((r) => rec(r.id)).filter((j): j is JobRecord => !!j),
      waiting: snap.waiting
        .filter((w) => w.guildId === guildId)
        .map((w) => ({ job: rec(w.id)!, position: w.position, etaMs: scheduler.eta(w.id)?.startsInMs }))
        .filter((w) => w.job),
      paused: scheduler.isPaused(guildId),
    };
  }

  /**
   * After a restart: every job that was waiting or running goes back in the queue (running ones
   * first, as they were first), and its owner is told; one that cannot be resumed fails with a
   * message and a refund. A job already done is never touched.
   */
  async recover(makeObserver: ObserverFactory): Promise<{ resumed: number; failed: number }> {
    const { store, quota } = this.#d;
    const unfinished = await store.jobs.listByStatus(['running', 'queued']);
    unfinished.sort((a, b) => (a.status === b.status ? a.id - b.id : a.status === 'running' ? -1 : 1));
    let resumed = 0;
    let failed = 0;
    for (const stale of unfinished) {
      const job = stale.status === 'running' ? ((await store.jobs.requeue(stale.id)).job ?? stale) : stale;
      const observer = makeObserver(job);
      try {
        this.#d.pipeline.resolve(requestOf(job)); // the model may have changed since
        this.#enqueue(job, observer);
        resumed++;
      } catch (err) {
        failed++;
        const why = err instanceof Error ? err.message : String(err);
        await store.jobs.markFailed(job.id, `lost in a restart: ${why}`);
        await quota.refund(job.id, 'lost in a restart');
        await observer.failed(`the bot restarted and could not resume this job (${why}); your credits were returned`).catch((e) => this.#log(`job ${job.id}: could not tell its owner`, e));
      }
    }
    return { resumed, failed };
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
   * Stop as a crash would: running generations are aborted and nothing more is written, so the
   * database keeps these jobs as queued/running for the next start to recover. Used on shutdown
   * (a job is resumed rather than half-finished) and by the restart tests.
   */
  async halt(): Promise<void> {
    this.#halted = true;
    await this.#d.scheduler.close({ cancel: true }).catch(() => undefined);
  }

  /** Resolves when nothing waits or runs (tests, shutdown). */
  idle(): Promise<void> {
    return this.#d.scheduler.idle();
  }
}

/** Latent previews as one PNG, enlarged with nearest-neighbour so Discord shows them at a useful size. */
async function previewPng(previews: RgbImage[]): Promise<Buffer> {
  const grid = composeGrid(previews);
  const scale = Math.max(1, Math.round(256 / Math.max(grid.width, grid.height)));
  return sharp(Buffer.from(grid.data.buffer, grid.data.byteOffset, grid.data.byteLength), {
    raw: { width: grid.width, height: grid.height, channels: 3 },
  })
    .resize(grid.width * scale, grid.height * scale, { kernel: 'nearest' })
    .png()
    .toBuffer();
}
