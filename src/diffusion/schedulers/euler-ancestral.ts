/**
 * Euler ancestral sampler ("Euler a"): diffusers' EulerAncestralDiscreteScheduler. Each step is an
 * Euler step to a lower sigma plus fresh noise back up to the next sigma, so it never converges
 * to one image as steps grow; the noise comes only from the injected source.
 */
import { EulerDiscreteScheduler } from './euler.ts';
import { drawNoise, mathRandomNoise } from './noise.ts';
import { ancestralStep, eulerUpdate } from './sigma-updates.ts';
import type { NoiseSource, SchedulerConfig, StepResult, Vec } from './types.ts';
import { addScaled, allocLike } from './vec.ts';

export class EulerAncestralDiscreteScheduler extends EulerDiscreteScheduler {
  readonly #noise: NoiseSource;
  readonly #eta: number;

  /** `eta` scales the added noise (k-diffusion's eta; 1 is diffusers' sampler, 0 is plain Euler). */
  constructor(config: SchedulerConfig, steps: number, options: { noise?: NoiseSource; eta?: number } = {}) {
    super(config, steps, false);
    this.#noise = options.noise ?? mathRandomNoise;
    this.#eta = options.eta ?? 1;
  }

  override step(modelOutput: Vec, i: number, sample: Vec): StepResult {
    const denoised = this.denoise(modelOutput, i, sample);
    const { sigmaDown, sigmaUp } = ancestralStep(this.sigmas[i], this.sigmas[i + 1], this.#eta);
    const prevSample = eulerUpdate(allocLike(sample), sample, denoised, this.sigmas[i], sigmaDown);
    // diffusers also draws (and multiplies by 0) on the last step; skipping it changes nothing else.
    if (sigmaUp > 0) addScaled(prevSample, sigmaUp, drawNoise(this.#noise, sample.length));
    return { prevSample, denoised };
  }
}
