/**
 * The image a U/V/zoom/pan job starts from: the stored file, or, when the file is gone (disk cleaned,
 * IMAGE_RETENTION_DAYS), the same image made again from its job's stored seed. Regeneration runs
 * inside the asking job's inference slot, stops when that job is cancelled (its AbortSignal), and
 * goes at most MAX_REGENERATION_DEPTH parents up (an upscale of a variation of ...).
 */
import type { DiffusionPipeline } from '../diffusion/pipeline.ts';
import { decodeImage } from '../diffusion/png.ts';
import type { RgbImage } from '../diffusion/types.ts';
import type { ImageFiles, Store } from '../store/index.ts';
import { canvasFor } from './canvas-ops.ts';
import { requestOf } from './job-requests.ts';

export const MAX_REGENERATION_DEPTH = 4;

export interface SourceImageDeps {
  store: Store;
  files: ImageFiles;
  pipeline: DiffusionPipeline;
  log: (message: string, err?: unknown) => void;
}

export interface SourceImageOptions {
  signal?: AbortSignal;
  /** Called once before the first regeneration, so the queue can show what the slot is doing. */
  onRegenerate?: () => void;
}

export async function sourceImage(deps: SourceImageDeps, jobId: number, index: number, options: SourceImageOptions = {}): Promise<RgbImage> {
  let told = false;
  const regenerating = () => {
    if (!told) options.onRegenerate?.();
    told = true;
  };
  return find(deps, jobId, index, 0, options.signal, regenerating);
}

async function find(deps: SourceImageDeps, jobId: number, index: number, depth: number, signal: AbortSignal | undefined, regenerating: () => void): Promise<RgbImage> {
  const { store, files, pipeline } = deps;
  signal?.throwIfAborted();
  const record = await store.images.get(jobId, index);
  const png = record ? await files.load(record.path) : undefined;
  if (png) return decodeImage(png);
  const parent = await store.jobs.get(jobId);
  if (!parent || depth >= MAX_REGENERATION_DEPTH) throw new Error(`image ${index + 1} of job ${jobId} is gone and cannot be regenerated`);
  const request = { ...requestOf(parent), seed: (parent.seed + index) >>> 0, n: 1 };
  if (parent.kind === 'upscale' || parent.kind === 'vary') {
    request.init = { image: await find(deps, parent.parentJobId!, parent.parentImageIndex!, depth + 1, signal, regenerating), strength: parent.strength ?? 0.5 };
  }
  if ((parent.kind === 'zoom' || parent.kind === 'pan') && parent.canvas) {
    const original = await find(deps, parent.parentJobId!, parent.parentImageIndex!, depth + 1, signal, regenerating);
    request.outpaint = await canvasFor(parent.canvas, original, parent.width, parent.height);
  }
  regenerating();
  deps.log(`image ${index + 1} of job ${jobId} missing from the image store; regenerating it from seed ${request.seed}`);
  return (await pipeline.generate(request, { signal })).images[0];
}
