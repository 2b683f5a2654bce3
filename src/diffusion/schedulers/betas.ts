/**
 * The training noise schedule: betas, and the cumulative products of (1 - beta) every scheduler
 * derives its noise levels from. Computed in float64 (diffusers uses float32 tensors; the
 * difference is ~1e-7 relative, far below what a sampler can show).
 */
import type { ResolvedConfig } from './config.ts';

/** numpy.linspace(start, stop, num): evenly spaced, both ends included. */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => start + i * step);
  out[num - 1] = stop;
  return out;
}

/** Cosine schedule alpha_bar(t) = cos²((t + s)/(1 + s) · π/2), s = 0.008 (Nichol & Dhariwal 2021), as betas capped at 0.999. */
function cosineBetas(n: number): number[] {
  const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  return Array.from({ length: n }, (_, i) => Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999));
}

/** Rescale betas to zero terminal SNR (Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed", alg. 1). */
export function rescaleZeroTerminalSnr(betas: ArrayLike<number>): Float64Array {
  const n = betas.length;
  const sqrtAbar = new Float64Array(n);
  let prod = 1;
  for (let i = 0; i < n; i++) {
    prod *= 1 - betas[i];
    sqrtAbar[i] = Math.sqrt(prod);
  }
  const first = sqrtAbar[0];
  const last = sqrtAbar[n - 1];
  // Shift so the last is 0, scale so the first is unchanged.
  for (let i = 0; i < n; i++) sqrtAbar[i] = ((sqrtAbar[i] - last) * first) / (first - last);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const abar = sqrtAbar[i] ** 2;
    const alpha = i === 0 ? abar : abar / sqrtAbar[i - 1] ** 2;
    out[i] = 1 - alpha;
  }
  return out;
}

/** The training betas of a config: trained_betas when given, else the named schedule. */
export function trainingBetas(cfg: ResolvedConfig): Float64Array {
  const n = cfg.numTrainTimesteps;
  let betas: number[];
  if (cfg.trainedBetas) betas = cfg.trainedBetas;
  else if (cfg.betaSchedule === 'linear') betas = linspace(cfg.betaStart, cfg.betaEnd, n);
  else if (cfg.betaSchedule === 'scaled_linear') {
    // Stable Diffusion's schedule: linear in sqrt(beta).
    betas = linspace(Math.sqrt(cfg.betaStart), Math.sqrt(cfg.betaEnd), n).map((b) => b * b);
  } else betas = cosineBetas(n);
  return cfg.rescaleBetasZeroSnr ? rescaleZeroTerminalSnr(betas) : Float64Array.from(betas);
}

/** alpha_bar_t = prod_{s<=t} (1 - beta_s): the signal fraction left at training timestep t (Ho et al. 2020). */
export function alphasCumprod(betas: ArrayLike<number>): Float64Array {
  const out = new Float64Array(betas.length);
  let prod = 1;
  for (let i = 0; i < betas.length; i++) {
    prod *= 1 - betas[i];
    out[i] = prod;
  }
  return out;
}

/** alpha_bar for every training timestep of a config. */
export function trainingAlphasCumprod(cfg: ResolvedConfig): Float64Array {
  return alphasCumprod(trainingBetas(cfg));
}
