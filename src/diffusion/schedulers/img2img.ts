/** Where img2img enters the schedule: diffusers' StableDiffusionImg2ImgPipeline.get_timesteps. */

/**
 * The first step index to run when starting from an image noised to `strength` of the schedule:
 * the last floor(steps·strength) steps run, so strength 1 is a full txt2img run from index 0.
 */
export function img2imgStartIndex(steps: number, strength: number): number {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`steps must be a positive integer, got ${steps}`);
  }
  if (typeof strength !== 'number' || !(strength > 0 && strength <= 1)) {
    throw new Error(`img2img strength must be in (0, 1], got ${strength}`);
  }
  const initTimestep = Math.min(Math.floor(steps * strength), steps);
  if (initTimestep === 0) {
    // diffusers would run nothing here and fail later; say why now.
    throw new Error(
      `img2img strength ${strength} with ${steps} steps runs no step (floor(steps * strength) = 0); ` +
        `expected strength >= ${1 / steps} for ${steps} steps`,
    );
  }
  return Math.max(steps - initTimestep, 0);
}
