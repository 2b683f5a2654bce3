/**
 * Updates on variance-preserving samples x_t = sqrt(alpha_bar_t)·x0 + sqrt(1 - alpha_bar_t)·eps,
 * shared by DDIM and LCM (and every scheduler's img2img noising in that parameterization).
 */
import type { Vec } from './types.ts';

/** Forward noising q(x_t | x0) = sqrt(alpha_bar)·x0 + sqrt(1 - alpha_bar)·noise (Ho et al. 2020, eq. 4). */
export function noiseToAlphaBar(out: Vec, x0: ArrayLike<number>, noise: ArrayLike<number>, alphaBar: number): Vec {
  const a = Math.sqrt(alphaBar);
  const b = Math.sqrt(1 - alphaBar);
  for (let j = 0; j < out.length; j++) out[j] = a * x0[j] + b * noise[j];
  return out;
}
