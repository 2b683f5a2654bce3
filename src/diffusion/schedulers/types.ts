/**
 * The small interface every scheduler shares, after diffusers' SchedulerMixin: the pipeline
 * only ever calls these, so a new sampler is one file that implements them.
 */

/** Arrays the schedulers work on: Float32Array in the pipeline, Float64Array in the golden tests. */
export type Vec = Float32Array | Float64Array;

/** `scheduler/scheduler_config.json`, as diffusers reads it (snake_case keys, all optional). */
export interface SchedulerConfig {
  num_train_timesteps?: number;
  beta_start?: number;
  beta_end?: number;
  beta_schedule?: 'linear' | 'scaled_linear' | 'squaredcos_cap_v2' | string;
  trained_betas?: number[] | null;
  prediction_type?: 'epsilon' | 'v_prediction' | 'sample' | string;
  timestep_spacing?: 'leading' | 'linspace' | 'trailing' | string;
  steps_offset?: number;
  set_alpha_to_one?: boolean;
  clip_sample?: boolean;
  clip_sample_range?: number;
  use_karras_sigmas?: boolean;
  interpolation_type?: string;
  rescale_betas_zero_snr?: boolean;
  [key: string]: unknown;
}

/** Gaussian noise for the k-th draw of a run, the length of the latent batch. Injectable so tests can feed known noise. */
export type NoiseSource = (length: number) => Vec;

export interface StepResult {
  /** x_{t-1}: the sample to feed the next step. */
  prevSample: Vec;
  /** The model's current estimate of the clean sample (x_0): what previews show. */
  denoised: Vec;
}

export interface Scheduler {
  /** Model timesteps for each step, in sampling order (may be fractional for sigma-interpolating samplers). */
  readonly timesteps: readonly number[];
  /** Sigma-space schedulers only: the noise level (x = x0 + sigma·eps) of each step, plus the final one. */
  readonly sigmas?: readonly number[];
  /** Standard deviation of the initial noise (pure noise is multiplied by this). */
  readonly initNoiseSigma: number;
  /** Scale the sample before it is given to the model at step `i` (e.g. / sqrt(sigma^2 + 1) for Euler). */
  scaleModelInput(sample: Vec, i: number): Vec;
  /** One reverse step from step `i` given the model output at that step. */
  step(modelOutput: Vec, i: number, sample: Vec): StepResult;
  /** Noise a clean sample to the noise level of step `i` (img2img starts there). */
  addNoise(original: Vec, noise: Vec, i: number): Vec;
}
