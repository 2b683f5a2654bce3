/**
 * The engine's part of a job and nothing else: run the pipeline, encode every image as a PNG with
 * its parameters, compose the grid, build previews. No database, Discord or queue here: the
 * in-process inference slot calls it, and a worker process of a gateway/worker split could call it
 * as is and send the PNGs back.
 */
import sharp from 'sharp';
import { encodeFilm, reverseFilmFrames } from '../diffusion/film.ts';
import { composeGrid } from '../diffusion/grid.ts';
import type { DiffusionPipeline } from '../diffusion/pipeline.ts';
import { encodePng, formatParameters } from '../diffusion/png.ts';
import type { GenerateRequest, GenerateOptions, RgbImage } from '../diffusion/types.ts';

export interface RenderedImage {
  png: Buffer;
  seed: number;
  width: number;
  height: number;
}

/** A job's pictures, encoded and ready to save and post. */
export interface RenderedJob {
  images: RenderedImage[];
  /** All images in one grid PNG; undefined for a single image (the image is the picture). */
  grid?: Buffer;
  warnings: string[];
  totalMs: number;
}

/** The picture a result shows: the grid, or the single image. */
export function pictureOf(rendered: RenderedJob): Buffer {
  return rendered.grid ?? rendered.images[0].png;
}

/** `model`: the name the PNGs' parameters give the model (the bot's name for it; the folder's by default). */
export async function renderJob(pipeline: DiffusionPipeline, request: GenerateRequest, options: GenerateOptions = {}, model?: string): Promise<RenderedJob> {
  const result = await pipeline.generate(request, options);
  const made = model === undefined ? result.request : { ...result.request, model };
  const images: RenderedImage[] = [];
  for (const img of result.images) {
    const png = await encodePng(img, { parameters: formatParameters(made, img.seed, img.width, img.height) });
    images.push({ png, seed: img.seed, width: img.width, height: img.height });
  }
  const grid = images.length === 1 ? undefined : await encodePng(composeGrid(result.images), { parameters: formatParameters(made, made.seed) });
  return { images, grid, warnings: result.warnings, totalMs: result.timings.totalMs };
}

/**
 * A film job: the same generation, recording every step's previews (all the job's images as one
 * grid per step), encoded as an animated WebP that ends on the finished picture.
 */
export async function renderFilm(pipeline: DiffusionPipeline, request: GenerateRequest, options: GenerateOptions = {}): Promise<RenderedFilm> {
  const steps: RgbImage[] = [];
  const result = await pipeline.generate(request, {
    ...options,
    onStep: async (p) => {
      steps.push(composeGrid(p.previews));
      await options.onStep?.(p);
    },
  });
  const webp = await encodeFilm(reverseFilmFrames(steps, composeGrid(result.images)));
  return { webp, seeds: result.images.map((i) => i.seed), warnings: result.warnings, totalMs: result.timings.totalMs };
}

/** A diffuse job: `image` noised at the model's own schedule over 20 frames (src/diffusion/film.ts), ε drawn from `seed`. */
export async function renderForwardFilm(pipeline: DiffusionPipeline, image: RgbImage, seed: number): Promise<RenderedFilm> {
  const t0 = performance.now();
  const { frames } = await pipeline.forwardProcess(image, { seed });
  const webp = await encodeFilm(frames);
  return { webp, seeds: [seed], warnings: [], totalMs: performance.now() - t0 };
}

export interface RenderedFilm {
  webp: Buffer;
  seeds: number[];
  warnings: string[];
  totalMs: number;
}

/** Latent previews as one PNG, enlarged with nearest-neighbour so Discord shows them at a useful size. */
export async function previewPng(previews: RgbImage[]): Promise<Buffer> {
  const grid = composeGrid(previews);
  const scale = Math.max(1, Math.round(256 / Math.max(grid.width, grid.height)));
  return sharp(Buffer.from(grid.data.buffer, grid.data.byteOffset, grid.data.byteLength), {
    raw: { width: grid.width, height: grid.height, channels: 3 },
  })
    .resize(grid.width * scale, grid.height * scale, { kernel: 'nearest' })
    .png()
    .toBuffer();
}
