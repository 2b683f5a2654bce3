/**
 * Latent Consistency Model sampler: diffusers' LCMScheduler (Luo et al. 2023, "Latent Consistency
 * Models", alg. 3). Each step jumps to a full x0 estimate, then re-noises it to the next timestep
 * with fresh noise from the injected source; the last step returns the estimate itself.
 */
import { BASE_DEFAULTS, resolveConfig, type ResolvedConfig } from './config.ts';
import { trainingAlphasCumprod } from './betas.ts';
import { drawNoise, mathRandomNoise } from './noise.ts';
import { x0Coefficients } from './prediction.ts';
import type { NoiseSource, Scheduler, SchedulerConfig, StepResult, Vec } from './types.ts';
import { allocLike, checkSameLength, checkStepIndex, clampInPlace, combine } from './vec.ts';
import { noiseToAlphaBar } from './vp-updates.ts';

/** Consistency-model boundary condition at sigma_data = 0.5 (Song et al. 2023, "Consistency Models", eq. 7 as in LCM's discrete form). */
function boundaryScalings(timestep: number, timestepScaling: number): { cSkip: number; cOut: number } {
  const sigmaData = 0.5;
  const t = timestep * timestepScaling;
  return { cSkip: sigmaData ** 2 / (t ** 2 + sigmaData ** 2), cOut: t / Math.sqrt(t ** 2 + sigmaData ** 2) };
}

/**
 * LCM's timesteps: the distillation schedule (original_inference_steps points, every N/orig-th
 * training timestep ending at N-1), of which n are picked evenly from the top.
 */
export function lcmTimesteps(steps: number, trainSteps: number, originalSteps: number): number[] {
  if (steps > originalSteps) {
    throw new Error(`lcm sampling needs steps <= original_inference_steps (${originalSteps}), got ${steps}`);
  }
  const k = Math.floor(trainSteps / originalSteps);
  const origin = Array.from({ length: originalSteps }, (_, j) => (originalSteps - j) * k - 1);
  // j·(orig/n), not (j·orig)/n: numpy's linspace(0, orig, n, endpoint=False), floored, rounds this way.
  const stride = originalSteps / steps;
  return Array.from({ length: steps }, (_, j) => origin[Math.floor(j * stride)]);
}

export class LCMScheduler implements Scheduler {
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1;
  readonly #cfg: ResolvedConfig;
  readonly #alphasCumprod: Float64Array;
  readonly #noise: NoiseSource;

  constructor(config: SchedulerConfig, steps: number, options: { noise?: NoiseSource } = {}) {
    const cfg = resolveConfig(config, {
      ...BASE_DEFAULTS,
      betaStart: 0.00085,
      betaEnd: 0.012,
      betaSchedule: 'scaled_linear',
      clipSample: false,
      timestepSpacing: 'leading',
    });
    this.#cfg = cfg;
    this.#alphasCumprod = trainingAlphasCumprod(cfg);
    this.timesteps = lcmTimesteps(steps, cfg.numTrainTimesteps, cfg.originalInferenceSteps);
    this.#noise = options.noise ?? mathRandomNoise;
  }

  /** The sample goes to the model unscaled (returned as is, not copied). */
  scaleModelInput(sample: Vec, i: number): Vec {
    checkStepIndex(i, this.timesteps.length);
    return sample;
  }

  step(modelOutput: Vec, i: number, sample: Vec): StepResult {
    checkStepIndex(i, this.timesteps.length);
    checkSameLength('model output', sample.length, modelOutput);
    const t = this.timesteps[i];
    const abar = this.#alphasCumprod[t];
    const [a, b] = x0Coefficients(this.#cfg.predictionType, Math.sqrt(abar), Math.sqrt(1 - abar));
    const predicted = combine(allocLike(sample), a, sample, b, modelOutput);
    if (this.#cfg.clipSample) clampInPlace(predicted, this.#cfg.clipSampleRange);
    const { cSkip, cOut } = boundaryScalings(t, this.#cfg.timestepScaling);
    const denoised = combine(predicted, cOut, predicted, cSkip, sample);
    if (i === this.timesteps.length - 1) return { prevSample: denoised, denoised };
    const noise = drawNoise(this.#noise, sample.length);
    const prevSample = noiseToAlphaBar(allocLike(sample), denoised, noise, this.#alphasCumprod[this.timesteps[i + 1]]);
    return { prevSample, denoised };
  }

  /** Noise x0 to timestep t_i: sqrt(alpha_bar)·x0 + sqrt(1 - alpha_bar)·noise. */
  addNoise(original: Vec, noise: Vec, i: number): Vec {
    checkStepIndex(i, this.timesteps.length);
    checkSameLength('noise', original.length, noise);
    return noiseToAlphaBar(allocLike(original), original, noise, this.#alphasCumprod[this.timesteps[i]]);
  }
}
