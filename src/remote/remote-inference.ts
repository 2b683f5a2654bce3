/**
 * The gateway's side of a job's engine part: the work order goes into its model's BullMQ queue,
 * previews come back as job progress, and the pictures come back through Redis. The gateway's fair
 * scheduler calls this only when a worker is free for the job, so the start order stays the
 * scheduler's. Queue job ids are stable per job: after a gateway restart the same job is found
 * again in the queue (running, or already finished while the gateway was away), never added twice.
 */
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Inference, InferenceOptions, InferenceResult } from '../services/inference.ts';
import type { WorkOrder } from '../services/work-order.ts';
import { keys, queueName, remoteJobId, RESULT_TTL_S, type RemoteJobData, type RemoteProgress, type RemoteReturn, type ResultMeta } from './protocol.ts';
import { connectRedis, type Redis } from './redis.ts';

export interface RemoteInferenceOptions {
  redisUrl: string;
  prefix: string;
  /** How often a worker sends previews. */
  previewEveryMs: number;
  /**
   * Runs of a job that failed (a worker's engine error) before it fails for good; a worker that
   * dies does not count (its job is taken over).
   * @default 3
   */
  attempts?: number;
  log?: (message: string, err?: unknown) => void;
}

interface Waiter {
  settled: boolean;
  onProgress: (p: RemoteProgress) => void;
  resolve: (r: RemoteReturn) => void;
  reject: (err: Error) => void;
}

export class RemoteJobError extends Error {
  override name = 'RemoteJobError';
}

export class RemoteInference implements Inference {
  readonly #o: RemoteInferenceOptions;
  readonly #redis: Redis;
  readonly #queues = new Map<string, Queue<RemoteJobData, RemoteReturn>>();
  readonly #events = new Map<string, Promise<QueueEvents>>();
  readonly #waiters = new Map<string, Waiter>();
  readonly #log: (message: string, err?: unknown) => void;
  #detached = false;

  constructor(options: RemoteInferenceOptions) {
    this.#o = options;
    this.#log = options.log ?? ((m, e) => console.error(m, e ?? ''));
    this.#redis = connectRedis(options.redisUrl, 'gateway', { log: this.#log });
  }

  async run(order: WorkOrder, options: InferenceOptions): Promise<InferenceResult> {
    const { signal } = options;
    signal.throwIfAborted();
    const id = remoteJobId(order);
    const queue = this.#queue(order.model);
    await this.#eventsOf(order.model);
    const answer = this.#wait(id, options);
    const onAbort = () => {
      // Shutting down: the job goes on on its worker, and the next start collects it.
      if (this.#detached) this.#waiters.get(id)?.reject(new DOMException('the gateway is stopping', 'AbortError') as unknown as Error);
      else void this.#cancel(queue, id);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await queue.add('generate', { order, previewEveryMs: this.#o.previewEveryMs }, {
        jobId: id,
        attempts: this.#o.attempts ?? 3,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: RESULT_TTL_S },
        removeOnFail: { age: RESULT_TTL_S },
      });
      // Already over (it finished while the gateway was away): no event will come for it.
      await this.#settleIfFinished(queue, id);
      const done = await answer;
      const result = await this.#readResult(done.resultKey);
      return {
        ...result,
        release: async () => {
          await this.#redis.del(done.resultKey);
          await queue.remove(id).catch(() => undefined);
        },
      };
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#waiters.delete(id);
    }
  }

  #wait(id: string, options: InferenceOptions): Promise<RemoteReturn> {
    return new Promise<RemoteReturn>((resolve, reject) => {
      const waiter: Waiter = {
        settled: false,
        onProgress: (p) => {
          if ('phase' in p) options.onPhase?.(p.phase);
          else options.onStep?.({ step: p.step, total: p.total, previews: p.previews.map((w) => ({ width: w.width, height: w.height, data: new Uint8Array(Buffer.from(w.data, 'base64')) })) });
        },
        resolve: (r) => {
          waiter.settled = true;
          resolve(r);
        },
        reject: (err) => {
          waiter.settled = true;
          reject(err);
        },
      };
      this.#waiters.set(id, waiter);
    });
  }

  async #settleIfFinished(queue: Queue<RemoteJobData, RemoteReturn>, id: string): Promise<void> {
    const job = await Job.fromId<RemoteJobData, RemoteReturn>(queue, id);
    const waiter = this.#waiters.get(id);
    if (!job || !waiter || waiter.settled) return;
    const state = await job.getState();
    if (state === 'completed') waiter.resolve(job.returnvalue);
    else if (state === 'failed') waiter.reject(new RemoteJobError(job.failedReason || 'the job failed on its worker'));
  }

  /** Cancelled by the member or a moderator: dropped from the queue if no worker has it yet, else its worker is told to stop. */
  async #cancel(queue: Queue<RemoteJobData, RemoteReturn>, id: string): Promise<void> {
    try {
      await this.#redis.set(keys.cancelled(this.#o.prefix, id), '1', 'EX', RESULT_TTL_S);
      await this.#redis.publish(keys.cancelChannel(this.#o.prefix), id);
      // 0: locked by a worker, which stops on the message above.
      const removed = (await queue.remove(id).catch(() => 0)) === 1;
      if (removed) this.#waiters.get(id)?.reject(new DOMException('cancelled', 'AbortError') as unknown as Error);
    } catch (err) {
      this.#log(`could not cancel queue job ${id}`, err);
    }
  }

  async #readResult(key: string): Promise<InferenceResult> {
    const fields = await this.#redis.hgetallBuffer(key);
    if (!fields.meta) throw new RemoteJobError('the worker\'s pictures are gone from Redis (expired or removed)');
    const meta = JSON.parse(fields.meta.toString('utf8')) as ResultMeta;
    if (meta.kind === 'film') return { kind: 'film', webp: fields.webp, seeds: meta.seeds, warnings: meta.warnings, totalMs: meta.totalMs };
    return {
      kind: 'images',
      images: meta.images.map((img, i) => ({ ...img, png: fields[`img${i}`] })),
      grid: meta.grid ? fields.grid : undefined,
      warnings: meta.warnings,
      totalMs: meta.totalMs,
    };
  }

  #queue(model: string): Queue<RemoteJobData, RemoteReturn> {
    let queue = this.#queues.get(model);
    if (!queue) {
      queue = new Queue<RemoteJobData, RemoteReturn>(queueName(model), { connection: this.#redis, prefix: this.#o.prefix });
      queue.on('error', (err) => this.#log(`queue ${model}: ${err.message}`));
      this.#queues.set(model, queue);
    }
    return queue;
  }

  #eventsOf(model: string): Promise<QueueEvents> {
    let events = this.#events.get(model);
    if (!events) {
      const made = new QueueEvents(queueName(model), { connection: connectRedis(this.#o.redisUrl, `gateway events ${model}`, { log: this.#log }), prefix: this.#o.prefix });
      made.on('error', (err) => this.#log(`queue events ${model}: ${err.message}`));
      made.on('progress', ({ jobId, data }) => this.#waiters.get(jobId)?.onProgress(data as RemoteProgress));
      made.on('completed', ({ jobId, returnvalue }) => this.#waiters.get(jobId)?.resolve(returnvalue as unknown as RemoteReturn));
      made.on('failed', ({ jobId, failedReason }) => this.#waiters.get(jobId)?.reject(failedReason === 'cancelled' ? (new DOMException('cancelled', 'AbortError') as unknown as Error) : new RemoteJobError(failedReason)));
      made.on('removed', ({ jobId }) => this.#waiters.get(jobId)?.reject(new DOMException('removed from the queue', 'AbortError') as unknown as Error));
      events = made.waitUntilReady().then(() => made);
      this.#events.set(model, events);
    }
    return events;
  }

  async discard(job: { id: number; createdAt: Date; model: string }): Promise<void> {
    await this.#cancel(this.#queue(job.model), remoteJobId({ jobId: job.id, createdAt: job.createdAt.getTime() }));
  }

  detach(): void {
    this.#detached = true;
  }

  async close(): Promise<void> {
    for (const events of this.#events.values()) await (await events).close().catch(() => undefined);
    for (const queue of this.#queues.values()) await queue.close().catch(() => undefined);
    this.#redis.disconnect();
  }
}
