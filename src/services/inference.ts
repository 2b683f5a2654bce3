/**
 * Where a job's engine part runs. The bot's own inference slot (LocalInference) runs the work order
 * on a model it loads; a gateway hands it to a worker instead (src/remote/remote-inference.ts).
 * The job service neither knows nor cares which.
 */
import type { RgbImage } from '../diffusion/types.ts';
import type { ModelRegistry } from './model-registry.ts';
import type { WorkOrder } from './work-order.ts';
import { runWorkOrder, type Rendered } from './work-runner.ts';

export interface InferenceProgress {
  step: number;
  total: number;
  /** Latent previews, one per image. */
  previews: RgbImage[];
}

export interface InferenceOptions {
  signal: AbortSignal;
  onStep?: (progress: InferenceProgress) => void;
  onPhase?: (phase: 'regenerating-source' | 'generating') => void;
}

/** A finished order's pictures; `release()` once they are saved, so the runner may forget them. */
export type InferenceResult = Rendered & { release?: () => Promise<void> };

export interface Inference {
  run(order: WorkOrder, options: InferenceOptions): Promise<InferenceResult>;
  /**
   * The process is going away: from now on an aborted run only stops waiting, and work running
   * elsewhere (on a worker) goes on, to be collected by the next start.
   */
  detach?(): void;
  /**
   * A job left the queue before it ran here (cancelled while waiting): drop any copy of it that
   * is already further on (a worker's queue still holding it from before a gateway restart).
   */
  discard?(job: { id: number; createdAt: Date; model: string }): Promise<void>;
}

/** Where jobs run, for /info and /mod workers. */
export type InferenceStatus =
  | { mode: 'local'; slots: number }
  | { mode: 'workers'; workers: readonly WorkerStatus[] };

export interface WorkerStatus {
  name: string;
  models: readonly string[];
  /** The bot job it is running, if any. */
  job: number | null;
  /** Jobs it finished since it started. */
  done: number;
  /** When it started (ms since the epoch). */
  since: number;
  provider: string;
}

/** Runs orders in this process on the registry's models, holding a lease while the engine runs. */
export class LocalInference implements Inference {
  readonly #models: ModelRegistry;
  readonly #log: (message: string) => void;

  constructor(models: ModelRegistry, log: (message: string) => void = () => undefined) {
    this.#models = models;
    this.#log = log;
  }

  async run(order: WorkOrder, options: InferenceOptions): Promise<InferenceResult> {
    // Held until the engine is done, so the model is not unloaded under this job.
    const lease = await this.#models.acquire(order.model, options.signal);
    try {
      return await runWorkOrder(lease.pipeline, order, { ...options, log: this.#log });
    } finally {
      lease.release();
    }
  }
}
