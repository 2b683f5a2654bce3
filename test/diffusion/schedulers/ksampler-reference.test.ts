/**
 * The k-diffusion-style sampler functions and sigma schedules against trajectories recorded from
 * crowsonkb/k-diffusion (float64, epsilon toy model behind its DiscreteEpsDDPMDenoiser).
 */
import { describe, expect, it } from 'vitest';
import { BASE_DEFAULTS, resolveConfig } from '../../../src/diffusion/schedulers/config.ts';
import { trainingAlphasCumprod } from '../../../src/diffusion/schedulers/betas.ts';
import {
  discreteSigmas,
  karrasSigmas,
  sampleDpm2,
  sampleDpmpp2m,
  sampleEuler,
  sampleEulerAncestral,
  sampleHeun,
  sigmaToT,
  sigmasFromAlphasCumprod,
  type Denoiser,
  type SamplerOptions,
} from '../../../src/diffusion/schedulers/index.ts';
import type { Vec } from '../../../src/diffusion/schedulers/types.ts';
import { ksamplerReference, relativeError, replayNoise, toyModel, type KSamplerCase } from './reference-data.ts';

type Sampler = (d: Denoiser, x: Vec, sigmas: readonly number[], o?: SamplerOptions) => Promise<Vec>;
const SAMPLERS: Record<string, Sampler> = {
  euler: sampleEuler,
  euler_ancestral: sampleEulerAncestral,
  heun: sampleHeun,
  dpm_2: sampleDpm2,
  dpmpp_2m: sampleDpmpp2m,
};
/** k-diffusion samplers in the file we deliberately do not implement (none at present). */
const NOT_IMPLEMENTED: string[] = [];

const ref = ksamplerReference();
const trainSigmas = sigmasFromAlphasCumprod(
  trainingAlphasCumprod(resolveConfig({ beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear' }, BASE_DEFAULTS)),
);
const logSigmas = Array.from(trainSigmas, Math.log);

/** k-diffusion's DiscreteEpsDDPMDenoiser (quantize off) around the toy epsilon model: x - sigma·eps(x/sqrt(sigma²+1), t(sigma)). */
const denoiser: Denoiser = (x, sigma) => {
  const scale = 1 / Math.sqrt(sigma * sigma + 1);
  const eps = toyModel(Array.from(x, (v) => v * scale), sigmaToT(sigma, logSigmas));
  return x.map((v, j) => v - sigma * eps[j]);
};

const scheduleOf = (c: KSamplerCase) =>
  c.schedule === 'karras' ? karrasSigmas(c.steps, trainSigmas[0], trainSigmas[trainSigmas.length - 1]) : discreteSigmas(c.steps, trainSigmas);

describe('k-diffusion reference trajectories', () => {
  it('covers every sampler in the reference file, by an implementation or an explicit skip', () => {
    const inFile = [...new Set(ref.cases.map((c) => c.sampler))].sort();
    expect(inFile).toEqual([...Object.keys(SAMPLERS), ...NOT_IMPLEMENTED].sort());
    console.log(`k-diffusion reference: ${ref.cases.length} cases checked, 0 skipped`);
  });

  it.each(ref.cases.map((c) => [`${c.schedule} ${c.steps} steps ${c.sampler}`, c] as const))(
    '%s: same sigmas, first denoised estimate and x_final',
    async (_, c) => {
      const sigmas = scheduleOf(c);
      expect(sigmas).toHaveLength(c.sigmas.length);
      expect(relativeError(sigmas, c.sigmas)).toBeLessThan(1e-12);
      const noise = replayNoise(c.noise_used);
      const firstDenoised: Vec[] = [];
      const x = await SAMPLERS[c.sampler](denoiser, Float64Array.from(c.x_initial), sigmas, {
        noise: noise.source,
        callback: ({ i, denoised }) => {
          if (i === 0) firstDenoised.push(denoised);
        },
      });
      expect(relativeError(firstDenoised[0], c.denoised_per_step_first)).toBeLessThan(1e-10);
      expect(relativeError(x, c.x_final)).toBeLessThan(1e-4);
      expect(noise.used()).toBe(c.noise_used?.length ?? 0);
    },
  );

  it('calls back once per step with the step index and sigma, and accepts an async denoiser', async () => {
    const sigmas = karrasSigmas(5, 0.03, 14.6);
    const seen: [number, number][] = [];
    const asyncDenoiser: Denoiser = async (x, s) => denoiser(x, s);
    await sampleDpmpp2m(asyncDenoiser, new Float64Array(64).fill(1), sigmas, { callback: ({ i, sigma }) => void seen.push([i, sigma]) });
    expect(seen).toEqual(sigmas.slice(0, -1).map((s, i) => [i, s]));
  });

  it('keeps the array type it was given (float32 in, float32 out)', async () => {
    const x = await sampleHeun(denoiser, new Float32Array(64).fill(3), karrasSigmas(3, 0.03, 3));
    expect(x).toBeInstanceOf(Float32Array);
  });
});
