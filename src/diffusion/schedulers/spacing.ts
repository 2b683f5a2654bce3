/**
 * Which training timesteps an n-step run visits, per diffusers' `timestep_spacing`:
 * `leading` (original SD/DDIM: multiples of N/n, plus steps_offset), `linspace` (evenly from 0 to
 * N-1), `trailing` (from N-1 down; Lin et al. 2023, table 2). Largest timestep first.
 */
import type { TimestepSpacing } from './config.ts';
import { linspace } from './betas.ts';

/** numpy's round(): halves go to the even neighbour (2.5 -> 2, 3.5 -> 4), unlike Math.round. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * `trailing`: round(N - k·N/n) - 1 for k = 0..n-1. diffusers builds it with
 * np.arange(N, 0, -N/n), which for some n (61, 103, ...) has n+1 entries because N/(N/n) rounds
 * above n; the extra one is timestep -1. We keep the n it was asked for.
 */
function trailing(steps: number, top: number, ratio: number): number[] {
  return Array.from({ length: steps }, (_, k) => roundHalfEven(top - k * ratio) - 1);
}

/**
 * Integer timesteps of DDIMScheduler.set_timesteps (and the base of Euler's, before its float32 cast).
 * `roundLinspace` false keeps linspace's fractional values (Euler interpolates sigmas there).
 */
export function spacedTimesteps(
  spacing: TimestepSpacing,
  steps: number,
  trainSteps: number,
  stepsOffset: number,
  roundLinspace = true,
): number[] {
  if (spacing === 'linspace') {
    const ts = linspace(0, trainSteps - 1, steps).reverse();
    return roundLinspace ? ts.map(roundHalfEven) : ts;
  }
  if (spacing === 'leading') {
    const ratio = Math.floor(trainSteps / steps);
    return Array.from({ length: steps }, (_, k) => (steps - 1 - k) * ratio + stepsOffset);
  }
  return trailing(steps, trainSteps, trainSteps / steps);
}

/**
 * DPMSolverMultistepScheduler.set_timesteps: like the above but linspace and leading space n+1
 * points and drop the last (timestep 0), so the final step still has somewhere to go.
 */
export function dpmSolverTimesteps(spacing: TimestepSpacing, steps: number, trainSteps: number, stepsOffset: number): number[] {
  if (spacing === 'linspace') {
    return linspace(0, trainSteps - 1, steps + 1).reverse().slice(0, steps).map(roundHalfEven);
  }
  if (spacing === 'leading') {
    const ratio = Math.floor(trainSteps / (steps + 1));
    return Array.from({ length: steps }, (_, k) => (steps - k) * ratio + stepsOffset);
  }
  return trailing(steps, trainSteps, trainSteps / steps);
}
