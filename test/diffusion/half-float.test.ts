import { describe, expect, it } from 'vitest';
import { fromHalf, toHalf } from '../../src/diffusion/half-float.ts';
import { SeededRandom } from '../../src/diffusion/random.ts';

const half = (x: number) => toHalf(Float32Array.of(x))[0];
const value = (h: number) => fromHalf(Uint16Array.of(h))[0];

describe('float32 <-> float16', () => {
  it('decodes every one of the 65536 half values and encodes it back to the same bits', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const floats = fromHalf(all);
    const back = toHalf(floats);
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNaN) {
        if (!Number.isNaN(floats[h]) || (back[h] & 0x7c00) !== 0x7c00 || (back[h] & 0x3ff) === 0) wrong.push(h);
      } else if (back[h] !== h) {
        wrong.push(h);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('decodes known half values: 1, -2, 0.5, the largest (65504), the smallest normal and subnormals', () => {
    expect(value(0x3c00)).toBe(1);
    expect(value(0xc000)).toBe(-2);
    expect(value(0x3800)).toBe(0.5);
    expect(value(0x3555)).toBeCloseTo(1 / 3, 3);
    expect(value(0x7bff)).toBe(65504);
    expect(value(0x0400)).toBe(2 ** -14);
    expect(value(0x0001)).toBe(2 ** -24);
    expect(value(0x03ff)).toBe(1023 * 2 ** -24);
    expect(value(0x8001)).toBe(-(2 ** -24));
  });

  it('keeps 0 and -0 apart, maps infinities to infinities and NaN to NaN', () => {
    expect(half(0)).toBe(0x0000);
    expect(half(-0)).toBe(0x8000);
    expect(Object.is(value(0x8000), -0)).toBe(true);
    expect(Object.is(value(0x0000), 0)).toBe(true);
    expect(half(Infinity)).toBe(0x7c00);
    expect(half(-Infinity)).toBe(0xfc00);
    expect(value(0x7c00)).toBe(Infinity);
    expect(value(0xfc00)).toBe(-Infinity);
    expect(Number.isNaN(value(half(NaN)))).toBe(true);
  });

  it('saturates to infinity above the half range and keeps 65504 exact', () => {
    expect(half(65504)).toBe(0x7bff);
    expect(half(-65504)).toBe(0xfbff);
    expect(half(65519)).toBe(0x7bff); // still nearer 65504 than 65536
    expect(half(65536)).toBe(0x7c00);
    expect(half(1e6)).toBe(0x7c00);
    expect(half(-3.4e38)).toBe(0xfc00);
  });

  it('encodes subnormals, and flushes values below half the smallest subnormal to a signed zero', () => {
    expect(half(2 ** -24)).toBe(0x0001);
    expect(half(2 ** -15)).toBe(0x0200);
    expect(half(1023 * 2 ** -24)).toBe(0x03ff);
    expect(half(-(2 ** -20))).toBe(0x8010);
    expect(half(2 ** -26)).toBe(0x0000);
    expect(half(-1e-10)).toBe(0x8000);
  });

  it('rounds any float to a nearest half value: the error is at most half a half-ulp', () => {
    const r = new SeededRandom(9);
    const xs = new Float32Array(20_000);
    for (let i = 0; i < xs.length; i++) {
      // Magnitudes from deep in the subnormals (2^-26) up to the top of the range (2^15.99).
      const mag = 2 ** (-26 + 41.99 * r.uniform());
      xs[i] = (r.uniform() < 0.5 ? -1 : 1) * mag;
    }
    const hs = toHalf(xs);
    const back = fromHalf(hs);
    const bad: Array<[number, number]> = [];
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      const h = hs[i];
      const e = (h >>> 10) & 0x1f;
      // The spacing of half values around this one (subnormals share the 2^-24 spacing).
      const ulp = 2 ** (Math.max(e, 1) - 25);
      const sameSign = back[i] === 0 ? 1 / back[i] > 0 === x > 0 : Math.sign(back[i]) === Math.sign(x);
      if (!(Math.abs(back[i] - x) <= ulp / 2) || !sameSign) bad.push([x, back[i]]);
      // Neither neighbour is nearer.
      for (const n of [h - 1, h + 1]) {
        if ((n & 0x7fff) < 0x7c00 && (n & 0x8000) === (h & 0x8000) && Math.abs(value(n) - x) < Math.abs(back[i] - x)) bad.push([x, value(n)]);
      }
    }
    expect(bad).toEqual([]);
  });

  it('converts arrays element by element, keeping length and order', () => {
    const xs = Float32Array.of(1, -2, 0.5, 65504, 0);
    expect(Array.from(toHalf(xs))).toEqual([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0000]);
    expect(Array.from(fromHalf(toHalf(xs)))).toEqual(Array.from(xs));
    expect(toHalf(new Float32Array(0)).length).toBe(0);
  });
});
