/**
 * k-diffusion-style samplers (crowsonkb/k-diffusion sampling.py): flat functions over a sigma
 * schedule, `sample(denoiser, x, sigmas, { callback })`, where the denoiser maps (x, sigma) to its
 * x0 estimate. x starts at noise·sigmas[0]; sigmas usually end in 0. The per-step updates are the
 * same functions the diffusers-style schedulers use.
 */
import { drawNoise, mathRandomNoise } from './noise.ts';
import { ancestralStep, dpmpp2mCoefficients, eulerUpdate } from './sigma-updates.ts';
import type { NoiseSource, Vec } from './types.ts';
import { addScaled, allocLike, checkSameLength, combine, combine3, copyOf } from './vec.ts';

/** The model as k-diffusion sees it: the denoised (x0) estimate of x at noise level sigma. */
export type Denoiser = (x: Vec, sigma: number) => Vec | Promise<Vec>;

/** What the callback gets after each step's first model call: previews come from `denoised`. */
export interface SamplerStep {
  i: number;
  x: Vec;
  sigma: number;
  sigmaHat: number;
  denoised: Vec;
}

export interface SamplerOptions {
  callback?: (step: SamplerStep) => void | Promise<void>;
  /** Gaussian noise for ancestral samplers (the k-th call is the k-th draw). */
  noise?: NoiseSource;
  /** Ancestral noise scale (default 1). */
  eta?: number;
}

async function denoise(denoiser: Denoiser, x: Vec, sigma: number): Promise<Vec> {
  const d = await denoiser(x, sigma);
  checkSameLength('denoiser output', x.length, d);
  return d;
}

/** out = base + dt·(x - denoised)/sigma: a step along the ODE derivative taken at (x, sigma). */
function derivativeStep(out: Vec, base: Vec, x: Vec, denoised: Vec, sigma: number, dt: number): Vec {
  const k = dt / sigma;
  for (let j = 0; j < out.length; j++) out[j] = base[j] + (x[j] - denoised[j]) * k;
  return out;
}

/** Euler method on the probability-flow ODE (Karras et al. 2022, alg. 2 without churn). */
export async function sampleEuler(denoiser: Denoiser, x: Vec, sigmas: readonly number[], opts: SamplerOptions = {}): Promise<Vec> {
  for (let i = 0; i < sigmas.length - 1; i++) {
    const denoised = await denoise(denoiser, x, sigmas[i]);
    await opts.callback?.({ i, x, sigma: sigmas[i], sigmaHat: sigmas[i], denoised });
    x = eulerUpdate(allocLike(x), x, denoised, sigmas[i], sigmas[i + 1]);
  }
  return x;
}

/** Ancestral sampling with Euler steps (k-diffusion sample_euler_ancestral). */
export async function sampleEulerAncestral(
  denoiser: Denoiser,
  x: Vec,
  sigmas: readonly number[],
  opts: SamplerOptions = {},
): Promise<Vec> {
  const noise = opts.noise ?? mathRandomNoise;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const denoised = await denoise(denoiser, x, sigmas[i]);
    await opts.callback?.({ i, x, sigma: sigmas[i], sigmaHat: sigmas[i], denoised });
    const { sigmaDown, sigmaUp } = ancestralStep(sigmas[i], sigmas[i + 1], opts.eta ?? 1);
    const next = eulerUpdate(allocLike(x), x, denoised, sigmas[i], sigmaDown);
    if (sigmas[i + 1] > 0) addScaled(next, sigmaUp, drawNoise(noise, x.length));
    x = next;
  }
  return x;
}

/** Heun's method, 2nd order, Euler on the final step to 0 (Karras et al. 2022, alg. 1 without churn). */
export async function sampleHeun(denoiser: Denoiser, x: Vec, sigmas: readonly number[], opts: SamplerOptions = {}): Promise<Vec> {
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    const sigmaNext = sigmas[i + 1];
    const denoised = await denoise(denoiser, x, sigma);
    await opts.callback?.({ i, x, sigma, sigmaHat: sigma, denoised });
    const euler = eulerUpdate(allocLike(x), x, denoised, sigma, sigmaNext);
    if (sigmaNext === 0) {
      x = euler;
      continue;
    }
    const denoised2 = await denoise(denoiser, euler, sigmaNext);
    // Average of the derivatives at both ends: (d + d2)/2 · dt.
    const dt = sigmaNext - sigma;
    const out = derivativeStep(allocLike(x), x, x, denoised, sigma, dt / 2);
    x = derivativeStep(out, out, euler, denoised2, sigmaNext, dt / 2);
  }
  return x;
}

/** DPM-Solver-2 (Lu et al. 2022, arXiv:2206.00927, alg. 1), midpoint in log-sigma, as k-diffusion sample_dpm_2. */
export async function sampleDpm2(denoiser: Denoiser, x: Vec, sigmas: readonly number[], opts: SamplerOptions = {}): Promise<Vec> {
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    const sigmaNext = sigmas[i + 1];
    const denoised = await denoise(denoiser, x, sigma);
    await opts.callback?.({ i, x, sigma, sigmaHat: sigma, denoised });
    if (sigmaNext === 0) {
      x = eulerUpdate(allocLike(x), x, denoised, sigma, sigmaNext);
      continue;
    }
    const sigmaMid = Math.exp((Math.log(sigma) + Math.log(sigmaNext)) / 2);
    const mid = eulerUpdate(allocLike(x), x, denoised, sigma, sigmaMid);
    const denoisedMid = await denoise(denoiser, mid, sigmaMid);
    x = derivativeStep(mid, x, mid, denoisedMid, sigmaMid, sigmaNext - sigma);
  }
  return x;
}

/** DPM-Solver++(2M) (Lu et al. 2022, arXiv:2211.01095), as k-diffusion sample_dpmpp_2m. */
export async function sampleDpmpp2m(denoiser: Denoiser, x: Vec, sigmas: readonly number[], opts: SamplerOptions = {}): Promise<Vec> {
  let old: Vec | null = null;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const denoised = await denoise(denoiser, x, sigmas[i]);
    await opts.callback?.({ i, x, sigma: sigmas[i], sigmaHat: sigmas[i], denoised });
    const c = dpmpp2mCoefficients(sigmas[i], sigmas[i + 1], old ? sigmas[i - 1] : undefined);
    x = old
      ? combine3(allocLike(x), c.x, x, c.denoised, denoised, c.previous, old)
      : combine(allocLike(x), c.x, x, c.denoised, denoised);
    // A copy: a denoiser may hand back the same buffer every call.
    old = copyOf(denoised);
  }
  return x;
}
