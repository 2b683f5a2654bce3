/**
 * The diffusers-style schedulers against trajectories recorded from huggingface/diffusers itself
 * (float64 run, toy model, known noise): timesteps, sigmas, init noise, every step, final sample.
 */
import { describe, expect, it } from 'vitest';
import type { SamplerName } from '../../../src/diffusion/types.ts';
import { createScheduler } from '../../../src/diffusion/schedulers/index.ts';
import type { Vec } from '../../../src/diffusion/schedulers/types.ts';
import { diffusersReference, relativeError, replayNoise, toyModel, type DiffusersCase } from './reference-data.ts';

/** Which of our samplers reproduces each diffusers class (and the case's settings). */
const IMPLEMENTED: Record<string, (c: DiffusersCase) => SamplerName> = {
  DDIMScheduler: () => 'ddim',
  EulerDiscreteScheduler: () => 'euler',
  EulerAncestralDiscreteScheduler: () => 'euler-a',
  DPMSolverMultistepScheduler: (c) => (c.config.use_karras_sigmas ? 'dpmpp-2m-karras' : 'dpmpp-2m'),
  LCMScheduler: () => 'lcm',
};
/** Classes in the file we deliberately do not implement. */
const NOT_IMPLEMENTED = ['PNDMScheduler'];

const ref = diffusersReference();
const cases = ref.cases.filter((c) => c.scheduler in IMPLEMENTED);
const label = (c: DiffusersCase) =>
  [c.scheduler, c.config.timestep_spacing ?? 'default-spacing', c.config.prediction_type ?? 'epsilon', c.config.use_karras_sigmas ? 'karras' : '', c.step_kwargs.eta !== undefined ? `eta=${c.step_kwargs.eta}` : '', `${c.steps} steps`]
    .filter(Boolean)
    .join(' ');

/** Run the reference loop: x = step(m(scale(x), t), t, x).prev_sample, in the given float type. */
function run(c: DiffusersCase, type: 'f64' | 'f32') {
  const noise = replayNoise(c.noise_draws);
  const source = type === 'f64' ? noise.source : (n: number) => Float32Array.from(noise.source(n));
  const scheduler = createScheduler(IMPLEMENTED[c.scheduler](c), c.config, c.steps, { eta: c.step_kwargs.eta, noise: source });
  let x: Vec = type === 'f64' ? Float64Array.from(c.x_initial) : Float32Array.from(c.x_initial);
  const trace: Vec[] = [];
  for (let i = 0; i < scheduler.timesteps.length; i++) {
    const input = scheduler.scaleModelInput(x, i);
    const m = toyModel(input, scheduler.timesteps[i]);
    x = scheduler.step(type === 'f64' ? m : Float32Array.from(m), i, x).prevSample;
    trace.push(x);
  }
  return { scheduler, x, trace, draws: noise.used() };
}

describe('diffusers reference trajectories', () => {
  it('covers every scheduler class in the reference file, by an implementation or an explicit skip', () => {
    const inFile = [...new Set(ref.cases.map((c) => c.scheduler))].sort();
    expect(inFile).toEqual([...Object.keys(IMPLEMENTED), ...NOT_IMPLEMENTED].sort());
    const skipped = ref.cases.filter((c) => NOT_IMPLEMENTED.includes(c.scheduler));
    console.log(`diffusers reference: ${cases.length} cases checked, ${skipped.length} skipped (not implemented: ${NOT_IMPLEMENTED.join(', ')})`);
    expect(skipped.length + cases.length).toBe(ref.cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(90);
  });

  it('only has DPM-Solver cases of the variant we implement (dpmsolver++, order 2)', () => {
    for (const c of ref.cases.filter((k) => k.scheduler === 'DPMSolverMultistepScheduler')) {
      expect([c.config.algorithm_type, c.config.solver_order]).toEqual(['dpmsolver++', 2]);
    }
  });

  it.each(cases.map((c) => [label(c), c] as const))('%s: same timesteps, sigmas and init noise sigma', (_, c) => {
    const s = createScheduler(IMPLEMENTED[c.scheduler](c), c.config, c.steps, { eta: c.step_kwargs.eta });
    if (c.config.use_karras_sigmas && c.scheduler === 'EulerDiscreteScheduler') {
      // Fractional timesteps from log-sigma interpolation; diffusers' float32 alphas move them by < 2e-3.
      expect(s.timesteps).toHaveLength(c.timesteps.length);
      for (let i = 0; i < c.timesteps.length; i++) expect(Math.abs(s.timesteps[i] - c.timesteps[i])).toBeLessThan(5e-3);
    } else {
      expect(s.timesteps).toEqual(c.timesteps);
    }
    if (c.sigmas) {
      expect(s.sigmas).toHaveLength(c.sigmas.length);
      // Relative to each sigma: diffusers keeps them in float32.
      for (let i = 0; i < c.sigmas.length; i++) expect(Math.abs(s.sigmas![i] - c.sigmas[i])).toBeLessThanOrEqual(5e-5 * c.sigmas[i]);
    } else {
      expect(s.sigmas).toBeUndefined();
    }
    expect(s.initNoiseSigma).toBeCloseTo(c.init_noise_sigma, 4);
  });

  it.each(cases.map((c) => [label(c), c] as const))('%s: every step and x_final match in float64 (1e-4 relative)', (_, c) => {
    const { x, trace, draws } = run(c, 'f64');
    expect(x).toBeInstanceOf(Float64Array);
    expect(trace).toHaveLength(c.trace.length);
    c.trace.forEach((t, i) => expect(relativeError(trace[i], t.x_first8), `step ${i}`).toBeLessThan(1e-4));
    expect(relativeError(x, c.x_final)).toBeLessThan(1e-4);
    // The same draws as diffusers, in order; Euler ancestral skips diffusers' last draw, which it multiplies by 0.
    const skippable = c.scheduler === 'EulerAncestralDiscreteScheduler' ? 1 : 0;
    expect(draws).toBeGreaterThanOrEqual(c.noise_draws.length - skippable);
    expect(draws).toBeLessThanOrEqual(c.noise_draws.length);
  });

  it.each(cases.map((c) => [label(c), c] as const))('%s: float32 latents stay float32 and land within 1e-3', (_, c) => {
    const { x } = run(c, 'f32');
    expect(x).toBeInstanceOf(Float32Array);
    expect(relativeError(x, c.x_final)).toBeLessThan(1e-3);
  });
});
