/**
 * --chaos on the real embedded model: how different a grid's images are from each other. Chaos 0
 * starts every image from image 0's noise, 100 from each image's own seed; without chaos nothing
 * changes, so existing seeds reproduce.
 */
import { describe, expect, it } from 'vitest';
import { mixChaos } from '../../src/diffusion/chaos.ts';
import { formatParameters } from '../../src/diffusion/png.ts';
import { RequestError } from '../../src/diffusion/request-error.ts';
import type { RgbImage } from '../../src/diffusion/types.ts';
import { embeddedPipeline, meanAbsDiff } from '../support/model.ts';

// A deterministic sampler: any difference between the images comes from their starting noise.
const base = { prompt: 'a red circle', steps: 8, sampler: 'euler' as const, guidance: 7, seed: 21, n: 4 };

/** Mean absolute pixel difference over every pair of images of a grid. */
function spread(images: RgbImage[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < images.length; i++) {
    for (let j = i + 1; j < images.length; j++) {
      sum += meanAbsDiff(images[i], images[j]);
      pairs++;
    }
  }
  return sum / pairs;
}

const same = (a: RgbImage, b: RgbImage) => Buffer.from(a.data).equals(Buffer.from(b.data));

describe('--chaos in the engine', () => {
  it('chaos 0 makes a grid of near-identical images, chaos 100 one as varied as independent seeds, 50 in between', async () => {
    const p = await embeddedPipeline();
    const s0 = spread((await p.generate({ ...base, chaos: 0 })).images);
    const s50 = spread((await p.generate({ ...base, chaos: 50 })).images);
    const s100 = spread((await p.generate({ ...base, chaos: 100 })).images);
    console.log(`mean abs diff between grid images: chaos 0 ${s0.toFixed(2)}, chaos 50 ${s50.toFixed(2)}, chaos 100 ${s100.toFixed(2)}`);
    expect(s100).toBeGreaterThan(10); // independent seeds draw different pictures
    expect(s0).toBeLessThan(1); // one starting noise: the same picture, up to float noise in a batch
    expect(s0 * 10).toBeLessThan(s100);
    expect(s50).toBeGreaterThan(s0);
    expect(s50).toBeLessThan(s100);
  });

  it('without chaos a seed gives the same pixels as before: each image from its own seed, exactly as chaos 100', async () => {
    const p = await embeddedPipeline();
    const plain = await p.generate(base);
    const hundred = await p.generate({ ...base, chaos: 100 });
    expect(plain.images.every((img, k) => same(img, hundred.images[k]))).toBe(true);
    expect(plain.request).not.toHaveProperty('chaos');
    // Image 3 of the grid is still what seed 24 alone draws.
    const alone = await p.generate({ ...base, seed: 24, n: 1 });
    expect(meanAbsDiff(plain.images[3], alone.images[0])).toBeLessThan(0.5);
    // Chaos never moves image 0: it is the grid's anchor.
    const zero = await p.generate({ ...base, chaos: 0 });
    expect(meanAbsDiff(zero.images[0], plain.images[0])).toBeLessThan(0.5);
  });

  it('keeps the blended noise standard normal (variance-preserving mix), and leaves it untouched at 100', () => {
    const per = 20_000;
    const noise = new Float32Array(2 * per);
    // Two independent, deterministic standard normal draws (Box-Muller on a fixed sequence).
    let u = 0.5;
    const next = () => (u = (u * 9301 + 0.49297) % 1) || 0.123;
    for (let i = 0; i < noise.length; i++) noise[i] = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
    const before = Float32Array.from(noise);
    mixChaos(noise, 2, per, 100);
    expect(noise).toEqual(before);
    mixChaos(noise, 2, per, 30);
    const mixed = noise.subarray(per);
    const variance = mixed.reduce((s, v) => s + v * v, 0) / per;
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
    expect(noise.subarray(0, per)).toEqual(before.subarray(0, per));
  });

  it('is recorded in the PNG parameters only when asked for', async () => {
    const p = await embeddedPipeline();
    const r = await p.generate({ ...base, n: 2, steps: 2, chaos: 30 });
    expect(r.request.chaos).toBe(30);
    expect(formatParameters(r.request, 21)).toBe(`a red circle\nSteps: 2, Sampler: Euler, CFG scale: 7, Seed: 21, Size: 128x128, Model: ${p.info.name}, Chaos: 30`);
    expect(formatParameters({ ...r.request, chaos: undefined }, 21)).not.toContain('Chaos');
  });

  it('refuses chaos outside 0..100 or not whole, naming it', async () => {
    const p = await embeddedPipeline();
    for (const chaos of [101, -1, 2.5]) {
      expect(() => p.resolve({ ...base, chaos })).toThrow(RequestError);
      expect(() => p.resolve({ ...base, chaos })).toThrow(`chaos must be a whole number from 0 to 100, got ${chaos}`);
    }
  });
});
