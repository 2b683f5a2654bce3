/**
 * Request validation and defaults, as a pure function: every bad value is refused with a message
 * naming the field, the value and what is allowed, before anything runs.
 */
import { checkSize, type SizeRule } from './image-sizes.ts';
import { MAX_SEED, randomSeed } from './random.ts';
import { RequestError } from './request-error.ts';
import { SAMPLER_NAMES } from './schedulers/index.ts';
import type { GenerateRequest, ResolvedRequest, SamplerName } from './types.ts';

export const LIMITS = {
  promptChars: 1000,
  steps: { min: 1, max: 150 },
  guidance: { min: 0, max: 30 },
  n: { min: 1, max: 8 },
  chaos: { min: 0, max: 100 },
} as const;

interface ModelView {
  name: string;
  sizes: SizeRule;
  defaults: { steps: number; guidance: number; sampler: SamplerName; width?: number; height?: number };
  canImg2Img: boolean;
}

function integerIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RequestError(field, `${field} must be a whole number from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

function numberIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RequestError(field, `${field} must be a number from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

function text(field: string, value: unknown, required: boolean): string {
  if (value === undefined && !required) return '';
  if (typeof value !== 'string') throw new RequestError(field, `${field} must be text, got ${show(value)}`);
  const t = value.trim();
  if (required && t.length === 0) throw new RequestError(field, `${field} must not be empty`);
  if (t.length > LIMITS.promptChars) {
    throw new RequestError(field, `${field} is ${t.length} characters long; at most ${LIMITS.promptChars} are allowed`);
  }
  return t;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v) : String(v);
}

export function resolveRequest(r: GenerateRequest, model: ModelView): ResolvedRequest {
  const prompt = text('prompt', r.prompt, true);
  const negativePrompt = text('negative prompt', r.negativePrompt, false);
  const steps = integerIn('steps', r.steps ?? model.defaults.steps, LIMITS.steps.min, LIMITS.steps.max);
  const guidance = numberIn('guidance', r.guidance ?? model.defaults.guidance, LIMITS.guidance.min, LIMITS.guidance.max);
  const sampler = r.sampler ?? model.defaults.sampler;
  if (!SAMPLER_NAMES.includes(sampler)) {
    throw new RequestError('sampler', `sampler must be one of ${SAMPLER_NAMES.join(', ')}, got ${show(sampler)}`);
  }
  const n = integerIn('n', r.n ?? 4, LIMITS.n.min, LIMITS.n.max);
  const seed = integerIn('seed', r.seed ?? randomSeed(), 0, MAX_SEED);
  const width = r.width ?? model.sizes.nativeWidth;
  const height = r.height ?? model.sizes.nativeHeight;
  const sizeProblem = checkSize(model.sizes, width, height);
  if (sizeProblem) throw new RequestError('size', sizeProblem);
  let strength: number | undefined;
  if (r.init) {
    if (!model.canImg2Img) throw new RequestError('init', `model ${model.name} has no VAE encoder, so it cannot start from an image`);
    strength = r.init.strength;
    if (typeof strength !== 'number' || !(strength > 0 && strength <= 1)) {
      throw new RequestError('strength', `strength must be a number above 0 and at most 1, got ${show(strength)}`);
    }
    if (Math.floor(steps * strength) < 1) {
      // diffusers' get_timesteps would run no step at all: say so instead of returning the input.
      throw new RequestError('strength', `strength ${strength} with ${steps} steps runs no step; use at least ${(1 / steps).toFixed(3)} or more steps`);
    }
  }
  if (r.outpaint) {
    if (!model.canImg2Img) throw new RequestError('outpaint', `model ${model.name} has no VAE encoder, so it cannot zoom out or pan an image`);
    if (r.init) throw new RequestError('outpaint', 'outpaint and init cannot be combined: the painted area starts from pure noise');
    const { image, mask } = r.outpaint;
    if (image.width !== width || image.height !== height || mask.length !== width * height) {
      throw new RequestError('outpaint', `the outpaint canvas must be ${width}x${height} with a mask of ${width * height} values, got ${image.width}x${image.height} and ${mask.length}`);
    }
  }
  const chaos = r.chaos === undefined ? undefined : integerIn('chaos', r.chaos, LIMITS.chaos.min, LIMITS.chaos.max);
  return { prompt, negativePrompt, steps, guidance, sampler, width, height, n, seed, strength, ...(chaos === undefined ? {} : { chaos }), model: model.name };
}
