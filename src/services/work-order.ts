/**
 * A job's engine part, complete in itself: the request, and the pictures it starts from as PNG
 * bytes, or, where a stored picture is gone, the recipe to make it again. Built from the database
 * and the image files by whoever holds them (the bot, or the gateway); run by whoever holds the
 * model (the bot's own slot, or a worker with nothing but the model and this order). Plain JSON,
 * so it can travel through a queue.
 */
import type { GenerateRequest } from '../diffusion/types.ts';
import type { CanvasOpName, ImageFiles, JobRecord, Store } from '../store/index.ts';
import { requestOf } from './job-requests.ts';

export const MAX_REGENERATION_DEPTH = 4;

/** What the engine makes: a job's images, the reverse process as a film, or the forward process of one picture. */
export type WorkOutput = 'images' | 'reverse-film' | 'forward-film';

/** One run of the pipeline, with the pictures it starts from. */
export interface Generation {
  /** Without `init` or `outpaint`: those are pictures, given below. */
  request: GenerateRequest;
  /** img2img (U, V, Vary): start from `source`, noised to `strength`. */
  init?: { source: Source; strength: number };
  /** Zoom Out and Pan: `source` placed on a `width` x `height` canvas as `op` says. */
  outpaint?: { op: CanvasOpName; source: Source; width: number; height: number };
}

/** A picture a job starts from: its PNG (base64), or how to make it again when the file is gone. */
export type Source = { png: string } | { regenerate: Generation; what: string };

export interface WorkOrder {
  jobId: number;
  /** The job's creation time (ms): with the id, names the job uniquely even across databases. */
  createdAt: number;
  model: string;
  output: WorkOutput;
  /** The run for 'images' and 'reverse-film'. */
  generation: Generation;
  /** 'forward-film': the picture to dissolve, and the seed of its noise. */
  forward?: { source: Source; seed: number };
}

export interface WorkOrderDeps {
  store: Store;
  files: ImageFiles;
  /**
   * A picture of the job's own that is not an earlier job's image (a member's upload), when there is one.
   * @default none
   */
  ownSource?: (job: JobRecord) => Promise<Buffer | undefined>;
}

/** Reads what the job starts from; throws when a picture is gone and cannot be made again. */
export async function workOrderOf(deps: WorkOrderDeps, job: JobRecord): Promise<WorkOrder> {
  const base = { jobId: job.id, createdAt: job.createdAt.getTime(), model: job.model };
  if (job.kind === 'diffuse') {
    const own = await deps.ownSource?.(job);
    const source = own ? { png: own.toString('base64') } : await sourceOf(deps, job.parentJobId!, job.parentImageIndex!, 0);
    return { ...base, output: 'forward-film', generation: { request: requestOf(job) }, forward: { source, seed: job.seed } };
  }
  if (job.kind === 'film') {
    // A film of an img2img job starts where that job did.
    const parent = await deps.store.jobs.get(job.parentJobId!);
    const generation: Generation = { request: requestOf(job) };
    if (parent && (parent.kind === 'upscale' || parent.kind === 'vary')) {
      generation.init = { source: await sourceOf(deps, parent.parentJobId!, parent.parentImageIndex!, 0), strength: job.strength ?? 0.5 };
    }
    return { ...base, output: 'reverse-film', generation };
  }
  return { ...base, output: 'images', generation: await generationOf(deps, job, requestOf(job), 0) };
}

async function generationOf(deps: WorkOrderDeps, job: JobRecord, request: GenerateRequest, depth: number): Promise<Generation> {
  const generation: Generation = { request };
  if (job.kind === 'upscale' || job.kind === 'vary') {
    generation.init = { source: await sourceOf(deps, job.parentJobId!, job.parentImageIndex!, depth), strength: job.strength ?? 0.5 };
  }
  if ((job.kind === 'zoom' || job.kind === 'pan') && job.canvas) {
    generation.outpaint = { op: job.canvas, source: await sourceOf(deps, job.parentJobId!, job.parentImageIndex!, depth), width: job.width, height: job.height };
  }
  return generation;
}

/**
 * Image `index` of job `jobId`: the stored file, or its job's recipe with that image's seed, going
 * at most MAX_REGENERATION_DEPTH parents up (an upscale of a variation of ...).
 */
async function sourceOf(deps: WorkOrderDeps, jobId: number, index: number, depth: number): Promise<Source> {
  const { store, files } = deps;
  const record = await store.images.get(jobId, index);
  const png = record ? await files.load(record.path) : undefined;
  if (png) return { png: png.toString('base64') };
  const parent = await store.jobs.get(jobId);
  if (!parent || depth >= MAX_REGENERATION_DEPTH) throw new Error(`image ${index + 1} of job ${jobId} is gone and cannot be regenerated`);
  const request = { ...requestOf(parent), seed: (parent.seed + index) >>> 0, n: 1 };
  return { regenerate: await generationOf(deps, parent, request, depth + 1), what: `image ${index + 1} of job ${jobId}` };
}
