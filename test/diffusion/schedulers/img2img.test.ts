/** img2imgStartIndex: diffusers' get_timesteps (the last floor(steps·strength) steps run). */
import { describe, expect, it } from 'vitest';
import { createScheduler, img2imgStartIndex } from '../../../src/diffusion/schedulers/index.ts';

describe('img2imgStartIndex', () => {
  it.each([
    [20, 1, 0],
    [20, 0.75, 5],
    [20, 0.5, 10],
    [3, 0.5, 2],
    [10, 0.33, 7],
    [1, 1, 0],
    [25, 0.3, 18],
  ])('%i steps at strength %s start at step %i', (steps, strength, start) => {
    expect(img2imgStartIndex(steps, strength)).toBe(start);
  });

  it.each([0, -0.1, 1.01, Number.NaN])('rejects strength %s, which is outside (0, 1]', (strength) => {
    expect(() => img2imgStartIndex(20, strength)).toThrow(`img2img strength must be in (0, 1], got ${strength}`);
  });

  it('rejects a strength so low that no step would run, saying the least that works', () => {
    expect(() => img2imgStartIndex(4, 0.2)).toThrow(
      'img2img strength 0.2 with 4 steps runs no step (floor(steps * strength) = 0); expected strength >= 0.25 for 4 steps',
    );
  });

  it('rejects a non-integer step count', () => {
    expect(() => img2imgStartIndex(0, 0.5)).toThrow('steps must be a positive integer, got 0');
  });

  it('lower strength starts at a lower noise level', () => {
    const s = createScheduler('euler', { beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 }, 20);
    const strong = s.sigmas![img2imgStartIndex(20, 0.9)];
    const weak = s.sigmas![img2imgStartIndex(20, 0.3)];
    expect(weak).toBeLessThan(strong);
  });
});
