/**
 * Reads `scheduler_config.json` the way diffusers' `from_config` does: absent (or null) keys take
 * the defaults of the scheduler class being built, not those of the class that wrote the file. So
 * an SD 1.5 config (written for PNDM, no `timestep_spacing`) gives Euler diffusers' Euler default,
 * `linspace`, exactly as `EulerDiscreteScheduler.from_config(pipe.scheduler.config)` would.
 */
import type { SchedulerConfig } from './types.ts';

export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';
export type TimestepSpacing = 'leading' | 'linspace' | 'trailing';
export type BetaScheduleName = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';

export const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'v_prediction', 'sample'];
export const TIMESTEP_SPACINGS: readonly TimestepSpacing[] = ['leading', 'linspace', 'trailing'];
export const BETA_SCHEDULES: readonly BetaScheduleName[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2'];

/** Every setting the schedulers here read, with its value decided. */
export interface ResolvedConfig {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaScheduleName;
  trainedBetas: number[] | null;
  predictionType: PredictionType;
  timestepSpacing: TimestepSpacing;
  stepsOffset: number;
  setAlphaToOne: boolean;
  clipSample: boolean;
  clipSampleRange: number;
  useKarrasSigmas: boolean;
  /** Euler's sigma interpolation; only diffusers' default, `linear`, is implemented. */
  interpolationType: 'linear';
  rescaleBetasZeroSnr: boolean;
  /** LCM only. */
  originalInferenceSteps: number;
  /** LCM only. */
  timestepScaling: number;
}

/** diffusers' defaults shared by DDIM, Euler, Euler ancestral and DPM-Solver; each class overrides some. */
export const BASE_DEFAULTS: ResolvedConfig = {
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: 'linear',
  trainedBetas: null,
  predictionType: 'epsilon',
  timestepSpacing: 'linspace',
  stepsOffset: 0,
  setAlphaToOne: true,
  clipSample: true,
  clipSampleRange: 1,
  useKarrasSigmas: false,
  interpolationType: 'linear',
  rescaleBetasZeroSnr: false,
  originalInferenceSteps: 50,
  timestepScaling: 10,
};

function pick<T>(config: SchedulerConfig, key: string, fallback: T, check: (v: unknown) => v is T, expected: string): T {
  const v = config[key];
  if (v === undefined || v === null) return fallback;
  if (!check(v)) throw new Error(`scheduler config "${key}" must be ${expected}, got ${JSON.stringify(v)}`);
  return v;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isPositiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
const isNonNegativeInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const oneOf =
  <T extends string>(allowed: readonly T[]) =>
  (v: unknown): v is T =>
    typeof v === 'string' && (allowed as readonly string[]).includes(v);
const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNumber);

/** Resolve `config` over `defaults` (the class's own defaults), checking every value it reads. */
export function resolveConfig(config: SchedulerConfig, defaults: ResolvedConfig): ResolvedConfig {
  const list = (xs: readonly string[]) => `one of ${xs.join(', ')}`;
  const r: ResolvedConfig = {
    numTrainTimesteps: pick(config, 'num_train_timesteps', defaults.numTrainTimesteps, isPositiveInt, 'a positive integer'),
    betaStart: pick(config, 'beta_start', defaults.betaStart, isNumber, 'a number'),
    betaEnd: pick(config, 'beta_end', defaults.betaEnd, isNumber, 'a number'),
    betaSchedule: pick(config, 'beta_schedule', defaults.betaSchedule, oneOf(BETA_SCHEDULES), list(BETA_SCHEDULES)),
    trainedBetas: pick(config, 'trained_betas', defaults.trainedBetas, isNumberArray, 'an array of numbers'),
    predictionType: pick(config, 'prediction_type', defaults.predictionType, oneOf(PREDICTION_TYPES), list(PREDICTION_TYPES)),
    timestepSpacing: pick(config, 'timestep_spacing', defaults.timestepSpacing, oneOf(TIMESTEP_SPACINGS), list(TIMESTEP_SPACINGS)),
    stepsOffset: pick(config, 'steps_offset', defaults.stepsOffset, isNonNegativeInt, 'a non-negative integer'),
    setAlphaToOne: pick(config, 'set_alpha_to_one', defaults.setAlphaToOne, isBool, 'true or false'),
    clipSample: pick(config, 'clip_sample', defaults.clipSample, isBool, 'true or false'),
    clipSampleRange: pick(config, 'clip_sample_range', defaults.clipSampleRange, isNumber, 'a number'),
    useKarrasSigmas: pick(config, 'use_karras_sigmas', defaults.useKarrasSigmas, isBool, 'true or false'),
    interpolationType: pick(config, 'interpolation_type', defaults.interpolationType, oneOf(['linear'] as const), 'linear (log_linear is not implemented)'),
    rescaleBetasZeroSnr: pick(config, 'rescale_betas_zero_snr', defaults.rescaleBetasZeroSnr, isBool, 'true or false'),
    originalInferenceSteps: pick(config, 'original_inference_steps', defaults.originalInferenceSteps, isPositiveInt, 'a positive integer'),
    timestepScaling: pick(config, 'timestep_scaling', defaults.timestepScaling, isNumber, 'a number'),
  };
  if (r.trainedBetas && r.trainedBetas.length !== r.numTrainTimesteps) {
    throw new Error(
      `scheduler config "trained_betas" must have num_train_timesteps (${r.numTrainTimesteps}) values, got ${r.trainedBetas.length}`,
    );
  }
  return r;
}
