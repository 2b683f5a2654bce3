/**
 * Noise levels in sigma space (x = x0 + sigma·eps, Karras et al. 2022): the training sigmas, the
 * maps between a sigma and a (fractional) training timestep, and the sigma schedules samplers use.
 */

/** sigma_t = sqrt((1 - alpha_bar_t) / alpha_bar_t): the VE noise level of each training timestep. */
export function sigmasFromAlphasCumprod(alphasCumprod: ArrayLike<number>): Float64Array {
  const out = new Float64Array(alphasCumprod.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt((1 - alphasCumprod[i]) / alphasCumprod[i]);
  return out;
}

/** numpy.interp(t, arange(len(values)), values): linear interpolation, clamped at both ends. */
export function interpAtTimestep(t: number, values: ArrayLike<number>): number {
  const last = values.length - 1;
  if (t <= 0) return values[0];
  if (t >= last) return values[last];
  const lo = Math.floor(t);
  const w = t - lo;
  return w === 0 ? values[lo] : values[lo] + (values[lo + 1] - values[lo]) * w;
}

/** The fractional training timestep of a sigma, interpolating linearly in log-sigma (k-diffusion sigma_to_t, diffusers _sigma_to_t). */
export function sigmaToT(sigma: number, logSigmas: ArrayLike<number>): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  const n = logSigmas.length;
  // The last training timestep whose log-sigma is <= ours (0 when none is), kept one short of the end.
  let low = 0;
  for (let i = 0; i < n; i++) if (logSigma - logSigmas[i] >= 0) low = i;
  low = Math.min(low, n - 2);
  const lo = logSigmas[low];
  const hi = logSigmas[low + 1];
  const w = Math.min(Math.max((lo - logSigma) / (lo - hi), 0), 1);
  return (1 - w) * low + w * (low + 1);
}

/** The sigma of a fractional training timestep, interpolating in log-sigma (k-diffusion DiscreteSchedule.t_to_sigma). */
export function tToSigma(t: number, logSigmas: ArrayLike<number>): number {
  const lo = Math.floor(t);
  const hi = Math.ceil(t);
  const w = t - lo;
  return Math.exp((1 - w) * logSigmas[lo] + w * logSigmas[hi]);
}

/** n sigmas from sigmaMax to sigmaMin evenly spaced in sigma^(1/rho) (Karras et al. 2022, eq. 5), without the final 0. */
export function karrasRamp(n: number, sigmaMin: number, sigmaMax: number, rho = 7): number[] {
  const minInvRho = sigmaMin ** (1 / rho);
  const maxInvRho = sigmaMax ** (1 / rho);
  return Array.from({ length: n }, (_, i) => {
    const ramp = n === 1 ? 0 : i / (n - 1);
    return (maxInvRho + ramp * (minInvRho - maxInvRho)) ** rho;
  });
}

/** Karras et al. 2022 noise schedule (eq. 5) with a final 0 appended: k-diffusion get_sigmas_karras. */
export function karrasSigmas(n: number, sigmaMin: number, sigmaMax: number, rho = 7): number[] {
  return [...karrasRamp(n, sigmaMin, sigmaMax, rho), 0];
}

/**
 * The "discrete" schedule A1111 uses for Euler / Euler a: n timesteps evenly from the last training
 * timestep to 0, their sigmas interpolated in log-sigma, then a final 0 (k-diffusion DiscreteSchedule.get_sigmas).
 */
export function discreteSigmas(n: number, trainingSigmas: ArrayLike<number>): number[] {
  const logSigmas = Array.from(trainingSigmas, Math.log);
  const tMax = logSigmas.length - 1;
  const out = Array.from({ length: n }, (_, i) => tToSigma(n === 1 ? tMax : tMax - (tMax * i) / (n - 1), logSigmas));
  out.push(0);
  return out;
}
