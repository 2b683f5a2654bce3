/**
 * Euler sampler: diffusers' EulerDiscreteScheduler (Karras et al. 2022, alg. 2 without churn).
 * Works in sigma space: the sample is x0 + sigma·eps, the model sees it scaled to unit variance.
 */
import { BASE_DEFAULTS, resolveConfig, type ResolvedConfig } from './config.ts';
import { trainingAlphasCumprod } from './betas.ts';
import { sigmaSpaceX0Coefficients } from './prediction.ts';
import { eulerUpdate } from './sigma-updates.ts';
import { interpAtTimestep, karrasRamp, sigmaToT, sigmasFromAlphasCumprod } from './sigmas.ts';
import { spacedTimesteps } from './spacing.ts';
import type { Scheduler, SchedulerConfig, StepResult, Vec } from './types.ts';
import { addScaled, allocLike, checkSameLength, checkStepIndex, combine, copyOf } from './vec.ts';

export class EulerDiscreteScheduler implements Scheduler {
  readonly timesteps: readonly number[];
  /** One sigma per step plus the final 0. */
  readonly sigmas: readonly number[];
  readonly initNoiseSigma: number;
  protected readonly config: ResolvedConfig;

  /** `karras` false ignores config.use_karras_sigmas (diffusers' Euler ancestral has no such option). */
  constructor(config: SchedulerConfig, steps: number, karras = true) {
    const cfg = resolveConfig(config, { ...BASE_DEFAULTS, timestepSpacing: 'linspace' });
    this.config = cfg;
    const alphasCumprod = trainingAlphasCumprod(cfg);
    // Zero terminal SNR makes the last sigma infinite; diffusers substitutes 2^-24 for alpha_bar there.
    if (cfg.rescaleBetasZeroSnr) alphasCumprod[alphasCumprod.length - 1] = 2 ** -24;
    const trainSigmas = sigmasFromAlphasCumprod(alphasCumprod);

    // diffusers keeps these timesteps as float32 (linspace ones are fractional), and so does the UNet input.
    let timesteps = spacedTimesteps(cfg.timestepSpacing, steps, cfg.numTrainTimesteps, cfg.stepsOffset, false).map(Math.fround);
    let sigmas = timesteps.map((t) => interpAtTimestep(t, trainSigmas));
    if (karras && cfg.useKarrasSigmas) {
      sigmas = karrasRamp(steps, sigmas[sigmas.length - 1], sigmas[0]);
      const logSigmas = Array.from(trainSigmas, Math.log);
      timesteps = sigmas.map((s) => Math.fround(sigmaToT(s, logSigmas)));
    }
    this.timesteps = timesteps;
    this.sigmas = [...sigmas, 0];
    const maxSigma = Math.max(...sigmas);
    // With `leading` spacing the largest sigma is not the training maximum, and diffusers adds unit variance.
    this.initNoiseSigma = cfg.timestepSpacing === 'leading' ? Math.sqrt(maxSigma ** 2 + 1) : maxSigma;
  }

  /** Divide by sqrt(sigma² + 1): the model was trained on unit-variance (VP) inputs. */
  scaleModelInput(sample: Vec, i: number): Vec {
    checkStepIndex(i, this.timesteps.length);
    const k = 1 / Math.sqrt(this.sigmas[i] ** 2 + 1);
    const out = allocLike(sample);
    for (let j = 0; j < out.length; j++) out[j] = sample[j] * k;
    return out;
  }

  step(modelOutput: Vec, i: number, sample: Vec): StepResult {
    const denoised = this.denoise(modelOutput, i, sample);
    const prevSample = eulerUpdate(allocLike(sample), sample, denoised, this.sigmas[i], this.sigmas[i + 1]);
    return { prevSample, denoised };
  }

  /** x0 + sigma_i·noise. */
  addNoise(original: Vec, noise: Vec, i: number): Vec {
    checkStepIndex(i, this.timesteps.length);
    checkSameLength('noise', original.length, noise);
    return addScaled(copyOf(original), this.sigmas[i], noise);
  }

  /** The x0 estimate at step i from the model output. */
  protected denoise(modelOutput: Vec, i: number, sample: Vec): Vec {
    checkStepIndex(i, this.timesteps.length);
    checkSameLength('model output', sample.length, modelOutput);
    const [a, b] = sigmaSpaceX0Coefficients(this.config.predictionType, this.sigmas[i]);
    return combine(allocLike(sample), a, sample, b, modelOutput);
  }
}
