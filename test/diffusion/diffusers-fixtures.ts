/**
 * The tiny diffusers fixture models in test/fixtures/models and their reference outputs
 * (reference.json + reference.bin, made by diffusers' own pipelines; see the README there).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturePath } from '../support/repo-paths.ts';

export const FIXTURE_MODELS = ['sd15-tiny', 'sd2-v-tiny', 'sdxl-tiny', 'sd15-tiny-fp16', 'sdxl-tiny-fp16'] as const;
export type FixtureName = (typeof FIXTURE_MODELS)[number];

export const fixtureDir = (name: string) => fixturePath('models', name);

interface ArrayRef {
  offset: number;
  shape: number[];
  /** 8-bit pictures and 0/1 masks are stored as bytes; everything else float32. */
  dtype?: 'uint8';
}

export interface ReferenceCase {
  id: string;
  sampler: 'euler' | 'ddim';
  steps: number;
  guidance: number;
  width: number;
  height: number;
  seed: number;
  prompt: string;
  negative_prompt: string | null;
  timesteps: number[];
  init_noise_sigma: number;
  time_ids?: number[];
  initial_noise: ArrayRef;
  step_latents: ArrayRef[];
  final_latents: ArrayRef;
  image: ArrayRef;
}

export interface Reference {
  pipeline: string;
  scheduler_config: Record<string, unknown>;
  prompts: Record<string, { input_ids: number[]; input_ids_2?: number[]; prompt_embeds: ArrayRef; pooled_prompt_embeds?: ArrayRef }>;
  cases: ReferenceCase[];
  /** Reads one array of reference.bin. */
  array(ref: ArrayRef): Float32Array;
}

/** One case of the inpainting fixture's reference (diffusers' StableDiffusionInpaintPipeline). */
export interface InpaintReferenceCase {
  id: string;
  sampler: 'euler' | 'ddim';
  steps: number;
  guidance: number;
  width: number;
  height: number;
  seed: number;
  n: number;
  strength: number;
  /** The rectangle kept from the original; null: painted everywhere (text-to-image, img2img). */
  keep: { x: number; y: number; width: number; height: number } | null;
  prompt: string;
  negative_prompt: string;
  timesteps: number[];
  unet_timesteps: number[];
  /** [H, W, 3] 8-bit: the outpaint canvas, the img2img input, or zeros. */
  canvas: ArrayRef;
  /** [H, W], 1 kept, 0 painted (the engine's outpaint mask). */
  known_mask: ArrayRef;
  /** What the UNet received in channel 4 ([h, w]) and channels 5..8 ([4, h, w]). */
  unet_mask: ArrayRef;
  masked_image_latents: ArrayRef;
  initial_noise: ArrayRef;
  final_latents: ArrayRef;
  /** [n, H, W, 3] in 0..1. */
  images: ArrayRef;
}

export interface InpaintReference {
  pipeline: string;
  cases: InpaintReferenceCase[];
  array(ref: ArrayRef): Float32Array;
}

function readDoc(name: string): { doc: unknown; array: (ref: ArrayRef) => Float32Array } {
  const dir = fixtureDir(name);
  const doc = JSON.parse(readFileSync(path.join(dir, 'reference.json'), 'utf8')) as unknown;
  const bin = readFileSync(path.join(dir, 'reference.bin'));
  const array = (ref: ArrayRef) => {
    const n = ref.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = ref.dtype === 'uint8' ? bin[ref.offset + i] : bin.readFloatLE(ref.offset + 4 * i);
    return out;
  };
  return { doc, array };
}

/** The reference of a fixture: fp16 variants are checked against their fp32 original's diffusers run. */
export function loadReference(name: string): Reference {
  const { doc, array } = readDoc(name.replace(/-fp16$/, ''));
  return { ...(doc as Omit<Reference, 'array'>), array };
}

export function loadInpaintReference(name: string): InpaintReference {
  const { doc, array } = readDoc(name);
  return { ...(doc as Omit<InpaintReference, 'array'>), array };
}

export const hasFixture = (name: string) => existsSync(path.join(fixtureDir(name), 'model_index.json'));

/** max |a - b| over all elements. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The engine's decoded image ([3, H, W] in -1..1) as diffusers' output_type "np": [H, W, 3], (x / 2 + 0.5) clamped to 0..1. */
export function toDiffusersNp(chw: Float32Array, height: number, width: number): Float32Array {
  const plane = height * width;
  const out = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.min(1, Math.max(0, chw[c * plane + p] / 2 + 0.5));
  }
  return out;
}
