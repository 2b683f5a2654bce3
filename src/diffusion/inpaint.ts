/**
 * The extra inputs of a 9-channel inpainting UNet (SD 1.x / 2.x inpainting checkpoints), made as
 * diffusers' StableDiffusionInpaintPipeline makes them: the UNet sees, at every step, the noisy
 * latents, the mask at latent resolution (1 where to paint) and the latents of the masked image
 * (the image in -1..1 with the area to paint set to 0), concatenated on the channel axis.
 */
import type { Vec } from './schedulers/types.ts';
import type { RgbImage } from './types.ts';

export interface InpaintConditioning {
  /** Latent-resolution mask, h x w, 1 where to paint, 0 where the image is kept. */
  mask: Float32Array;
  /** The masked image's latents in the UNet's (scaled) space, c x h x w. */
  maskedLatents: Float32Array;
}

/**
 * The pixel mask to paint, from an outpaint canvas's mask (1 known, 0 to paint). diffusers'
 * mask processor binarises its mask_image at 0.5; the canvas mask is its complement.
 */
export function paintMaskOfCanvas(known: Float32Array): Float32Array {
  return known.map((k) => (1 - k >= 0.5 ? 1 : 0));
}

/** The image in -1..1 (CHW) with the area to paint set to 0: diffusers' `image * (mask < 0.5)`. */
export function maskedImage(image: RgbImage, paint: Float32Array): Float32Array {
  const plane = image.width * image.height;
  const out = new Float32Array(3 * plane);
  for (let j = 0; j < plane; j++) {
    if (paint[j] >= 0.5) continue;
    for (let ch = 0; ch < 3; ch++) out[ch * plane + j] = image.data[j * 3 + ch] / 127.5 - 1;
  }
  return out;
}

/**
 * The pixel mask at latent resolution as torch's `F.interpolate(mask, size=(h, w))` (mode
 * "nearest", what diffusers' prepare_mask_latents calls): each latent takes the top-left pixel of
 * its factor x factor block, not an average.
 */
export function latentMask(paint: Float32Array, width: number, height: number, factor: number): Float32Array {
  const w = width / factor;
  const h = height / factor;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = paint[y * factor * width + x * factor];
  return out;
}

/**
 * The UNet's sample input for a whole batch, [batch, 2c + 1, h, w]: per image its c scaled latent
 * channels, then the mask, then the c masked-image latent channels (diffusers:
 * `torch.cat([latent_model_input, mask, masked_image_latents], dim=1)`). The mask and masked
 * latents never change during a job, so they are written once; each step only copies the latents.
 */
export class InpaintInput {
  readonly channels: number;
  readonly #data: Float32Array;

  constructor(
    cond: InpaintConditioning,
    readonly batch: number,
    readonly latentChannels: number,
    readonly plane: number,
  ) {
    const c = latentChannels;
    if (cond.mask.length !== plane) throw new Error(`inpainting mask must hold ${plane} values, got ${cond.mask.length}`);
    if (cond.maskedLatents.length !== c * plane) throw new Error(`masked-image latents must hold ${c * plane} values, got ${cond.maskedLatents.length}`);
    this.channels = 2 * c + 1;
    this.#data = new Float32Array(batch * this.channels * plane);
    for (let b = 0; b < batch; b++) {
      const o = b * this.channels * plane;
      this.#data.set(cond.mask, o + c * plane);
      this.#data.set(cond.maskedLatents, o + (c + 1) * plane);
    }
  }

  /**
   * The input for one step: `x` holds n images' scaled latents [n, c, h, w]; the batch repeats
   * them (classifier-free guidance: unconditional copies first, then conditional, as the
   * conditioning is stacked).
   */
  fill(x: Vec, n: number): Float32Array {
    const per = this.latentChannels * this.plane;
    for (let b = 0; b < this.batch; b++) {
      const k = b % n;
      this.#data.set(x.subarray(k * per, (k + 1) * per), b * this.channels * this.plane);
    }
    return this.#data;
  }
}
