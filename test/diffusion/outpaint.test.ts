import { describe, expect, it } from 'vitest';
import { panCanvas, zoomOutCanvas, type Rect } from '../../src/diffusion/canvas.ts';
import { OUTPAINT_PIXEL_FEATHER } from '../../src/diffusion/pipeline.ts';
import { resizeImage } from '../../src/diffusion/resize.ts';
import type { RgbImage } from '../../src/diffusion/types.ts';
import { embeddedPipeline } from '../support/model.ts';

// The pixel feather (two box blurs of radius OUTPAINT_PIXEL_FEATHER) fades the original out over twice that.
const SEAM = 2 * OUTPAINT_PIXEL_FEATHER;
const base = { prompt: 'a red circle', steps: 8, sampler: 'euler' as const, guidance: 7, n: 1 };

/** Mean abs diff (0..255) between `img` inside `rect` (inset by `inset`) and `ref` at the same place relative to the rect. */
function regionDiff(img: RgbImage, rect: Rect, ref: RgbImage, inset: number): number {
  let s = 0;
  let count = 0;
  for (let y = inset; y < rect.height - inset; y++) {
    for (let x = inset; x < rect.width - inset; x++) {
      for (let ch = 0; ch < 3; ch++) {
        s += Math.abs(img.data[((rect.y + y) * img.width + rect.x + x) * 3 + ch] - ref.data[(y * ref.width + x) * 3 + ch]);
        count++;
      }
    }
  }
  return s / count;
}

/** Mean abs diff of two images over the area to paint (mask 0). */
function outsideDiff(img: RgbImage, canvas: RgbImage, mask: Float32Array): number {
  let s = 0;
  let count = 0;
  for (let j = 0; j < mask.length; j++) {
    if (mask[j] !== 0) continue;
    for (let ch = 0; ch < 3; ch++) s += Math.abs(img.data[j * 3 + ch] - canvas.data[j * 3 + ch]);
    count += 3;
  }
  return s / count;
}

describe('outpainting (Zoom Out, Pan) with a plain text-to-image model', () => {
  it('Zoom Out 2x keeps the canvas size, with the original downscaled in the centre and the border painted', async () => {
    const p = await embeddedPipeline();
    const src = (await p.generate({ ...base, seed: 21 })).images[0];
    const canvas = await zoomOutCanvas(src, 2);
    const r = await p.generate({ ...base, seed: 5, width: src.width, height: src.height, outpaint: canvas });
    const out = r.images[0];
    expect([out.width, out.height]).toEqual([src.width, src.height]);
    const small = await resizeImage(src, canvas.rect.width, canvas.rect.height);
    const centre = regionDiff(out, canvas.rect, small, 0);
    const inner = regionDiff(out, canvas.rect, small, SEAM);
    // Painted from noise: another seed paints another border around the same centre.
    const other = (await p.generate({ ...base, seed: 99, width: src.width, height: src.height, outpaint: canvas })).images[0];
    const painted = outsideDiff(out, other, canvas.mask);
    console.log(`zoom out 2x (${src.width}x${src.height}): centre MAD ${centre.toFixed(2)}, centre inset ${SEAM}px MAD ${inner.toFixed(2)}, border seed 5 vs seed 99 ${painted.toFixed(2)} (0..255)`);
    expect(inner).toBeLessThan(1);
    expect(centre).toBeLessThan(12);
    expect(painted).toBeGreaterThan(3);
  });

  it('Zoom Out 1.5x shrinks the original by 1/1.5 into the centre', async () => {
    const p = await embeddedPipeline();
    const src = (await p.generate({ ...base, seed: 22 })).images[0];
    const canvas = await zoomOutCanvas(src, 1.5);
    expect(canvas.rect.width).toBe(Math.round(src.width / 1.5));
    const out = (await p.generate({ ...base, seed: 6, width: src.width, height: src.height, outpaint: canvas })).images[0];
    const small = await resizeImage(src, canvas.rect.width, canvas.rect.height);
    const inner = regionDiff(out, canvas.rect, small, SEAM);
    console.log(`zoom out 1.5x: centre inset MAD ${inner.toFixed(2)}`);
    expect(inner).toBeLessThan(1);
  });

  it('Pan ➡️ grows the canvas by half to the right, keeps the original strip in place and paints the new one', async () => {
    const p = await embeddedPipeline();
    const src = (await p.generate({ ...base, seed: 23 })).images[0];
    const width = src.width + src.width / 2;
    const canvas = panCanvas(src, 'right', width, src.height);
    const out = (await p.generate({ ...base, seed: 7, width, height: src.height, outpaint: canvas })).images[0];
    expect([out.width, out.height]).toEqual([width, src.height]);
    const kept = regionDiff(out, canvas.rect, src, 0);
    const farSide = regionDiff(out, { ...canvas.rect, width: src.width - SEAM }, src, 0);
    const other = (await p.generate({ ...base, seed: 99, width, height: src.height, outpaint: canvas })).images[0];
    const painted = outsideDiff(out, other, canvas.mask);
    console.log(`pan right (${width}x${src.height}): kept strip MAD ${kept.toFixed(2)}, ${SEAM}px away from the seam MAD ${farSide.toFixed(2)}, new strip seed 7 vs seed 99 ${painted.toFixed(2)}`);
    expect(farSide).toBeLessThan(1);
    expect(kept).toBeLessThan(8);
    expect(painted).toBeGreaterThan(3);
  });

  it('refuses a canvas of the wrong size, naming both', async () => {
    const p = await embeddedPipeline();
    const src = (await p.generate({ ...base, seed: 24 })).images[0];
    const canvas = panCanvas(src, 'down', src.width, src.height + src.height / 2);
    await expect(p.generate({ ...base, width: src.width, height: src.height, outpaint: canvas })).rejects.toMatchObject({ field: 'outpaint' });
  });
});
