/**
 * How different the images of one prompt are across seeds: a model that ignores its noise (mode
 * collapse) scores near 0 even when every image is correct, which accuracy alone cannot show.
 */
import type { RgbImage } from '../diffusion/types.ts';

/** Mean absolute difference of two equally sized images, per channel value, in 0..1. */
export function pixelDifference(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error('pixelDifference: images differ in size');
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / (a.data.length * 255);
}

/** Mean pixel difference over every pair of images; null for fewer than two images. */
export function meanPairwiseDifference(images: readonly RgbImage[]): number | null {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < images.length; i++) {
    for (let j = i + 1; j < images.length; j++) {
      sum += pixelDifference(images[i], images[j]);
      pairs++;
    }
  }
  return pairs === 0 ? null : sum / pairs;
}
