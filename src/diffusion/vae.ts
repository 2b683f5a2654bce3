/**
 * The autoencoder: latents (in the UNet's scaled space) <-> RGB images. Applies the VAE config's
 * `scaling_factor` and `shift_factor` both ways, as diffusers does: unet = (raw - shift) * scale.
 */
import type * as ortTypes from 'onnxruntime-node';
import { floatTensor, inputInfo, toFloat32 } from './onnx-runtime.ts';
import { toByte } from './latent-preview.ts';
import type { RgbImage } from './types.ts';

/** Latent pixels above which images are decoded one at a time (SD's VAE at 64x64 latents needs GBs per image). */
const BATCH_DECODE_MAX_PLANE = 32 * 32;

export class Vae {
  readonly #decType: string;
  readonly #encType?: string;

  constructor(
    readonly decoder: ortTypes.InferenceSession,
    readonly encoder: ortTypes.InferenceSession | undefined,
    readonly scalingFactor: number,
    readonly shiftFactor: number,
    readonly latentChannels: number,
  ) {
    this.#decType = inputInfo(decoder, 'latent_sample').type;
    this.#encType = encoder ? inputInfo(encoder, 'sample').type : undefined;
  }

  /** Pixels per latent pixel, measured by decoding a tiny latent (exports rarely say). */
  async measureFactor(): Promise<number> {
    const c = this.latentChannels;
    const out = await this.decoder.run({ latent_sample: floatTensor(this.#decType, new Float32Array(c * 64), [1, c, 8, 8]) });
    const dims = out[this.decoder.outputNames[0]].dims as number[];
    return dims[3] / 8;
  }

  /** Decode `n` latents [n, c, h, w] (UNet space) to images. */
  async decode(latents: Float32Array, n: number, h: number, w: number): Promise<RgbImage[]> {
    const { pixels, height, width } = await this.decodeFloat(latents, n, h, w);
    return pixels.flatMap((p) => chwToImages(p, 1, height, width));
  }

  /** Decode to the VAE's own float output, one [3, H, W] array per image in -1..1 (before 8-bit rounding). */
  async decodeFloat(latents: Float32Array, n: number, h: number, w: number): Promise<{ pixels: Float32Array[]; height: number; width: number }> {
    const c = this.latentChannels;
    const per = c * h * w;
    const raw = new Float32Array(latents.length);
    for (let i = 0; i < raw.length; i++) raw[i] = latents[i] / this.scalingFactor + this.shiftFactor;
    const chunk = h * w > BATCH_DECODE_MAX_PLANE ? 1 : n;
    const pixels: Float32Array[] = [];
    let height = 0;
    let width = 0;
    for (let start = 0; start < n; start += chunk) {
      const b = Math.min(chunk, n - start);
      const out = await this.decoder.run({
        latent_sample: floatTensor(this.#decType, raw.slice(start * per, (start + b) * per), [b, c, h, w]),
      });
      const t = out[this.decoder.outputNames[0]];
      [, , height, width] = t.dims as number[];
      const data = toFloat32(t);
      const plane = 3 * height * width;
      for (let k = 0; k < b; k++) pixels.push(Float32Array.from(data.subarray(k * plane, (k + 1) * plane)));
    }
    return { pixels, height, width };
  }

  /** Encode images (all the same size) to latents in UNet space, [n, c, h, w]. */
  encode(images: RgbImage[]): Promise<{ latents: Float32Array; h: number; w: number }> {
    const { width, height } = images[0];
    return this.encodeChw(imagesToChw(images), images.length, height, width);
  }

  /** Encode pixels already in -1..1, [n, 3, height, width] (an inpainting model's masked image is not 8-bit). */
  async encodeChw(input: Float32Array, count: number, height: number, width: number): Promise<{ latents: Float32Array; h: number; w: number }> {
    if (!this.encoder || !this.#encType) {
      throw new Error('this model has no vae_encoder/model.onnx, so it cannot vary or upscale images (img2img)');
    }
    const out = await this.encoder.run({ sample: floatTensor(this.#encType, input, [count, 3, height, width]) });
    const t = out[this.encoder.outputNames[0]];
    const [n, ch, h, w] = t.dims as number[];
    const data = toFloat32(t);
    const c = this.latentChannels;
    // optimum names the output latent_parameters (the distribution's mean and log-variance, 2c channels)
    // or latent_sample (c channels): either way the first c channels are the latent; the mean keeps img2img deterministic.
    const latents = new Float32Array(n * c * h * w);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < c * h * w; i++) {
        latents[k * c * h * w + i] = (data[k * ch * h * w + i] - this.shiftFactor) * this.scalingFactor;
      }
    }
    return { latents, h, w };
  }
}

/** NCHW floats in -1..1 -> RGB images. */
export function chwToImages(data: Float32Array, n: number, h: number, w: number): RgbImage[] {
  const plane = h * w;
  const out: RgbImage[] = [];
  for (let k = 0; k < n; k++) {
    const rgb = new Uint8Array(plane * 3);
    const base = k * 3 * plane;
    for (let p = 0; p < plane; p++) {
      rgb[p * 3] = toByte(data[base + p]);
      rgb[p * 3 + 1] = toByte(data[base + plane + p]);
      rgb[p * 3 + 2] = toByte(data[base + 2 * plane + p]);
    }
    out.push({ width: w, height: h, data: rgb });
  }
  return out;
}

/** RGB images -> NCHW floats in -1..1. */
export function imagesToChw(images: RgbImage[]): Float32Array {
  const { width, height } = images[0];
  const plane = width * height;
  const out = new Float32Array(images.length * 3 * plane);
  images.forEach((img, k) => {
    if (img.width !== width || img.height !== height) throw new Error('images to encode must share one size');
    const base = k * 3 * plane;
    for (let p = 0; p < plane; p++) {
      out[base + p] = img.data[p * 3] / 127.5 - 1;
      out[base + plane + p] = img.data[p * 3 + 1] / 127.5 - 1;
      out[base + 2 * plane + p] = img.data[p * 3 + 2] / 127.5 - 1;
    }
  });
  return out;
}
