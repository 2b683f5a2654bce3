/**
 * The models a bot offers, loaded on first use and kept to at most `maxLoaded` in memory: loading
 * one more unloads the least recently used model that no job holds. A job holds a lease on its
 * model's pipeline while the engine runs, so a model is never unloaded under a running job; when
 * every loaded model is held, a load waits for a lease to end rather than exceed the limit.
 * The engine (src/diffusion/) knows nothing of this: it is given a loaded pipeline.
 */
import { DiffusionPipeline, type LoadOptions, type ModelInfo } from '../diffusion/pipeline.ts';
import { resolveRequest } from '../diffusion/resolve-request.ts';
import type { GenerateRequest, ResolvedRequest } from '../diffusion/types.ts';
import { UserError } from './user-error.ts';

export interface ModelEntry {
  name: string;
  dir: string;
}

/** What planning a job needs of a model: its sizes and defaults, and the engine's validation. */
export interface ModelPlanner {
  readonly info: ModelInfo;
  resolve(request: GenerateRequest): ResolvedRequest;
}

/** A job's hold on a loaded model; `release()` once the engine is done with it (idempotent). */
export interface ModelLease {
  readonly name: string;
  readonly pipeline: DiffusionPipeline;
  release(): void;
}

export interface ModelStatus {
  name: string;
  dir: string;
  loaded: boolean;
  /** Known once the model has been loaded (sizes, defaults). */
  info?: ModelInfo;
}

export interface ModelRegistryOptions {
  models: readonly ModelEntry[];
  defaultName: string;
  /** @default 1 */
  maxLoaded?: number;
  /** Loads a model folder (DiffusionPipeline.load with the bot's runtime settings). */
  load(entry: ModelEntry): Promise<DiffusionPipeline>;
  /** Frees a pipeline's memory; by default every onnxruntime session is released. */
  unload?(entry: ModelEntry, pipeline: DiffusionPipeline): Promise<void>;
  log?: (message: string, err?: unknown) => void;
}

interface Slot {
  entry: ModelEntry;
  pipeline?: DiffusionPipeline;
  loading?: Promise<DiffusionPipeline>;
  leases: number;
  lastUsed: number;
  info?: ModelInfo;
}

/** Releases every onnxruntime session of a pipeline: their native memory goes with them. */
export async function releaseSessions(pipeline: DiffusionPipeline): Promise<void> {
  for (const session of Object.values(pipeline.sessions)) await session?.release();
}

/** The models a process offers and how it runs them, as the configuration says (MODELS, ORT_*). */
export interface ConfiguredModels {
  models: { list: readonly ModelEntry[]; defaultName: string; maxLoaded: number };
  runtime: Pick<LoadOptions, 'provider' | 'deviceId' | 'threads' | 'maxBatch'>;
  log: (message: string, err?: unknown) => void;
  /** In place of loading a folder with `runtime` (a gateway, which loads nothing; tests). */
  load?: ModelRegistryOptions['load'];
  unload?: ModelRegistryOptions['unload'];
}

/** Loads a model folder with the configured runtime. */
export function folderLoader(runtime: ConfiguredModels['runtime'], log: ConfiguredModels['log']): ModelRegistryOptions['load'] {
  const { provider, deviceId, threads, maxBatch } = runtime;
  return (entry) => DiffusionPipeline.load(entry.dir, { provider, deviceId, threads, maxBatch, warn: (m) => log(m) });
}

/** The registry of the configured models, each loaded with the configured runtime on first use. */
export function configuredRegistry(c: ConfiguredModels): ModelRegistry {
  return new ModelRegistry({
    models: c.models.list,
    defaultName: c.models.defaultName,
    maxLoaded: c.models.maxLoaded,
    load: c.load ?? folderLoader(c.runtime, c.log),
    unload: c.unload,
    log: c.log,
  });
}

export class ModelRegistry {
  readonly #slots = new Map<string, Slot>();
  readonly #defaultName: string;
  readonly #maxLoaded: number;
  readonly #load: ModelRegistryOptions['load'];
  readonly #unload: NonNullable<ModelRegistryOptions['unload']>;
  readonly #log: NonNullable<ModelRegistryOptions['log']>;
  #tick = 0;
  /** Woken whenever a lease ends or a load settles: a waiting load looks for room again. */
  #waiters: Array<() => void> = [];

  constructor(options: ModelRegistryOptions) {
    if (options.models.length === 0) throw new Error('ModelRegistry needs at least one model');
    for (const entry of options.models) {
      if (this.#slots.has(entry.name)) throw new Error(`two models are named "${entry.name}"`);
      this.#slots.set(entry.name, { entry, leases: 0, lastUsed: 0 });
    }
    if (!this.#slots.has(options.defaultName)) throw new Error(`the default model "${options.defaultName}" is not one of ${this.names.join(', ')}`);
    const maxLoaded = options.maxLoaded ?? 1;
    if (!Number.isInteger(maxLoaded) || maxLoaded < 1) throw new Error(`maxLoaded must be a positive integer, got ${maxLoaded}`);
    this.#defaultName = options.defaultName;
    this.#maxLoaded = maxLoaded;
    this.#load = options.load;
    this.#unload = options.unload ?? ((_entry, pipeline) => releaseSessions(pipeline));
    this.#log = options.log ?? (() => undefined);
  }

  get names(): string[] {
    return [...this.#slots.keys()];
  }

  get defaultName(): string {
    return this.#defaultName;
  }

  has(name: string): boolean {
    return this.#slots.has(name);
  }

  /** Refuses a model this bot does not offer, naming it and the ones it does. */
  require(name: string): void {
    if (!this.#slots.has(name)) throw unknownModel(name, this.names);
  }

  /**
   * A model's sizes and defaults learnt without loading it (a gateway learns them from the workers
   * that serve it), so jobs can be planned here while the model runs elsewhere.
   */
  learn(name: string, info: ModelInfo): void {
    this.#slot(name).info = info;
  }

  /** Names of the models in memory now. */
  get loaded(): string[] {
    return [...this.#slots.values()].filter((s) => s.pipeline).map((s) => s.entry.name);
  }

  status(): ModelStatus[] {
    return [...this.#slots.values()].map((s) => ({ name: s.entry.name, dir: s.entry.dir, loaded: !!s.pipeline, info: s.info }));
  }

  /**
   * The planner of a model whose sizes and defaults are known (it is loaded, or was once), without
   * loading anything; undefined for a model never loaded.
   */
  plannerNow(name: string): ModelPlanner | undefined {
    const slot = this.#slot(name);
    if (slot.pipeline) return slot.pipeline;
    const info = slot.info;
    return info ? { info, resolve: (request) => resolveRequest(request, info) } : undefined;
  }

  /** The planner of a model, loading it once if it was never loaded. */
  async planner(name: string): Promise<ModelPlanner> {
    const known = this.plannerNow(name);
    if (known) return known;
    const lease = await this.acquire(name);
    lease.release();
    return this.plannerNow(name)!;
  }

  /**
   * Holds a model's pipeline for a job, loading it (and unloading the least recently used idle
   * model) when it is not in memory. Rejects when `signal` aborts while it waits.
   */
  async acquire(name: string, signal?: AbortSignal): Promise<ModelLease> {
    const slot = this.#slot(name);
    for (;;) {
      signal?.throwIfAborted();
      if (slot.pipeline) return this.#lease(slot, slot.pipeline);
      if (slot.loading) {
        // Whichever way it ends: loaded, it is leased above; failed, this caller tries (and reports) once more.
        await abortable(slot.loading.then(() => undefined, () => undefined), signal);
        continue;
      }
      if (!(await this.#makeRoom())) {
        await abortable(this.#changed(), signal);
        continue;
      }
      if (slot.pipeline || slot.loading) continue; // another caller got here while room was made
      slot.loading = this.#load(slot.entry);
      try {
        const pipeline = await slot.loading;
        slot.pipeline = pipeline;
        slot.info = pipeline.info;
        this.#log(`model ${name} loaded (${this.loaded.length} of at most ${this.#maxLoaded} in memory)`);
      } finally {
        slot.loading = undefined;
        this.#wake();
      }
    }
  }

  /** Unloads every model (shutdown). Leases still held keep their pipeline until released. */
  async close(): Promise<void> {
    for (const slot of this.#slots.values()) {
      if (slot.pipeline && slot.leases === 0) await this.#evict(slot);
    }
  }

  #slot(name: string): Slot {
    const slot = this.#slots.get(name);
    if (!slot) throw unknownModel(name, this.names);
    return slot;
  }

  #lease(slot: Slot, pipeline: DiffusionPipeline): ModelLease {
    slot.leases++;
    slot.lastUsed = ++this.#tick;
    let held = true;
    return {
      name: slot.entry.name,
      pipeline,
      release: () => {
        if (!held) return;
        held = false;
        slot.leases--;
        this.#wake();
      },
    };
  }

  /** Unloads idle models, least recently used first, until one more fits; false if every one is held. */
  async #makeRoom(): Promise<boolean> {
    for (;;) {
      const slots = [...this.#slots.values()];
      const inMemory = slots.filter((s) => s.pipeline || s.loading).length;
      if (inMemory < this.#maxLoaded) return true;
      const idle = slots.filter((s) => s.pipeline && s.leases === 0).sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (!idle) return false;
      await this.#evict(idle);
    }
  }

  async #evict(slot: Slot): Promise<void> {
    const pipeline = slot.pipeline!;
    // Gone from the registry before its memory is freed: no new lease can take it meanwhile.
    slot.pipeline = undefined;
    try {
      await this.#unload(slot.entry, pipeline);
      this.#log(`model ${slot.entry.name} unloaded to make room`);
    } catch (err) {
      this.#log(`model ${slot.entry.name}: unloading failed`, err);
    }
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

export function unknownModel(name: string, names: readonly string[]): UserError {
  return new UserError('model.unknown', `unknown model "${name}"; this bot offers ${names.map((n) => `"${n}"`).join(', ')}`);
}

function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
