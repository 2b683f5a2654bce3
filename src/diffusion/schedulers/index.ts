/**
 * The sampler menu: builds the scheduler the pipeline runs for a sampler name, and exports the
 * names with a line each for help texts, plus the k-diffusion-style functions and schedules.
 */
import type { SamplerName } from '../types.ts';
import { DDIMScheduler } from './ddim.ts';
import { DPMSolverMultistepScheduler } from './dpm-solver-multistep.ts';
import { EulerAncestralDiscreteScheduler } from './euler-ancestral.ts';
import { EulerDiscreteScheduler } from './euler.ts';
import { LCMScheduler } from './lcm.ts';
import type { NoiseSource, Scheduler, SchedulerConfig } from './types.ts';

export type { NoiseSource, Scheduler, SchedulerConfig, StepResult, Vec } from './types.ts';
export { img2imgStartIndex } from './img2img.ts';
export { DDIMScheduler } from './ddim.ts';
export { DPMSolverMultistepScheduler } from './dpm-solver-multistep.ts';
export { EulerAncestralDiscreteScheduler } from './euler-ancestral.ts';
export { EulerDiscreteScheduler } from './euler.ts';
export { LCMScheduler } from './lcm.ts';
export { mathRandomNoise } from './noise.ts';
export { discreteSigmas, karrasSigmas, sigmaToT, sigmasFromAlphasCumprod, tToSigma } from './sigmas.ts';
export {
  sampleDpm2,
  sampleDpmpp2m,
  sampleEuler,
  sampleEulerAncestral,
  sampleHeun,
  type Denoiser,
  type SamplerOptions,
  type SamplerStep,
} from './k-samplers.ts';

export const MAX_STEPS = 1000;

/** Every sampler name with one line for help texts, in menu order. */
export const SAMPLERS: readonly { readonly name: SamplerName; readonly description: string }[] = [
  { name: 'euler', description: 'Euler: fast and predictable, a good default' },
  { name: 'euler-a', description: 'Euler ancestral: adds fresh noise each step; varied, never settles' },
  { name: 'ddim', description: 'DDIM: deterministic, the original SD sampler' },
  { name: 'dpmpp-2m', description: 'DPM++ 2M: second order, sharp in 20-30 steps' },
  { name: 'dpmpp-2m-karras', description: 'DPM++ 2M Karras: DPM++ 2M on Karras sigmas, good at low step counts' },
  { name: 'lcm', description: 'LCM: for latent-consistency / turbo models, 2-8 steps, guidance 1' },
];

export const SAMPLER_NAMES: readonly SamplerName[] = SAMPLERS.map((s) => s.name);

export interface SchedulerOptions {
  /** Gaussian noise for the stochastic samplers (euler-a, ddim with eta > 0, lcm). */
  noise?: NoiseSource;
  /** Noise scale: DDIM's eta (default 0), Euler ancestral's (default 1); ignored by the others. */
  eta?: number;
}

/** Build the scheduler for `name` from the model's scheduler_config.json, set to `steps` steps. */
export function createScheduler(
  name: SamplerName,
  config: SchedulerConfig,
  steps: number,
  options: SchedulerOptions = {},
): Scheduler {
  if (!SAMPLER_NAMES.includes(name)) {
    throw new Error(`unknown sampler ${JSON.stringify(name)}; expected one of ${SAMPLER_NAMES.join(', ')}`);
  }
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS) {
    throw new Error(`steps must be an integer from 1 to ${MAX_STEPS}, got ${steps}`);
  }
  const { noise, eta } = options;
  if (eta !== undefined && !(eta >= 0 && eta <= 1)) {
    throw new Error(`eta must be a number from 0 to 1, got ${eta}`);
  }
  switch (name) {
    case 'euler':
      return new EulerDiscreteScheduler(config, steps);
    case 'euler-a':
      return new EulerAncestralDiscreteScheduler(config, steps, { noise, eta });
    case 'ddim':
      return new DDIMScheduler(config, steps, { noise, eta });
    case 'dpmpp-2m':
      return new DPMSolverMultistepScheduler({ ...config, use_karras_sigmas: false }, steps);
    case 'dpmpp-2m-karras':
      return new DPMSolverMultistepScheduler({ ...config, use_karras_sigmas: true }, steps);
    case 'lcm':
      return new LCMScheduler(config, steps, { noise });
  }
}
