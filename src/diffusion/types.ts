/** The engine's public types: what a caller asks for, and what it gets back. */

export type SamplerName = 'euler' | 'euler-a' | 'ddim' | 'dpmpp-2m' | 'dpmpp-2m-karras' | 'lcm';

/** An 8-bit RGB image, pixels interleaved row by row (width * height * 3 bytes). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface GenerateRequest {
  prompt: string;
  negativePrompt?: string;
  /** Sampling steps (model default, e.g. 20). */
  steps?: number;
  /** Classifier-free guidance scale; <= 1 skips the unconditional pass (turbo / LCM models). */
  guidance?: number;
  sampler?: SamplerName;
  width?: number;
  height?: number;
  /** Number of images; image k gets seed + k. Default 4. */
  n?: number;
  /** Seed of the first image; random when absent. */
  seed?: number;
  /**
   * How different the images of one request are from each other, 0..100. Absent: each image
   * starts from its own seed's noise, exactly as before chaos existed (the same as 100).
   */
  chaos?: number;
  /** img2img: start from this image, noised to `strength` (0..1] of the schedule. */
  init?: { image: RgbImage; strength: number };
  /**
   * Outpainting (Zoom Out, Pan) with any text-to-image model: `image` is the canvas at the
   * request's size, `mask` (width * height, 1 known, 0 to paint) where the original is. The
   * painted area starts from pure noise; the known area follows the original (RePaint).
   */
  outpaint?: OutpaintCanvas;
}

export interface OutpaintCanvas {
  image: RgbImage;
  mask: Float32Array;
}

/** A request with every default filled in: what was actually run, and what a PNG records. */
export interface ResolvedRequest {
  prompt: string;
  negativePrompt: string;
  steps: number;
  guidance: number;
  sampler: SamplerName;
  width: number;
  height: number;
  n: number;
  seed: number;
  strength?: number;
  /** Only when asked for: a request without it runs (and records) as before. */
  chaos?: number;
  model: string;
}

export interface GeneratedImage extends RgbImage {
  seed: number;
}

export interface StepProgress {
  /** 1-based step just finished. */
  step: number;
  total: number;
  /** Cheap preview of the current denoised estimate (latent resolution, linear latent->RGB), one per image. */
  previews: RgbImage[];
  /** Full VAE decode of the estimate, only every `decodeEvery` steps when asked for. */
  decoded?: RgbImage[];
}

export interface GenerateOptions {
  onStep?: (progress: StepProgress) => void | Promise<void>;
  /** Aborting cancels the job between steps; generate() then rejects with an AbortError. */
  signal?: AbortSignal;
  /** Also decode the estimate with the full VAE every N steps (0 = never). */
  decodeEvery?: number;
  /**
   * Start from these latents (n x c x h x w, unit variance, before the sampler's init_noise_sigma)
   * instead of the seeded noise: how a run is compared with a reference made from fixed latents.
   */
  initialLatents?: Float32Array;
  /** The noise stochastic samplers draw each step, instead of the seeded source (for reference comparisons). */
  stepNoise?: (length: number) => Float32Array | Float64Array;
  /** Also return the VAE's float output and the final latents (result.pixels, result.latents). */
  keepFloat?: boolean;
}

export interface GenerateResult {
  images: GeneratedImage[];
  request: ResolvedRequest;
  /** Things the caller should tell the user, e.g. that the prompt was truncated to 77 tokens. */
  warnings: string[];
  timings: { totalMs: number; stepMs: number[] };
  /** With keepFloat: each image as the VAE decoded it, [3, height, width] in -1..1, before 8-bit rounding. */
  pixels?: Float32Array[];
  /** With keepFloat: the final latents [n, c, h, w] in the UNet's space. */
  latents?: Float32Array;
}
