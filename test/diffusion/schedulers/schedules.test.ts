/** The building blocks: training betas, timestep spacing, sigma schedules and sigma <-> timestep maps. */
import { describe, expect, it } from 'vitest';
import { alphasCumprod, rescaleZeroTerminalSnr, trainingBetas } from '../../../src/diffusion/schedulers/betas.ts';
import { BASE_DEFAULTS, resolveConfig } from '../../../src/diffusion/schedulers/config.ts';
import { ancestralStep, dpmpp2mCoefficients } from '../../../src/diffusion/schedulers/sigma-updates.ts';
import { discreteSigmas, karrasSigmas, sigmaToT, sigmasFromAlphasCumprod, tToSigma } from '../../../src/diffusion/schedulers/sigmas.ts';
import { roundHalfEven, spacedTimesteps } from '../../../src/diffusion/schedulers/spacing.ts';
import { createScheduler } from '../../../src/diffusion/schedulers/index.ts';

const cfg = (c: Record<string, unknown>) => resolveConfig(c, BASE_DEFAULTS);

describe('training betas', () => {
  it('linear runs from beta_start to beta_end', () => {
    const b = trainingBetas(cfg({ beta_start: 0.001, beta_end: 0.02, num_train_timesteps: 11 }));
    expect(b[0]).toBeCloseTo(0.001, 15);
    expect(b[5]).toBeCloseTo(0.0105, 15);
    expect(b[10]).toBeCloseTo(0.02, 15);
  });

  it('scaled_linear is linear in sqrt(beta) (Stable Diffusion)', () => {
    const b = trainingBetas(cfg({ beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' }));
    expect(b[0]).toBeCloseTo(0.00085, 15);
    expect(b[999]).toBeCloseTo(0.012, 15);
    expect(Math.sqrt(b[500]) - Math.sqrt(b[499])).toBeCloseTo(Math.sqrt(b[1]) - Math.sqrt(b[0]), 12);
  });

  it('squaredcos_cap_v2 follows the cosine alpha_bar and caps betas at 0.999', () => {
    const b = trainingBetas(cfg({ beta_schedule: 'squaredcos_cap_v2' }));
    const abar = alphasCumprod(b);
    const f = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    expect(abar[499]).toBeCloseTo(f(0.5) / f(0), 12);
    expect(b[999]).toBe(0.999);
    expect(Math.max(...b)).toBeLessThanOrEqual(0.999);
  });

  it('trained_betas are used as given', () => {
    const given = Array.from({ length: 10 }, (_, i) => 0.01 * (i + 1));
    expect(Array.from(trainingBetas(cfg({ num_train_timesteps: 10, trained_betas: given })))).toEqual(given);
  });

  it('rescale_betas_zero_snr ends the schedule at pure noise and keeps its start', () => {
    const plain = trainingBetas(cfg({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 }));
    const abar = alphasCumprod(rescaleZeroTerminalSnr(plain));
    expect(abar[999]).toBe(0);
    expect(abar[0]).toBeCloseTo(alphasCumprod(plain)[0], 12);
  });
});

describe('timestep spacing', () => {
  it('rounds halves to even like numpy', () => {
    expect([0.5, 1.5, 2.5, 3.5, -2.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, -2, 2, 3]);
  });

  it('leading: multiples of N // n plus steps_offset', () => {
    expect(spacedTimesteps('leading', 4, 1000, 1)).toEqual([751, 501, 251, 1]);
  });

  it('linspace: from N-1 to 0, rounded', () => {
    expect(spacedTimesteps('linspace', 4, 1000, 1)).toEqual([999, 666, 333, 0]);
  });

  it('trailing: exactly n timesteps, none negative, even where numpy arange would make n+1', () => {
    for (const n of [61, 103, 121]) {
      const ts = spacedTimesteps('trailing', n, 1000, 0);
      expect(ts).toHaveLength(n);
      expect(ts[0]).toBe(999);
      expect(Math.min(...ts)).toBeGreaterThanOrEqual(0);
    }
  });

  it('every sampler gives the asked number of steps, with falling noise, for any step count', () => {
    for (const name of ['euler', 'euler-a', 'ddim', 'dpmpp-2m', 'dpmpp-2m-karras'] as const) {
      for (const spacing of ['leading', 'linspace', 'trailing']) {
        for (const steps of [1, 2, 7, 50, 61, 150]) {
          const what = `${name} ${spacing} ${steps}`;
          const s = createScheduler(name, { timestep_spacing: spacing, steps_offset: 1 }, steps);
          expect(s.timesteps, what).toHaveLength(steps);
          // Karras steps crowd the low end, where rounding to integer timesteps can repeat one
          // (as in diffusers); the sigmas still fall strictly.
          for (let i = 1; i < steps; i++) expect(s.timesteps[i], what).toBeLessThanOrEqual(s.timesteps[i - 1]);
          const levels = s.sigmas ?? s.timesteps;
          for (let i = 1; i < steps; i++) expect(levels[i], what).toBeLessThan(levels[i - 1]);
        }
      }
    }
  });
});

describe('sigma schedules', () => {
  const train = sigmasFromAlphasCumprod(alphasCumprod(trainingBetas(cfg({ beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 }))));
  const logSigmas = Array.from(train, Math.log);

  it('karras runs from sigma_max to sigma_min, then 0', () => {
    const s = karrasSigmas(10, 0.03, 14.6);
    expect(s).toHaveLength(11);
    expect(s[0]).toBeCloseTo(14.6, 12);
    expect(s[9]).toBeCloseTo(0.03, 12);
    expect(s[10]).toBe(0);
    const one = karrasSigmas(1, 0.03, 14.6);
    expect(one).toHaveLength(2);
    expect(one[0]).toBeCloseTo(14.6, 12);
  });

  it('discrete starts at the largest training sigma and ends at the smallest, then 0', () => {
    const s = discreteSigmas(7, train);
    expect(s[0]).toBeCloseTo(train[999], 12);
    expect(s[6]).toBeCloseTo(train[0], 12);
    expect(s[7]).toBe(0);
  });

  it('sigmaToT inverts tToSigma and clamps outside the training range', () => {
    for (const t of [0, 0.25, 17.5, 500, 998.75, 999]) expect(sigmaToT(tToSigma(t, logSigmas), logSigmas)).toBeCloseTo(t, 9);
    expect(sigmaToT(1e4, logSigmas)).toBe(999);
    expect(sigmaToT(1e-6, logSigmas)).toBe(0);
  });

  it('ancestral split keeps the total variance at sigma_next', () => {
    const { sigmaDown, sigmaUp } = ancestralStep(5, 2);
    expect(sigmaDown ** 2 + sigmaUp ** 2).toBeCloseTo(4, 12);
    expect(ancestralStep(5, 2, 0)).toEqual({ sigmaDown: 2, sigmaUp: 0 });
  });

  it('DPM-Solver++ first order is the Euler step, and a step to sigma 0 returns the estimate', () => {
    // Euler: x + (x - d)(s' - s)/s = (s'/s) x + (1 - s'/s) d.
    const c = dpmpp2mCoefficients(4, 1);
    expect(c.x).toBeCloseTo(0.25, 14);
    expect(c.denoised).toBeCloseTo(0.75, 14);
    expect(dpmpp2mCoefficients(4, 0, 8)).toEqual({ x: 0, denoised: 1, previous: 0 });
    // Second order weights still sum to the first-order weight (a constant estimate is kept).
    const c2 = dpmpp2mCoefficients(4, 1, 8);
    expect(c2.denoised + c2.previous).toBeCloseTo(0.75, 14);
  });
});
