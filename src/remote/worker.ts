/**
 * An inference worker: takes jobs from the queues of the models it serves, one at a time, runs
 * each work order on its model, and leaves the pictures in Redis for the gateway. It knows no
 * Discord and no database. While a job runs, BullMQ keeps it locked to this worker; if the worker
 * dies, the lock runs out and another worker runs the job again (the gateway still delivers and
 * charges it once). On stop it finishes the current job, or hands it back to the queue after
 * `shutdownWaitMs`.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { DiffusionPipeline } from '../diffusion/pipeline.ts';
import type { ModelRegistry } from '../services/model-registry.ts';
import type { WorkOrder } from '../services/work-order.ts';
import { runWorkOrder, type Rendered, type RunOptions } from '../services/work-runner.ts';
import { BEAT_EVERY_MS, BEAT_TTL_MS, keys, queueName, RESULT_TTL_S, type RemoteJobData, type RemoteProgress, type RemoteReturn, type ResultMeta, type WorkerBeat } from './protocol.ts';
import { connectRedis, type Redis } from './redis.ts';

export interface WorkerOptions {
  redisUrl: string;
  prefix: string;
  name: string;
  models: ModelRegistry;
  /** The models to serve; all of the registry's by default. */
  serve?: readonly string[];
  provider?: string;
  lockMs?: number;
  shutdownWaitMs?: number;
  log?: (message: string, err?: unknown) => void;
  /** Runs an order on a loaded model (tests wrap it to hold a job at a step). */
  runOrder?: (pipeline: DiffusionPipeline, order: WorkOrder, options: RunOptions) => Promise<Rendered>;
}

export interface RunningWorker {
  readonly name: string;
  /** Jobs finished since start. */
  readonly done: number;
  /** Finish the current job (at most `shutdownWaitMs`, then hand it back), then disconnect. */
  stop(): Promise<void>;
}

const SHUTDOWN = 'the worker is shutting down';

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { prefix, name, models } = options;
  const log = options.log ?? ((m, e) => console.error(`[worker ${name}] ${m}`, e instanceof Error ? e.message : (e ?? '')));
  const serve = [...(options.serve ?? models.names)];
  const lockMs = options.lockMs ?? 30_000;
  const runOrder = options.runOrder ?? runWorkOrder;
  const redis = connectRedis(options.redisUrl, `worker ${name}`, { log });
  const subscriber = connectRedis(options.redisUrl, `worker ${name} cancels`, { subscriber: true, log });
  const beatKey = keys.worker(prefix, name);
  const startedAt = Date.now();
  let running: string | null = null;
  let done = 0;
  let stopping = false;

  const beat = async () => {
    const info: WorkerBeat = { name, models: serve, running, done, startedAt, provider: options.provider ?? 'cpu', host: os.hostname(), pid: process.pid };
    await redis.set(beatKey, JSON.stringify(info), 'PX', BEAT_TTL_MS);
  };
  const beatNow = () => void beat().catch((err) => log('could not renew its sign of life', err));

  try {
    // Each model is loaded once at start, so a broken folder stops the worker at once, and its
    // sizes and defaults are announced: the gateway plans jobs with them without loading anything.
    for (const model of serve) {
      const planner = await models.planner(model);
      await redis.set(keys.model(prefix, model), JSON.stringify(planner.info));
    }
    // A worker killed a moment ago leaves its sign of life for a few seconds: only a warning.
    if (await redis.exists(beatKey)) log(`a worker named "${name}" was alive moments ago; if it still runs, give each worker its own WORKER_NAME`);
    await beat();
  } catch (err) {
    redis.disconnect();
    subscriber.disconnect();
    throw err;
  }

  // One job at a time on this model server, whichever model's queue it came from.
  let slot: Promise<void> = Promise.resolve();
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    const before = slot;
    let release!: () => void;
    slot = new Promise((resolve) => (release = resolve));
    await before;
    try {
      return await fn();
    } finally {
      release();
    }
  };

  const workers: Worker[] = [];
  const processJob = async (job: Job<RemoteJobData, RemoteReturn>, token?: string, signal?: AbortSignal): Promise<RemoteReturn> => {
    const id = job.id!;
    if (await redis.exists(keys.cancelled(prefix, id))) throw new UnrecoverableError('cancelled');
    return exclusive(async () => {
      running = id;
      beatNow();
      const began = performance.now();
      try {
        const answer = await run(job, signal);
        // One line per job: what an operator reads, and what npm run bench:scale measures idle time by.
        log(`job ${job.data.order.jobId} (${job.data.order.model}) made in ${Math.round(performance.now() - began)} ms`);
        return answer;
      } catch (err) {
        if (signal?.aborted && signal.reason === SHUTDOWN && token) {
          // Handed back: another worker (or this one, restarted) runs it from the start.
          await job.moveToWait(token);
          log(`job ${job.data.order.jobId} handed back to the queue`);
          throw new WaitingError();
        }
        if (signal?.aborted) throw new UnrecoverableError('cancelled');
        throw err;
      } finally {
        running = null;
        beatNow();
      }
    });
  };

  const run = async (job: Job<RemoteJobData, RemoteReturn>, signal: AbortSignal | undefined): Promise<RemoteReturn> => {
    const { order, previewEveryMs } = job.data;
    const lease = await models.acquire(order.model, signal);
    let lastPreview = -Infinity;
    let rendered: Rendered;
    try {
      rendered = await runOrder(lease.pipeline, order, {
        signal,
        log: (m) => log(m),
        onPhase: (phase) => void job.updateProgress({ phase } satisfies RemoteProgress).catch(() => undefined),
        onStep: async (p) => {
          const now = Date.now();
          if (now - lastPreview < previewEveryMs && p.step < p.total) return;
          lastPreview = now;
          const progress: RemoteProgress = {
            step: p.step,
            total: p.total,
            previews: p.previews.map((img) => ({ width: img.width, height: img.height, data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength).toString('base64') })),
          };
          await job.updateProgress(progress).catch(() => undefined);
        },
      });
    } finally {
      lease.release();
    }
    const resultKey = keys.result(prefix, job.id!);
    await saveResult(redis, resultKey, rendered);
    done++;
    return { resultKey, worker: name };
  };

  for (const model of serve) {
    const worker = new Worker<RemoteJobData, RemoteReturn>(queueName(model), processJob, {
      connection: connectRedis(options.redisUrl, `worker ${name} ${model}`, { log }),
      prefix,
      name,
      concurrency: 1,
      lockDuration: lockMs,
      stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
      maxStalledCount: 3,
    });
    worker.on('error', (err) => log(`queue ${model}: ${err.message}`));
    workers.push(worker);
  }

  await subscriber.subscribe(keys.cancelChannel(prefix));
  subscriber.on('message', (_channel, id: string) => {
    for (const w of workers) w.cancelJob(id, 'cancelled');
  });
  const beats = setInterval(beatNow, BEAT_EVERY_MS);
  log(`serving ${serve.join(', ')}`);

  return {
    name,
    get done() {
      return done;
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(beats);
      const closing = Promise.all(workers.map((w) => w.close()));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), options.shutdownWaitMs ?? 60_000)));
      if ((await Promise.race([closing, late])) === 'late') {
        log('the current job is taking too long; handing it back to the queue');
        for (const w of workers) w.cancelAllJobs(SHUTDOWN);
        await closing;
      }
      clearTimeout(timer);
      await redis.del(beatKey).catch(() => undefined);
      subscriber.disconnect();
      redis.disconnect();
      for (const w of workers) await w.disconnect().catch(() => undefined);
    },
  };
}

async function saveResult(redis: Redis, key: string, rendered: Rendered): Promise<void> {
  const fields: Record<string, string | Buffer> = {};
  let meta: ResultMeta;
  if (rendered.kind === 'film') {
    fields.webp = rendered.webp;
    meta = { kind: 'film', warnings: rendered.warnings, totalMs: rendered.totalMs, images: [], seeds: rendered.seeds, grid: false };
  } else {
    rendered.images.forEach((img, i) => (fields[`img${i}`] = img.png));
    if (rendered.grid) fields.grid = rendered.grid;
    meta = {
      kind: 'images',
      warnings: rendered.warnings,
      totalMs: rendered.totalMs,
      images: rendered.images.map((i) => ({ seed: i.seed, width: i.width, height: i.height })),
      seeds: rendered.images.map((i) => i.seed),
      grid: !!rendered.grid,
    };
  }
  fields.meta = JSON.stringify(meta);
  await redis.multi().del(key).hset(key, fields).expire(key, RESULT_TTL_S).exec();
}
