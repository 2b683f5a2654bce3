/**
 * Cheap previews: a linear map from each latent pixel to RGB, so a step's preview costs a few
 * thousand multiply-adds instead of a VAE decode. SD 1.5's and SDXL's coefficients are public (ComfyUI's
 * `latent_rgb_factors`); our own model stores its least-squares fit in imagine-model.json.
 */
import type { RgbImage } from './types.ts';

export interface LatentRgb {
  factors: number[][];
  bias: number[];
}

/** Stable Diffusion 1.x latents (scaled, as the UNet sees them) -> RGB in -1..1. */
export const SD15_LATENT_RGB: LatentRgb = {
  factors: [
    [0.3512, 0.2297, 0.3227],
    [0.325, 0.4974, 0.235],
    [-0.2829, 0.1762, 0.2721],
    [-0.212, -0.2616, -0.7177],
  ],
  bias: [0, 0, 0],
};

/**
 * Stable Diffusion XL latents -> RGB in -1..1: ComfyUI's published SDXL `latent_rgb_factors` and
 * `latent_rgb_factors_bias` (comfy/latent_formats.py, class SDXL), the same linear fit A1111-style
 * UIs use for cheap SDXL previews. SDXL's VAE is not SD 1.x's, so SD 1.5's factors give wrong colours.
 */
export const SDXL_LATENT_RGB: LatentRgb = {
  factors: [
    [0.3651, 0.4232, 0.4341],
    [-0.2533, -0.0042, 0.1068],
    [0.1076, 0.1111, -0.0362],
    [-0.3165, -0.2492, -0.2188],
  ],
  bias: [0.1084, -0.0175, -0.0011],
};

/** Previews of a batch of latents laid out [n, channels, h, w]; each preview is h x w pixels. */
export function latentPreviews(latents: Float32Array | Float64Array, n: number, channels: number, h: number, w: number, map: LatentRgb): RgbImage[] {
  const plane = h * w;
  const out: RgbImage[] = [];
  const f = map.factors;
  for (let k = 0; k < n; k++) {
    const data = new Uint8Array(plane * 3);
    const base = k * channels * plane;
    for (let p = 0; p < plane; p++) {
      let r = map.bias[0];
      let g = map.bias[1];
      let b = map.bias[2];
      for (let c = 0; c < channels; c++) {
        const v = latents[base + c * plane + p];
        r += v * f[c][0];
        g += v * f[c][1];
        b += v * f[c][2];
      }
      data[p * 3] = toByte(r);
      data[p * 3 + 1] = toByte(g);
      data[p * 3 + 2] = toByte(b);
    }
    out.push({ width: w, height: h, data });
  }
  return out;
}

/** -1..1 -> 0..255, clamped and rounded. */
export function toByte(v: number): number {
  const x = Math.round((v + 1) * 127.5);
  return x < 0 ? 0 : x > 255 ? 255 : x;
}
