/**
 * `--chaos`: how different the images of one request are from each other.
 *
 * Image 0 keeps its own seed's noise z_0. Image k > 0 starts from
 *   z_k' = a * z_0 + sqrt(1 - a^2) * z_k,   a = 1 - (chaos / 100)^2,
 * a variance-preserving blend of two independent standard normal draws, so z_k' is standard normal
 * too and the sampler sees noise of the statistics it was trained on. The RMS distance between
 * image k's and image 0's starting noise is sqrt(2 (1 - a)) = sqrt(2) * chaos / 100: chaos is
 * proportional to how far apart the starting points are (a linear `a` would put nearly all of the
 * change in the first few points, since the distance grows as the square root of 1 - a).
 * Chaos 100 (a = 0) is every image's own seed, as without chaos; chaos 0 (a = 1) starts every image
 * from image 0's noise, so a grid shows one picture (ancestral samplers still add each image's own
 * step noise). The mix depends only on the seeds: a chaos grid reproduces from its seed.
 */
export function mixChaos(noise: Float32Array, n: number, perImage: number, chaos: number): void {
  if (!(chaos >= 0 && chaos <= 100)) throw new Error(`chaos must be from 0 to 100, got ${chaos}`);
  const a = 1 - (chaos / 100) ** 2;
  if (a === 0 || n < 2) return;
  const b = Math.sqrt(1 - a * a);
  for (let k = 1; k < n; k++) {
    const off = k * perImage;
    for (let j = 0; j < perImage; j++) noise[off + j] = a * noise[j] + b * noise[off + j];
  }
}
