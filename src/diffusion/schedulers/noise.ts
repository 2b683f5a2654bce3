/**
 * The fallback Gaussian source for stochastic samplers. The pipeline always injects its own seeded
 * per-image source; this one only keeps the samplers usable on their own (it is not reproducible).
 */
import type { NoiseSource, Vec } from './types.ts';

/** Standard normal noise by the Box-Muller transform (Box & Muller 1958) over Math.random. */
export const mathRandomNoise: NoiseSource = (length: number): Vec => {
  const out = new Float32Array(length);
  for (let j = 0; j < length; j += 2) {
    // 1 - random() is in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - Math.random()));
    const theta = 2 * Math.PI * Math.random();
    out[j] = r * Math.cos(theta);
    if (j + 1 < length) out[j + 1] = r * Math.sin(theta);
  }
  return out;
};

/** Draw from `source` and check it gave what was asked for: a short draw would silently zero part of the latents. */
export function drawNoise(source: NoiseSource, length: number): Vec {
  const noise = source(length);
  if (noise.length !== length) {
    throw new Error(`noise source must return ${length} values, got ${noise.length}`);
  }
  return noise;
}
