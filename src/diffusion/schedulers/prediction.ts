/**
 * What the model predicts (config `prediction_type`), turned into the clean-sample estimate x0 and
 * the noise estimate eps. Written once for a variance-preserving sample x = alpha·x0 + sigma·eps;
 * a sigma-space (VE) sample is the same with alpha = 1/sqrt(s²+1), sigma = s·alpha, and x scaled
 * by alpha first, so Euler, DPM-Solver, DDIM and LCM all share these lines.
 */
import type { PredictionType } from './config.ts';

/** Coefficients [a, b] with x0 = a·x + b·modelOutput, for a sample x whose VP form is sampleScale·x (v-prediction: Salimans & Ho 2022). */
export function x0Coefficients(type: PredictionType, alpha: number, sigma: number, sampleScale = 1): [number, number] {
  if (type === 'epsilon') return [sampleScale / alpha, -sigma / alpha];
  if (type === 'v_prediction') return [alpha * sampleScale, -sigma];
  return [0, 1];
}

/** Coefficients [a, b] with eps = a·x + b·modelOutput, for a VP sample x. */
export function epsCoefficients(type: PredictionType, alpha: number, sigma: number): [number, number] {
  if (type === 'epsilon') return [0, 1];
  if (type === 'v_prediction') return [sigma, alpha];
  return [1 / sigma, -alpha / sigma];
}

/** (alpha, sigma) of the VP sample at VE noise level s: alpha = 1/sqrt(s²+1), sigma = s·alpha (diffusers _sigma_to_alpha_sigma_t). */
export function vpFromSigma(s: number): { alpha: number; sigma: number } {
  const alpha = 1 / Math.sqrt(s * s + 1);
  return { alpha, sigma: s * alpha };
}

/** x0 coefficients for a sigma-space sample x = x0 + s·eps (the Euler family's parameterization, Karras et al. 2022). */
export function sigmaSpaceX0Coefficients(type: PredictionType, s: number): [number, number] {
  const { alpha, sigma } = vpFromSigma(s);
  return x0Coefficients(type, alpha, sigma, alpha);
}
