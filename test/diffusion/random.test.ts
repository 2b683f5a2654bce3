import { describe, expect, it } from 'vitest';
import { batchNoiseSource, MAX_SEED, randomSeed, SeededRandom } from '../../src/diffusion/random.ts';

function uints(seed: number, count: number): number[] {
  const r = new SeededRandom(seed);
  return Array.from({ length: count }, () => r.nextUint32());
}

describe('SeededRandom', () => {
  it('gives the same numbers every time for one seed', () => {
    expect(uints(42, 1000)).toEqual(uints(42, 1000));
    const a = new SeededRandom(7).fillGaussian(new Float32Array(999));
    const b = new SeededRandom(7).fillGaussian(new Float32Array(999));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it('keeps the noise of a seed the same across versions, so a seed shared earlier still gives its picture', () => {
    expect(uints(0, 4)).toEqual([4205396811, 3543653536, 1222415357, 3047368389]);
    expect(Array.from(new SeededRandom(1234).fillGaussian(new Float32Array(4)))).toEqual([
      0.496187299489975, 0.1564464420080185, -0.07991213351488113, -0.022345252335071564,
    ]);
  });

  it('gives different numbers for neighbouring seeds, and for the smallest and largest seed', () => {
    const seeds = [0, 1, 2, 41, 42, 43, MAX_SEED - 1, MAX_SEED];
    const firsts = seeds.map((s) => uints(s, 8).join(','));
    expect(new Set(firsts).size).toBe(seeds.length);
    // Neighbouring seeds are not shifted copies of one stream either.
    const a = uints(42, 64);
    const b = new Set(uints(43, 64));
    expect(a.filter((v) => b.has(v))).toEqual([]);
  });

  it('draws standard normal noise: mean near 0 and standard deviation near 1 over 100k draws', () => {
    const r = new SeededRandom(2024);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    let beyond3 = 0;
    let nonFinite = 0;
    for (let i = 0; i < n; i++) {
      const v = r.gaussian();
      if (!Number.isFinite(v)) nonFinite++;
      sum += v;
      sq += v * v;
      if (Math.abs(v) > 3) beyond3++;
    }
    const mean = sum / n;
    const std = Math.sqrt(sq / n - mean * mean);
    expect(nonFinite).toBe(0);
    // Standard errors are 0.0032 (mean) and 0.0022 (std): these bounds are about 6 of them.
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(std - 1)).toBeLessThan(0.015);
    // Tails as a Gaussian's: P(|z| > 3) = 0.27%.
    expect(beyond3 / n).toBeGreaterThan(0.0015);
    expect(beyond3 / n).toBeLessThan(0.004);
  });

  it('draws uniforms strictly inside (0, 1)', () => {
    const r = new SeededRandom(5);
    let min = 1;
    let max = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = r.uniform();
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(min).toBeGreaterThan(0);
    expect(max).toBeLessThan(1);
    expect(min).toBeLessThan(0.001);
    expect(max).toBeGreaterThan(0.999);
  });

  it('picks random seeds as whole numbers from 0 to the largest seed', () => {
    const seeds = Array.from({ length: 50 }, randomSeed);
    for (const s of seeds) {
      expect(Number.isInteger(s)).toBe(true);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(MAX_SEED);
    }
    expect(new Set(seeds).size).toBeGreaterThan(45);
  });
});

describe('batchNoiseSource', () => {
  // An odd count per image: a Box-Muller spare leaking from one image into the next would show.
  const per = 7;

  it('gives image k of a batch the same noise, draw after draw, as its seed alone', () => {
    const seeds = [100, 101, 102];
    const batch = batchNoiseSource(
      seeds.map((s) => new SeededRandom(s)),
      per,
    );
    const alone = seeds.map((s) => batchNoiseSource([new SeededRandom(s)], per));
    for (let draw = 0; draw < 3; draw++) {
      const b = batch(seeds.length * per);
      for (let k = 0; k < seeds.length; k++) {
        expect(Array.from(b.subarray(k * per, (k + 1) * per))).toEqual(Array.from(alone[k](per)));
      }
    }
  });

  it('gives each image of a batch different noise', () => {
    const b = batchNoiseSource([new SeededRandom(1), new SeededRandom(2)], per)(2 * per);
    expect(Array.from(b.subarray(0, per))).not.toEqual(Array.from(b.subarray(per)));
  });

  it('refuses a draw that is not one block per image', () => {
    const noise = batchNoiseSource([new SeededRandom(1), new SeededRandom(2)], per);
    expect(() => noise(per)).toThrow(/noise of length 7 asked for a batch of 2 x 7/);
  });
});
