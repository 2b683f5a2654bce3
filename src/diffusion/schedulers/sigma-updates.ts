/**
 * Per-step updates in sigma space (x = x0 + sigma·eps), shared by the diffusers-style schedulers
 * and the k-diffusion-style sampler functions: diffusers' EulerDiscreteScheduler.step and
 * k-diffusion's sample_euler are the same line, and so on for ancestral Euler and DPM-Solver++ 2M.
 */
import type { Vec } from './types.ts';

/** Euler step of the probability-flow ODE dx/dsigma = (x - D(x))/sigma from sigma to sigmaNext (Karras et al. 2022, alg. 2 without churn). */
export function eulerUpdate(out: Vec, x: ArrayLike<number>, denoised: ArrayLike<number>, sigma: number, sigmaNext: number): Vec {
  const k = (sigmaNext - sigma) / sigma;
  for (let j = 0; j < out.length; j++) out[j] = x[j] + (x[j] - denoised[j]) * k;
  return out;
}

/**
 * Ancestral split of a step sigmaFrom -> sigmaTo: an ODE step down to sigmaDown, then fresh noise of
 * std sigmaUp, so that sigmaDown² + sigmaUp² = sigmaTo² (k-diffusion get_ancestral_step; Ho et al. 2020
 * ancestral sampling). eta scales the noise: 0 is plain Euler, 1 is diffusers' Euler ancestral.
 */
export function ancestralStep(sigmaFrom: number, sigmaTo: number, eta = 1): { sigmaDown: number; sigmaUp: number } {
  if (!eta) return { sigmaDown: sigmaTo, sigmaUp: 0 };
  const sigmaUp = Math.min(sigmaTo, eta * Math.sqrt((sigmaTo ** 2 * (sigmaFrom ** 2 - sigmaTo ** 2)) / sigmaFrom ** 2));
  return { sigmaDown: Math.sqrt(sigmaTo ** 2 - sigmaUp ** 2), sigmaUp };
}

/** x_next = x·coef.x + denoised·coef.denoised + previous·coef.previous. */
export interface MultistepCoefficients {
  x: number;
  denoised: number;
  previous: number;
}

/**
 * DPM-Solver++(2M) step sigma -> sigmaNext in sigma space (Lu et al. 2022, arXiv:2211.01095, alg. 2),
 * with lambda = -log(sigma). Second order when the previous step's sigma (and its denoised
 * estimate) is known and sigmaNext > 0; first order (which is exactly DDIM / Euler) otherwise.
 */
export function dpmpp2mCoefficients(sigma: number, sigmaNext: number, sigmaPrev?: number): MultistepCoefficients {
  if (sigmaNext === 0) return { x: 0, denoised: 1, previous: 0 };
  const h = Math.log(sigma) - Math.log(sigmaNext);
  const ratio = Math.exp(-h);
  const phi = -Math.expm1(-h);
  if (sigmaPrev === undefined) return { x: ratio, denoised: phi, previous: 0 };
  const hLast = Math.log(sigmaPrev) - Math.log(sigma);
  const half = 1 / (2 * (hLast / h));
  return { x: ratio, denoised: phi * (1 + half), previous: -phi * half };
}
