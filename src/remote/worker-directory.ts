/**
 * The gateway's view of its workers: who is alive (their signs of life in Redis), which models
 * each serves, and what each model's sizes and defaults are (announced by the workers, so the
 * gateway plans jobs without loading a model). It also answers the fair scheduler's question
 * "can this job start now?": only when the jobs already released and this one can each have a
 * worker that serves their model.
 */
import type { ModelInfo } from '../diffusion/pipeline.ts';
import type { JobInfo } from '../queue/index.ts';
import { keys, type WorkerBeat } from './protocol.ts';
import { connectRedis, type Redis } from './redis.ts';

export interface WorkerDirectoryOptions {
  redisUrl: string;
  prefix: string;
  /** How often the signs of life are read. @default 1000 */
  pollMs?: number;
  onChange?: (workers: readonly WorkerBeat[]) => void;
  log?: (message: string, err?: unknown) => void;
}

export class WorkerDirectory {
  readonly #o: WorkerDirectoryOptions;
  readonly #redis: Redis;
  #workers: WorkerBeat[] = [];
  #timer: NodeJS.Timeout | undefined;
  #signature = '';
  #matchedCache: { workers: readonly WorkerBeat[]; running: readonly JobInfo[]; size: number } | undefined;

  constructor(options: WorkerDirectoryOptions) {
    this.#o = options;
    this.#redis = connectRedis(options.redisUrl, 'gateway workers', { log: options.log });
  }

  /** Reads the workers now and then every `pollMs`. */
  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh().catch((err) => this.#o.log?.('could not read the workers', err)), this.#o.pollMs ?? 1000);
  }

  /** The workers alive at the last look, by name. */
  get workers(): readonly WorkerBeat[] {
    return this.#workers;
  }

  async refresh(): Promise<void> {
    const found: WorkerBeat[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.#redis.scan(cursor, 'MATCH', keys.workerPattern(this.#o.prefix), 'COUNT', 200);
      cursor = next;
      if (batch.length) {
        for (const raw of await this.#redis.mget(batch)) if (raw) found.push(JSON.parse(raw) as WorkerBeat);
      }
    } while (cursor !== '0');
    found.sort((a, b) => a.name.localeCompare(b.name));
    this.#workers = found;
    const signature = found.map((w) => `${w.name}:${w.models.join('+')}`).join(',');
    if (signature !== this.#signature) {
      this.#signature = signature;
      this.#o.onChange?.(found);
    }
  }

  /** A model's sizes and defaults as a worker announced them; undefined if no worker ever served it. */
  async modelInfo(model: string): Promise<ModelInfo | undefined> {
    const raw = await this.#redis.get(keys.model(this.#o.prefix, model));
    return raw ? (JSON.parse(raw) as ModelInfo) : undefined;
  }

  /**
   * Whether `job` can start with `running` already released: true when more of them together can
   * each be given a worker serving their model than without it (a matching, as jobs and workers
   * are few). A worker that died leaves its job counted until it finishes elsewhere.
   */
  canStart = (job: JobInfo, running: readonly JobInfo[]): boolean => {
    const workers = this.#workers;
    if (!workers.some((w) => job.pool === undefined || w.models.includes(job.pool))) return false;
    return matching(workers, [...running, job]) > this.#matched(workers, running);
  };

  /**
   * The scheduler asks about every candidate of one pick with the same `running` list: its
   * matching is computed once per list (and per set of workers), not once per candidate.
   */
  #matched(workers: readonly WorkerBeat[], running: readonly JobInfo[]): number {
    const cached = this.#matchedCache;
    if (cached?.workers === workers && cached.running === running) return cached.size;
    const size = matching(workers, running);
    this.#matchedCache = { workers, running, size };
    return size;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#redis.disconnect();
  }
}

/** The most jobs that can each have their own worker serving their model (Kuhn's augmenting paths). */
function matching(workers: readonly WorkerBeat[], jobs: readonly JobInfo[]): number {
  const owner = new Array<number>(workers.length).fill(-1);
  const serves = (w: number, j: number) => jobs[j].pool === undefined || workers[w].models.includes(jobs[j].pool!);
  const place = (j: number, seen: boolean[]): boolean => {
    for (let w = 0; w < workers.length; w++) {
      if (seen[w] || !serves(w, j)) continue;
      seen[w] = true;
      if (owner[w] === -1 || place(owner[w], seen)) {
        owner[w] = j;
        return true;
      }
    }
    return false;
  };
  let placed = 0;
  for (let j = 0; j < jobs.length; j++) if (place(j, new Array<boolean>(workers.length).fill(false))) placed++;
  return placed;
}
