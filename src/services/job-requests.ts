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
import type { JobKind } from '../store/index.ts';
import { UserError } from './user-error.ts';

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
  /** `mode` is for a variation only; without one, a grid's V button at VARY_STRENGTH. */
  | { kind: 'upscale'; parent: JobRecord; index: number }
  /** `prompt`: what a member wrote in the remix modal, in place of the parent's. */
  | { kind: 'vary'; parent: JobRecord; index: number; mode?: VaryMode; prompt?: string };

export interface PlannedJob {
  kind: JobKind;
  /** `model` is the configured name the job runs on (and its PNGs and messages name). */
  resolved: ResolvedRequest;
  parentJobId?: number;
  parentImageIndex?: number;
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
  if (ask.kind === 'reroll') {
    // Same prompt and settings (chaos too), new seeds (a reroll of an upscale re-runs its picture at that size).
    const resolved = resolveOrRefuse(pipeline, { ...base, n: p.count, width: p.width, height: p.height, chaos: p.chaos ?? undefined }, name);
    return { kind: 'reroll', resolved, parentJobId: p.id };
  }
  if (!Number.isInteger(ask.index) || ask.index < 0 || ask.index >= p.count) {
    throw new UserError('job.image', `job ${p.id} has ${p.count} image${p.count === 1 ? '' : 's'}; there is no image ${ask.index + 1}`);
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
  const remixed = ask.prompt?.trim();
  if (ask.prompt !== undefined && !remixed) throw new UserError('option.prompt', 'the remixed prompt is empty; write what to draw');
  const resolved = resolveOrRefuse(pipeline, {
    ...base,
    ...(remixed ? { prompt: remixed } : {}),
    n: 1,
    width: p.width,
    height: p.height,
    init: { image: PLACEHOLDER, strength: ask.mode ? varyStrengths[ask.mode] : VARY_STRENGTH },
  }, name);
  return { kind: 'vary', resolved, parentJobId: p.id, parentImageIndex: ask.index };
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
