/**
 * DDIM sampler: diffusers' DDIMScheduler (Song et al. 2020, "Denoising Diffusion Implicit Models",
 * eq. 12). eta 0 is deterministic; eta 1 adds DDPM-sized noise from the injected source.
 */
import { BASE_DEFAULTS, resolveConfig, type ResolvedConfig } from './config.ts';
import { trainingAlphasCumprod } from './betas.ts';
import { drawNoise, mathRandomNoise } from './noise.ts';
import { epsCoefficients, x0Coefficients } from './prediction.ts';
import { spacedTimesteps } from './spacing.ts';
import type { NoiseSource, Scheduler, SchedulerConfig, StepResult, Vec } from './types.ts';
import { addScaled, allocLike, checkSameLength, checkStepIndex, clampInPlace, combine } from './vec.ts';
import { noiseToAlphaBar } from './vp-updates.ts';

export class DDIMScheduler implements Scheduler {
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1;
  readonly #cfg: ResolvedConfig;
  readonly #alphasCumprod: Float64Array;
  /** alpha_bar "before" timestep 0: 1 (clean) with set_alpha_to_one, else alpha_bar_0. */
  readonly #finalAlphaCumprod: number;
  /** diffusers steps back a fixed N // n from each timestep, whatever the spacing. */
  readonly #stride: number;
  readonly #eta: number;
  readonly #noise: NoiseSource;

  constructor(config: SchedulerConfig, steps: number, options: { noise?: NoiseSource; eta?: number } = {}) {
    const cfg = resolveConfig(config, { ...BASE_DEFAULTS, timestepSpacing: 'leading' });
    this.#cfg = cfg;
    this.#alphasCumprod = trainingAlphasCumprod(cfg);
    this.#finalAlphaCumprod = cfg.setAlphaToOne ? 1 : this.#alphasCumprod[0];
    this.timesteps = spacedTimesteps(cfg.timestepSpacing, steps, cfg.numTrainTimesteps, cfg.stepsOffset);
    this.#stride = Math.floor(cfg.numTrainTimesteps / steps);
    this.#eta = options.eta ?? 0;
    this.#noise = options.noise ?? mathRandomNoise;
  }

  /** DDIM feeds the sample to the model unscaled (returned as is, not copied). */
  scaleModelInput(sample: Vec, i: number): Vec {
    checkStepIndex(i, this.timesteps.length);
    return sample;
  }

  step(modelOutput: Vec, i: number, sample: Vec): StepResult {
    checkStepIndex(i, this.timesteps.length);
    checkSameLength('model output', sample.length, modelOutput);
    const t = this.timesteps[i];
    // With linspace/trailing spacing this is not the next timestep in the list: diffusers' behaviour, kept.
    const prevT = t - this.#stride;
    const abar = this.#alphasCumprod[t];
    const abarPrev = prevT >= 0 ? this.#alphasCumprod[prevT] : this.#finalAlphaCumprod;
    const alpha = Math.sqrt(abar);
    const sigma = Math.sqrt(1 - abar);

    const type = this.#cfg.predictionType;
    const [xa, xb] = x0Coefficients(type, alpha, sigma);
    const denoised = combine(allocLike(sample), xa, sample, xb, modelOutput);
    const [ea, eb] = epsCoefficients(type, alpha, sigma);
    // eps comes from the unclipped prediction (diffusers' use_clipped_model_output=False).
    const eps = combine(allocLike(sample), ea, sample, eb, modelOutput);
    if (this.#cfg.clipSample) clampInPlace(denoised, this.#cfg.clipSampleRange);

    // sigma_t(eta) of eq. 16: eta times the DDPM posterior std.
    const variance = ((1 - abarPrev) / (1 - abar)) * (1 - abar / abarPrev);
    const std = this.#eta * Math.sqrt(variance);
    const prevSample = combine(eps, Math.sqrt(abarPrev), denoised, Math.sqrt(1 - abarPrev - std * std), eps);
    if (this.#eta > 0) addScaled(prevSample, std, drawNoise(this.#noise, sample.length));
    return { prevSample, denoised };
  }

  /** Noise x0 to timestep t_i: sqrt(alpha_bar)·x0 + sqrt(1 - alpha_bar)·noise. */
  addNoise(original: Vec, noise: Vec, i: number): Vec {
    checkStepIndex(i, this.timesteps.length);
    checkSameLength('noise', original.length, noise);
    return noiseToAlphaBar(allocLike(original), original, noise, this.#alphasCumprod[this.timesteps[i]]);
  }
}
