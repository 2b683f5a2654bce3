/** The golden scheduler/sampler trajectories in test/fixtures/reference, typed, plus the toy model they were made with. */
import { readFileSync } from 'node:fs';
import type { SchedulerConfig } from '../../../src/diffusion/schedulers/types.ts';
import { fixturePath } from '../../support/repo-paths.ts';

export interface DiffusersCase {
  scheduler: string;
  config: SchedulerConfig;
  step_kwargs: { eta?: number };
  steps: number;
  timesteps: number[];
  sigmas?: number[];
  init_noise_sigma: number;
  x_initial: number[];
  noise_draws: number[][];
  trace: { t: number; x_first8: number[] }[];
  x_final: number[];
}

export interface KSamplerCase {
  schedule: 'karras' | 'discrete';
  steps: number;
  sampler: string;
  sigmas: number[];
  x_initial: number[];
  noise_used: number[][] | null;
  denoised_per_step_first: number[];
  x_final: number[];
}

function load<T>(name: string): { cases: T[] } {
  return JSON.parse(readFileSync(fixturePath('reference', name), 'utf8')) as { cases: T[] };
}

export const diffusersReference = () => load<DiffusersCase>('diffusers-scheduler-reference.json');
export const ksamplerReference = () => load<KSamplerCase>('ksampler-reference.json');

/** The reference files' model: m(x, t) = tanh(x)·t/1000 + 0.05·cos(3x), elementwise. */
export function toyModel(x: ArrayLike<number>, t: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) out[j] = Math.tanh(x[j]) * (t / 1000) + 0.05 * Math.cos(3 * x[j]);
  return out;
}

/** A noise source that replays `draws` in order and counts how many were taken. */
export function replayNoise(draws: number[][] | null): { source: (n: number) => Float64Array; used: () => number } {
  let k = 0;
  return {
    source: (n: number) => {
      const d = draws?.[k];
      if (!d || d.length !== n) throw new Error(`reference has no noise draw ${k} of length ${n}`);
      k++;
      return Float64Array.from(d);
    },
    used: () => k,
  };
}

/** max |actual - expected| over max |expected|: the "relative" error the reference README means. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length < expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let j = 0; j < expected.length; j++) {
    diff = Math.max(diff, Math.abs(actual[j] - expected[j]));
    scale = Math.max(scale, Math.abs(expected[j]));
  }
  return diff / Math.max(scale, 1e-12);
}
