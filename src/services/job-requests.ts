/**
 * Turns what a member asked for (an /imagine, or a button on an earlier result) into a validated
 * engine request and the job row that records it. Pure apart from reading the parent job, so every
 * refusal happens before anything is queued or charged.
 */
import { sizeForAspect, upscaleSize } from '../diffusion/image-sizes.ts';
import { UPSCALE_STRENGTH } from '../diffusion/pipeline.ts';
import { RequestError } from '../diffusion/request-error.ts';
import type { GenerateRequest, ResolvedRequest, SamplerName } from '../diffusion/types.ts';
import type { JobRecord } from '../store/index.ts';
import { checkImagineOptions, type ImagineOptions } from './imagine-options.ts';
import type { ModelPlanner } from './model-registry.ts';
import type { CanvasOpName, JobKind } from '../store/index.ts';
import { canvasSize } from './canvas-ops.ts';
import { UserError } from './user-error.ts';
import type { UploadedPicture } from './upload-source.ts';

/** img2img strength of a variation: same composition, new details. */
export const VARY_STRENGTH = 0.6;

/** Vary (Strong) and Vary (Subtle) on a single image: the same img2img, further or nearer the original. */
export type VaryMode = 'strong' | 'subtle';
export type VaryStrengths = Readonly<Record<VaryMode, number>>;
export const DEFAULT_VARY_STRENGTHS: VaryStrengths = { strong: 0.75, subtle: 0.35 };
export const DEFAULT_COUNT = 4;

export type JobAsk =
  | { kind: 'imagine'; options: ImagineOptions }
  | { kind: 'reroll'; parent: JobRecord }
  /** The reverse process of the parent job, made again from its seed and parameters. */
  | { kind: 'film'; parent: JobRecord }
  /** The forward process of image `index` of the parent job. */
  | { kind: 'diffuse'; parent: JobRecord; index: number }
  /** The forward process of a picture the member uploaded, stored already (src/services/upload-source.ts). */
  | { kind: 'diffuse'; upload: UploadedPicture }
  /** `mode` is for a variation only; without one, a grid's V button at VARY_STRENGTH. */
  | { kind: 'upscale'; parent: JobRecord; index: number }
  /** `prompt`: what a member wrote in the remix modal, in place of the parent's. */
  | { kind: 'vary'; parent: JobRecord; index: number; mode?: VaryMode; prompt?: string }
  /** Zoom Out / Pan of one image: `op` says which (src/services/canvas-ops.ts); `prompt` as for a variation. */
  | { kind: 'zoom' | 'pan'; parent: JobRecord; index: number; op: CanvasOpName; prompt?: string };

export interface PlannedJob {
  kind: JobKind;
  /** `model` is the configured name the job runs on (and its PNGs and messages name). */
  resolved: ResolvedRequest;
  parentJobId?: number;
  parentImageIndex?: number;
  canvas?: CanvasOpName;
  /** An uploaded picture the job starts from (its stored path). */
  inputPath?: string;
}

const PLACEHOLDER = { width: 1, height: 1, data: new Uint8Array(3) };

/** RequestError (engine words) -> UserError (what the member reads). */
function resolveOrRefuse(model: ModelPlanner, request: GenerateRequest, name: string): ResolvedRequest {
  try {
    return { ...model.resolve(request), model: name };
  } catch (err) {
    if (err instanceof RequestError) throw new UserError(`option.${err.field}`, err.message);
    throw err;
  }
}

/**
 * Validates a job against the model it will run on, which this bot calls `name` (a button's job
 * runs on its parent's model).
 */
export function planJob(pipeline: ModelPlanner, ask: JobAsk, name = pipeline.info.name, varyStrengths: VaryStrengths = DEFAULT_VARY_STRENGTHS): PlannedJob {
  if (ask.kind === 'imagine') {
    const o = ask.options;
    checkImagineOptions(o); // in the member's words, before the engine's own (n, guidance) can refuse
    const size = o.aspect ? sizeForAspect(pipeline.info.sizes, o.aspect[0], o.aspect[1]) : {};
    const resolved = resolveOrRefuse(pipeline, {
      prompt: o.prompt,
      negativePrompt: o.negative,
      seed: o.seed,
      steps: o.steps,
      guidance: o.guidance,
      sampler: o.sampler,
      n: o.count ?? DEFAULT_COUNT,
      chaos: o.chaos,
      ...size,
    }, name);
    return { kind: 'imagine', resolved };
  }
  if ('upload' in ask) {
    // The size this model makes nearest the picture's shape; the picture is fitted to it when the job runs.
    const u = ask.upload;
    const size = sizeForAspect(pipeline.info.sizes, u.width, u.height);
    const resolved = resolveOrRefuse(pipeline, { prompt: uploadPrompt(u.name), n: 1, ...size }, name);
    return { kind: 'diffuse', resolved, inputPath: u.path };
  }
  const p = ask.parent;
  if (p.status !== 'done') {
    throw new UserError('job.not-done', `job ${p.id} is ${p.status}; buttons work on finished jobs only`);
  }
  const base = {
    prompt: p.prompt,
    negativePrompt: p.negativePrompt ?? undefined,
    steps: p.steps,
    guidance: p.guidance,
    sampler: p.sampler as SamplerName,
  };
  if (p.kind === 'film' || (p.kind === 'diffuse' && p.parentJobId !== null)) {
    throw new UserError('job.film', `job ${p.id} is a film of job ${p.parentJobId}; buttons and reactions work on job ${p.parentJobId}'s picture`);
  }
  if (p.kind === 'diffuse') throw new UserError('job.film', `job ${p.id} is a film of an uploaded picture; it has no picture of its own to start from`);
  if (ask.kind === 'film') {
    // The parent exactly (seed, chaos, size; an img2img parent's strength), so the film ends in the picture it shows.
    const resolved = resolveOrRefuse(pipeline, {
      ...base,
      seed: p.seed,
      n: p.count,
      width: p.width,
      height: p.height,
      chaos: p.chaos ?? undefined,
      ...(p.strength != null ? { init: { image: PLACEHOLDER, strength: p.strength } } : {}),
    }, name);
    return { kind: 'film', resolved, parentJobId: p.id };
  }
  if (ask.kind === 'reroll') {
    // Same prompt and settings (chaos too), new seeds (a reroll of an upscale re-runs its picture at that size).
    const resolved = resolveOrRefuse(pipeline, { ...base, n: p.count, width: p.width, height: p.height, chaos: p.chaos ?? undefined }, name);
    return { kind: 'reroll', resolved, parentJobId: p.id };
  }
  if (!Number.isInteger(ask.index) || ask.index < 0 || ask.index >= p.count) {
    throw new UserError('job.image', `job ${p.id} has ${p.count} image${p.count === 1 ? '' : 's'}; there is no image ${ask.index + 1}`);
  }
  // Remix: what the member wrote in the modal replaces the parent's prompt.
  const asked = ask.kind === 'vary' || ask.kind === 'zoom' || ask.kind === 'pan' ? ask.prompt : undefined;
  const remixed = asked?.trim();
  if (asked !== undefined && !remixed) throw new UserError('option.prompt', 'the remixed prompt is empty; write what to draw');
  if (remixed) base.prompt = remixed;
  if (ask.kind === 'diffuse') {
    // The image's own size and seed (the seed picks the noise ε); steps do not matter to the forward process.
    const resolved = resolveOrRefuse(pipeline, { ...base, seed: (p.seed + ask.index) >>> 0, n: 1, width: p.width, height: p.height }, name);
    return { kind: 'diffuse', resolved, parentJobId: p.id, parentImageIndex: ask.index };
  }
  if (ask.kind === 'upscale') {
    const size = upscaleSize(pipeline.info.sizes, p.width, p.height);
    if (!size) {
      throw new UserError(
        'job.upscale-size',
        `image ${ask.index + 1} of job ${p.id} is already ${p.width}x${p.height}, the largest ${name} makes at this shape; a variation (V${ask.index + 1}) works`,
      );
    }
    const resolved = resolveOrRefuse(pipeline, {
      ...base,
      seed: (p.seed + ask.index) >>> 0,
      n: 1,
      ...size,
      init: { image: PLACEHOLDER, strength: UPSCALE_STRENGTH },
    }, name);
    return { kind: 'upscale', resolved, parentJobId: p.id, parentImageIndex: ask.index };
  }
  if (ask.kind === 'zoom' || ask.kind === 'pan') {
    if (!pipeline.info.canImg2Img) {
      throw new UserError('job.no-vae-encoder', `${name} has no VAE encoder, so it cannot zoom out or pan an image. Nothing was queued or charged.`);
    }
    const size = canvasSize(ask.op, p.width, p.height, pipeline.info.sizes, p.id, name);
    const canvas = { image: { ...size, data: new Uint8Array(size.width * size.height * 3) }, mask: new Float32Array(size.width * size.height) };
    const resolved = resolveOrRefuse(pipeline, { ...base, seed: (p.seed + ask.index) >>> 0, n: 1, ...size, outpaint: canvas }, name);
    return { kind: ask.kind, resolved, parentJobId: p.id, parentImageIndex: ask.index, canvas: ask.op };
  }
  const resolved = resolveOrRefuse(pipeline, {
    ...base,
    n: 1,
    width: p.width,
    height: p.height,
    init: { image: PLACEHOLDER, strength: 'mode' in ask && ask.mode ? varyStrengths[ask.mode] : VARY_STRENGTH },
  }, name);
  return { kind: 'vary', resolved, parentJobId: p.id, parentImageIndex: ask.index };
}

/** What a job of an uploaded picture records as its prompt (a forward film draws nothing from it): where its picture came from. */
export function uploadPrompt(name: string): string {
  return `the uploaded picture ${name}`;
}

/** The engine request that re-runs a stored job (after a restart too). */
export function requestOf(job: JobRecord): GenerateRequest {
  return {
    prompt: job.prompt,
    negativePrompt: job.negativePrompt ?? undefined,
    steps: job.steps,
    guidance: job.guidance,
    sampler: job.sampler as SamplerName,
    width: job.width,
    height: job.height,
    n: job.count,
    seed: job.seed,
    chaos: job.chaos ?? undefined,
  };
}
