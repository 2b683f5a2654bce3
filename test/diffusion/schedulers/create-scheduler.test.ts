/** createScheduler and the Scheduler contract the pipeline relies on: validation, noise injection, types, addNoise. */
import { describe, expect, it } from 'vitest';
import type { SamplerName } from '../../../src/diffusion/types.ts';
import { createScheduler, SAMPLER_NAMES, SAMPLERS } from '../../../src/diffusion/schedulers/index.ts';
import type { NoiseSource, Scheduler, SchedulerConfig, Vec } from '../../../src/diffusion/schedulers/types.ts';
import { toyModel } from './reference-data.ts';

/** Stable Diffusion 1.5's scheduler_config.json (written for PNDM: no timestep_spacing). */
const SD15: SchedulerConfig = {
  _class_name: 'PNDMScheduler',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
};

/** Deterministic pseudo-Gaussian draws, different per `seed` and per draw. */
function sineNoise(seed: number): NoiseSource & { calls: number } {
  const source = Object.assign(
    (n: number) => {
      const k = source.calls++;
      return Float64Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + 0.37 * (k + 1) + seed) * 1.2);
    },
    { calls: 0 },
  );
  return source;
}

const x0 = Float64Array.from({ length: 64 }, (_, i) => Math.cos(i * 0.9) * 0.8);
const eps = Float64Array.from({ length: 64 }, (_, i) => Math.sin(i * 2.3 + 0.5));

function runToy(s: Scheduler, x: Vec): Vec {
  for (let i = 0; i < s.timesteps.length; i++) x = s.step(toyModel(s.scaleModelInput(x, i), s.timesteps[i]), i, x).prevSample;
  return x;
}

describe('createScheduler', () => {
  it('rejects an unknown sampler name, listing the allowed ones', () => {
    expect(() => createScheduler('plms' as SamplerName, SD15, 20)).toThrow(
      'unknown sampler "plms"; expected one of euler, euler-a, ddim, dpmpp-2m, dpmpp-2m-karras, lcm',
    );
  });

  it.each([0, -3, 1001, 2.5, Number.NaN])('rejects steps = %s, naming the value', (steps) => {
    expect(() => createScheduler('euler', SD15, steps)).toThrow(`steps must be an integer from 1 to 1000, got ${steps}`);
  });

  it('accepts 1 and 1000 steps, giving that many timesteps', () => {
    expect(createScheduler('ddim', SD15, 1).timesteps).toHaveLength(1);
    expect(createScheduler('euler', SD15, 1000).timesteps).toHaveLength(1000);
  });

  it('rejects an eta outside [0, 1]', () => {
    expect(() => createScheduler('ddim', SD15, 10, { eta: 1.5 })).toThrow('eta must be a number from 0 to 1, got 1.5');
  });

  it('rejects more LCM steps than the distillation schedule has', () => {
    expect(() => createScheduler('lcm', SD15, 51)).toThrow('lcm sampling needs steps <= original_inference_steps (50), got 51');
  });

  it('rejects config values it cannot honour, saying what was expected', () => {
    expect(() => createScheduler('euler', { ...SD15, beta_schedule: 'sigmoid' }, 10)).toThrow(
      'scheduler config "beta_schedule" must be one of linear, scaled_linear, squaredcos_cap_v2, got "sigmoid"',
    );
    expect(() => createScheduler('ddim', { ...SD15, prediction_type: 'flow' }, 10)).toThrow(
      'scheduler config "prediction_type" must be one of epsilon, v_prediction, sample, got "flow"',
    );
    expect(() => createScheduler('ddim', { ...SD15, trained_betas: [0.1, 0.2] }, 10)).toThrow(
      'scheduler config "trained_betas" must have num_train_timesteps (1000) values, got 2',
    );
  });

  it('lists every sampler name once, each with a description', () => {
    const all: Record<SamplerName, true> = { euler: true, 'euler-a': true, ddim: true, 'dpmpp-2m': true, 'dpmpp-2m-karras': true, lcm: true };
    expect([...SAMPLER_NAMES].sort()).toEqual(Object.keys(all).sort());
    for (const s of SAMPLERS) expect(s.description.length).toBeGreaterThan(10);
  });

  it('fills absent config keys with the built class defaults, like diffusers from_config', () => {
    // Euler's default spacing is linspace (starts at 999); DDIM's is leading (951 with steps_offset 1).
    expect(createScheduler('euler', SD15, 20).timesteps[0]).toBe(999);
    expect(createScheduler('ddim', SD15, 20).timesteps[0]).toBe(951);
    expect(createScheduler('dpmpp-2m', SD15, 20).timesteps[0]).toBe(999);
  });

  it('gives dpmpp-2m-karras Karras sigmas and dpmpp-2m the plain ones, whatever the config says', () => {
    const plain = createScheduler('dpmpp-2m', { ...SD15, use_karras_sigmas: true }, 10).sigmas!;
    const karras = createScheduler('dpmpp-2m-karras', SD15, 10).sigmas!;
    expect(plain[0]).toBeCloseTo(karras[0], 4);
    // Karras spacing spends more steps at low noise.
    expect(karras[5]).toBeLessThan(plain[5]);
  });
});

describe('noise injection', () => {
  const stochastic: [SamplerName, number | undefined][] = [
    ['euler-a', undefined],
    ['ddim', 1],
    ['lcm', undefined],
  ];

  it.each(stochastic)('%s (eta %s) draws only from the injected source: same noise, same result', (name, eta) => {
    const a = sineNoise(0);
    const b = sineNoise(0);
    const ra = runToy(createScheduler(name, SD15, 6, { noise: a, eta }), Float64Array.from(eps));
    const rb = runToy(createScheduler(name, SD15, 6, { noise: b, eta }), Float64Array.from(eps));
    expect(a.calls).toBeGreaterThanOrEqual(5);
    expect(rb).toEqual(ra);
  });

  it.each(stochastic)('%s (eta %s): different noise, different result', (name, eta) => {
    const ra = runToy(createScheduler(name, SD15, 6, { noise: sineNoise(0), eta }), Float64Array.from(eps));
    const rb = runToy(createScheduler(name, SD15, 6, { noise: sineNoise(1), eta }), Float64Array.from(eps));
    const diff = Math.max(...ra.map((v, j) => Math.abs(v - rb[j])));
    expect(diff).toBeGreaterThan(1e-3);
  });

  it.each(['euler', 'ddim', 'dpmpp-2m', 'dpmpp-2m-karras'] as SamplerName[])('%s (eta 0) never draws noise', (name) => {
    const noise = sineNoise(0);
    runToy(createScheduler(name, SD15, 6, { noise }), Float64Array.from(eps));
    expect(noise.calls).toBe(0);
  });

  it('rejects a noise source that returns the wrong length', () => {
    const s = createScheduler('euler-a', SD15, 4, { noise: () => new Float32Array(3) });
    expect(() => s.step(new Float32Array(64), 0, new Float32Array(64))).toThrow('noise source must return 64 values, got 3');
  });
});

describe('the Scheduler contract', () => {
  it.each(SAMPLER_NAMES.map((n) => [n]))('%s returns the array type it was given', (name) => {
    for (const make of [(n: number) => new Float32Array(n).fill(0.5), (n: number) => new Float64Array(n).fill(0.5)]) {
      const s = createScheduler(name, SD15, 4, { noise: (n) => make(n) });
      const x = make(16);
      const type = x.constructor;
      expect(s.scaleModelInput(x, 0)).toBeInstanceOf(type);
      const { prevSample, denoised } = s.step(make(16), 0, x);
      expect(prevSample).toBeInstanceOf(type);
      expect(denoised).toBeInstanceOf(type);
      expect(s.addNoise(x, make(16), 1)).toBeInstanceOf(type);
    }
  });

  it.each(SAMPLER_NAMES.map((n) => [n]))('%s rejects a bad step index and mismatched lengths', (name) => {
    const s = createScheduler(name, SD15, 4);
    const x = new Float32Array(8);
    expect(() => s.step(x, 4, x)).toThrow('step index must be an integer from 0 to 3, got 4');
    expect(() => s.scaleModelInput(x, -1)).toThrow('step index must be an integer from 0 to 3, got -1');
    expect(() => s.step(new Float32Array(7), 0, x)).toThrow('model output must have 8 elements (the sample\'s length), got 7');
    expect(() => s.addNoise(x, new Float32Array(9), 0)).toThrow('noise must have 8 elements (the sample\'s length), got 9');
  });

  /**
   * addNoise, scaleModelInput and step agree on the noise level of step i: a model that predicts
   * the true noise (or the true v) of a sample made by addNoise gets x0 back as `denoised`.
   * The level is read back from addNoise itself (x0 = 1, noise = 0 gives the signal scale...).
   */
  const perfect: [SamplerName, string][] = [];
  for (const name of ['euler', 'euler-a', 'ddim', 'dpmpp-2m', 'dpmpp-2m-karras'] as SamplerName[]) {
    for (const type of ['epsilon', 'v_prediction']) perfect.push([name, type]);
  }
  it.each(perfect)('%s (%s): addNoise(x0, eps, i) and a perfect model give denoised = x0 at every step', (name, type) => {
    const config = { ...SD15, prediction_type: type };
    const s = createScheduler(name, config, 8, { noise: sineNoise(3) });
    for (let i = 0; i < s.timesteps.length; i++) {
      const xt = s.addNoise(x0, eps, i);
      const c = s.scaleModelInput(Float64Array.of(1), i)[0];
      const alpha = c * s.addNoise(Float64Array.of(1), Float64Array.of(0), i)[0];
      const sigma = c * s.addNoise(Float64Array.of(0), Float64Array.of(1), i)[0];
      const out = type === 'epsilon' ? eps : eps.map((e, j) => alpha * e - sigma * x0[j]);
      const { denoised } = s.step(out, i, xt);
      for (let j = 0; j < x0.length; j++) expect(denoised[j]).toBeCloseTo(x0[j], 9);
    }
  });

  it('euler addNoise puts x0 at sigma_i: x0 + sigma_i·noise', () => {
    const s = createScheduler('euler', SD15, 5);
    const xt = s.addNoise(x0, eps, 2);
    for (let j = 0; j < x0.length; j++) expect(xt[j]).toBeCloseTo(x0[j] + s.sigmas![2] * eps[j], 12);
  });

  it('lcm returns its consistency estimate: close to x0 at the first (noisiest) step, and x0 itself as the last sample', () => {
    const s = createScheduler('lcm', SD15, 4, { noise: sineNoise(0) });
    const first = s.step(eps, 0, s.addNoise(x0, eps, 0)).denoised;
    for (let j = 0; j < x0.length; j++) expect(first[j]).toBeCloseTo(x0[j], 5);
    const last = s.step(toyModel(x0, s.timesteps[3]), 3, x0);
    expect(last.prevSample).toEqual(last.denoised);
  });

  it('dpmpp-2m starts first order again after a gap (img2img) and keeps its own copy of the last estimate', () => {
    const make = () => createScheduler('dpmpp-2m', SD15, 6);
    const m0 = toyModel(eps, 999);
    const m2 = toyModel(x0, 600);
    // A step at 2 right after a step at 0 is first order, like a fresh scheduler's.
    const gap = make();
    gap.step(m0, 0, eps);
    expect(gap.step(m2, 2, x0).prevSample).toEqual(make().step(m2, 2, x0).prevSample);
    // Scribbling on the returned estimate must not change the next (second-order) step.
    const a = make();
    const b = make();
    const ra = a.step(m0, 0, eps);
    b.step(m0, 0, eps).denoised.fill(123);
    const m1 = toyModel(ra.prevSample, a.timesteps[1]);
    expect(b.step(m1, 1, ra.prevSample).prevSample).toEqual(a.step(m1, 1, ra.prevSample).prevSample);
  });
});
