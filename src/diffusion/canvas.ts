/**
 * Canvases for outpainting (Zoom Out, Pan): the original image placed on a larger or shifted
 * canvas, and a mask of where it is (1 known, 0 to paint). The unknown area is filled by
 * repeating the nearest edge pixel: the model paints it from noise anyway, but the VAE encodes a
 * calmer border than black, so the feathered seam starts from plausible colours.
 */
import { resizeImage } from './resize.ts';
import type { OutpaintCanvas, RgbImage } from './types.ts';

export type PanDirection = 'left' | 'right' | 'up' | 'down';
export const PAN_DIRECTIONS: readonly PanDirection[] = ['left', 'right', 'up', 'down'];

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Place `image` at `rect` on a width x height canvas; everything else copies the nearest edge. */
export function placeOnCanvas(image: RgbImage, width: number, height: number, rect: Rect): OutpaintCanvas {
  const data = new Uint8Array(width * height * 3);
  const mask = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.max(0, y - rect.y));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.max(0, x - rect.x));
      const s = (sy * image.width + sx) * 3;
      const d = (y * width + x) * 3;
      data[d] = image.data[s];
      data[d + 1] = image.data[s + 1];
      data[d + 2] = image.data[s + 2];
      const inside = x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height;
      mask[y * width + x] = inside ? 1 : 0;
    }
  }
  return { image: { width, height, data }, mask };
}

/** The rectangle the original shrinks into when zooming out by `factor`: centred, same aspect. */
export function zoomOutRect(width: number, height: number, factor: number): Rect {
  const w = Math.round(width / factor);
  const h = Math.round(height / factor);
  return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), width: w, height: h };
}

/** Zoom Out: the canvas keeps the image's size; the original, shrunk by 1/factor, sits in the centre. */
export async function zoomOutCanvas(image: RgbImage, factor: number): Promise<OutpaintCanvas & { rect: Rect }> {
  if (!(factor > 1)) throw new RangeError(`zoom-out factor must be above 1, got ${factor}`);
  const rect = zoomOutRect(image.width, image.height, factor);
  const small = await resizeImage(image, rect.width, rect.height);
  return { ...placeOnCanvas(small, image.width, image.height, rect), rect };
}

/** Where the original sits on a pan canvas of width x height (it keeps its size and its side). */
export function panRect(image: { width: number; height: number }, direction: PanDirection, width: number, height: number): Rect {
  const x = direction === 'left' ? width - image.width : 0;
  const y = direction === 'up' ? height - image.height : 0;
  return { x, y, width: image.width, height: image.height };
}

/** Pan: the canvas (width x height, larger in `direction`) holds the original unchanged on the far side. */
export function panCanvas(image: RgbImage, direction: PanDirection, width: number, height: number): OutpaintCanvas & { rect: Rect } {
  const rect = panRect(image, direction, width, height);
  return { ...placeOnCanvas(image, width, height, rect), rect };
}

/**
 * Feather a 0..1 mask inwards: blur it (two box passes of radius r, about a tent), then keep only
 * the upper half of the ramp, so the unknown area stays exactly 0 and the known area fades out
 * over about r pixels before its edge. Canvas borders count as known (edge-clamped blur), so a
 * known region touching the canvas edge is not faded there.
 */
export function featherMask(mask: Float32Array, width: number, height: number, radius: number): Float32Array {
  if (radius < 1) return Float32Array.from(mask);
  let m: Float32Array = Float32Array.from(mask);
  for (let pass = 0; pass < 2; pass++) m = boxBlur(m, width, height, radius);
  const out = new Float32Array(m.length);
  for (let i = 0; i < m.length; i++) out[i] = mask[i] === 0 ? 0 : Math.min(1, Math.max(0, (m[i] - 0.5) * 2));
  return out;
}

function boxBlur(src: Float32Array, width: number, height: number, r: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  const n = 2 * r + 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += src[y * width + Math.min(width - 1, Math.max(0, x + k))];
      tmp[y * width + x] = s / n;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) s += tmp[Math.min(height - 1, Math.max(0, y + k)) * width + x];
      out[y * width + x] = s / n;
    }
  }
  return out;
}

/** A pixel mask averaged down to the latent grid (factor x factor blocks). */
export function downsampleMask(mask: Float32Array, width: number, height: number, factor: number): Float32Array {
  const w = width / factor;
  const h = height / factor;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) s += mask[(y * factor + dy) * width + x * factor + dx];
      out[y * w + x] = s / (factor * factor);
    }
  }
  return out;
}
