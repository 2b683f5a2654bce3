/**
 * DPM-Solver++ 2M: diffusers' DPMSolverMultistepScheduler with algorithm_type dpmsolver++,
 * solver_order 2, midpoint solver type (Lu et al. 2022, arXiv:2211.01095). Optionally on Karras
 * sigmas (A1111's "DPM++ 2M Karras"). The sample is variance-preserving (unit init noise); the
 * update itself is the sigma-space one k-diffusion's sample_dpmpp_2m uses, rescaled.
 */
import { BASE_DEFAULTS, resolveConfig, type ResolvedConfig } from './config.ts';
import { trainingAlphasCumprod } from './betas.ts';
import { vpFromSigma, x0Coefficients } from './prediction.ts';
import { dpmpp2mCoefficients } from './sigma-updates.ts';
import { interpAtTimestep, karrasRamp, sigmaToT, sigmasFromAlphasCumprod } from './sigmas.ts';
import { dpmSolverTimesteps, roundHalfEven } from './spacing.ts';
import type { Scheduler, SchedulerConfig, StepResult, Vec } from './types.ts';
import { allocLike, checkSameLength, checkStepIndex, combine, combine3, copyOf } from './vec.ts';

export class DPMSolverMultistepScheduler implements Scheduler {
  readonly timesteps: readonly number[];
  /** One sigma (VE noise level) per step plus the final 0. */
  readonly sigmas: readonly number[];
  readonly initNoiseSigma = 1;
  readonly #cfg: ResolvedConfig;
  /** The x0 estimate of the last step taken, and its index: second order needs the one just before. */
  #previous: { i: number; denoised: Vec } | null = null;

  constructor(config: SchedulerConfig, steps: number) {
    const cfg = resolveConfig(config, { ...BASE_DEFAULTS, timestepSpacing: 'linspace' });
    this.#cfg = cfg;
    const alphasCumprod = trainingAlphasCumprod(cfg);
    if (cfg.rescaleBetasZeroSnr) alphasCumprod[alphasCumprod.length - 1] = 2 ** -24;
    const trainSigmas = sigmasFromAlphasCumprod(alphasCumprod);

    let timesteps = dpmSolverTimesteps(cfg.timestepSpacing, steps, cfg.numTrainTimesteps, cfg.stepsOffset);
    let sigmas: number[];
    if (cfg.useKarrasSigmas) {
      // Karras sigmas between the training extremes; the model is then run at the nearest integer timestep.
      sigmas = karrasRamp(steps, trainSigmas[0], trainSigmas[trainSigmas.length - 1]);
      const logSigmas = Array.from(trainSigmas, Math.log);
      timesteps = sigmas.map((s) => roundHalfEven(sigmaToT(s, logSigmas)));
    } else {
      sigmas = timesteps.map((t) => interpAtTimestep(t, trainSigmas));
    }
    this.timesteps = timesteps;
    this.sigmas = [...sigmas, 0];
  }

  /** The sample goes to the model unscaled (returned as is, not copied). */
  scaleModelInput(sample: Vec, i: number): Vec {
    checkStepIndex(i, this.timesteps.length);
    return sample;
  }

  step(modelOutput: Vec, i: number, sample: Vec): StepResult {
    checkStepIndex(i, this.timesteps.length);
    checkSameLength('model output', sample.length, modelOutput);
    const sigma = this.sigmas[i];
    const sigmaNext = this.sigmas[i + 1];
    const here = vpFromSigma(sigma);
    const next = vpFromSigma(sigmaNext);
    const [a, b] = x0Coefficients(this.#cfg.predictionType, here.alpha, here.sigma);
    const denoised = combine(allocLike(sample), a, sample, b, modelOutput);

    // Multistep: second order only right after step i-1 (img2img starts fresh, like diffusers' lower_order_nums).
    const previous = this.#previous?.i === i - 1 ? this.#previous.denoised : null;
    const c = dpmpp2mCoefficients(sigma, sigmaNext, previous ? this.sigmas[i - 1] : undefined);
    // The update is in sigma space (x / alpha); bring the VP sample there and back.
    const xScale = (c.x * next.alpha) / here.alpha;
    const prevSample = previous
      ? combine3(allocLike(sample), xScale, sample, c.denoised * next.alpha, denoised, c.previous * next.alpha, previous)
      : combine(allocLike(sample), xScale, sample, c.denoised * next.alpha, denoised);
    // Keep our own copy: the caller may reuse or edit the denoised it is handed.
    this.#previous = { i, denoised: copyOf(denoised) };
    return { prevSample, denoised };
  }

  /** Noise x0 to sigma_i in VP form: alpha·x0 + sigma_vp·noise. */
  addNoise(original: Vec, noise: Vec, i: number): Vec {
    checkStepIndex(i, this.timesteps.length);
    checkSameLength('noise', original.length, noise);
    const { alpha, sigma } = vpFromSigma(this.sigmas[i]);
    return combine(allocLike(original), alpha, original, sigma, noise);
  }
}
