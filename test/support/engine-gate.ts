/**
 * The real engine with a hand on it: a test can hold a job at a chosen step until it says go, so
 * "while the job runs" is an event the test controls, not a race between the model's speed and the
 * test's polling. Generation itself is untouched: every step still runs the real model.
 */
import type { DiffusionPipeline } from '../../src/diffusion/pipeline.ts';
import type { GenerateOptions, GenerateRequest, StepProgress } from '../../src/diffusion/types.ts';

export interface HoldSpec {
  /** Which generation to hold: the first whose prompt contains this (any when omitted). */
  readonly prompt?: string;
  /** The 1-based step after which it waits (default 1: once the first preview is on its way). */
  readonly step?: number;
}

/** One hold: `reached` resolves when the job is parked at its step; `release()` lets it go on. */
export interface Hold {
  readonly reached: Promise<StepProgress>;
  release(): void;
  /** Whether a generation has reached the hold. */
  readonly isReached: boolean;
}

interface PendingHold extends Hold {
  readonly spec: HoldSpec;
  arrive(progress: StepProgress): void;
  readonly released: Promise<void>;
}

export class EngineGate {
  readonly pipeline: DiffusionPipeline;
  readonly #holds: PendingHold[] = [];
  readonly #stepListeners: Array<(progress: StepProgress, request: GenerateRequest) => void> = [];

  constructor(real: DiffusionPipeline) {
    const generate = (request: GenerateRequest, opts: GenerateOptions = {}) =>
      real.generate(request, { ...opts, onStep: (progress) => this.#onStep(request, progress, opts) });
    // Everything but generate() goes to the real pipeline, bound to it (it keeps #private state).
    this.pipeline = new Proxy(real, {
      get(target, key) {
        if (key === 'generate') return generate;
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /**
   * Parks the next matching generation after its step until `release()`. A job that is cancelled
   * or halted while parked goes on at once, so its abort is seen as it would be between steps.
   */
  hold(spec: HoldSpec = {}): Hold {
    let arrive!: (progress: StepProgress) => void;
    let release!: () => void;
    const reached = new Promise<StepProgress>((resolve) => (arrive = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    let isReached = false;
    const hold: PendingHold = {
      spec,
      reached,
      released,
      release,
      get isReached() {
        return isReached;
      },
      arrive(progress) {
        isReached = true;
        arrive(progress);
      },
    };
    this.#holds.push(hold);
    return hold;
  }

  /** Calls `listener` after every step of every generation (before any hold waits). */
  onEveryStep(listener: (progress: StepProgress, request: GenerateRequest) => void): void {
    this.#stepListeners.push(listener);
  }

  async #onStep(request: GenerateRequest, progress: StepProgress, opts: GenerateOptions): Promise<void> {
    await opts.onStep?.(progress);
    for (const listener of this.#stepListeners) listener(progress, request);
    const index = this.#holds.findIndex(
      (h) => (h.spec.step ?? 1) === progress.step && (h.spec.prompt === undefined || request.prompt.includes(h.spec.prompt)),
    );
    if (index < 0) return;
    const [hold] = this.#holds.splice(index, 1);
    hold.arrive(progress);
    await Promise.race([hold.released, aborted(opts.signal)]);
  }
}

function aborted(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise(() => undefined);
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
