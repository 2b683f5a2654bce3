/**
 * Which image sizes a model can take. A size must divide down through the VAE (its factor, 8 for
 * SD) and then through every UNet downsampling, or the skip connections do not line up.
 */

export interface SizeRule {
  /** Width and height must be multiples of this many pixels. */
  multiple: number;
  min: number;
  max: number;
  nativeWidth: number;
  nativeHeight: number;
  /** Sizes the model was trained on at other aspect ratios (SDXL's buckets); aspect requests pick among these. */
  buckets?: ReadonlyArray<{ width: number; height: number }>;
}

/**
 * SDXL's multi-aspect training resolutions, about 1024² pixels each, as listed in the SDXL paper
 * (Podell et al. 2023, "SDXL: Improving Latent Diffusion Models for High-Resolution Image
 * Synthesis", appendix I) and Stability AI's recommended sizes: width x height.
 */
export const SDXL_BUCKETS: ReadonlyArray<readonly [number, number]> = [
  [1024, 1024],
  [1152, 896],
  [896, 1152],
  [1216, 832],
  [832, 1216],
  [1344, 768],
  [768, 1344],
  [1536, 640],
  [640, 1536],
];

export function sizeRule(vaeFactor: number, unetDownsamples: number, nativeWidth: number, nativeHeight: number): SizeRule {
  const multiple = vaeFactor * 2 ** unetDownsamples;
  const native = Math.max(nativeWidth, nativeHeight);
  return {
    multiple,
    // Far below or above the training size a model only makes noise or repeats itself.
    min: Math.max(multiple, Math.floor(native / 2 / multiple) * multiple),
    max: native * 2,
    nativeWidth,
    nativeHeight,
  };
}

/** SDXL: the same limits, plus its aspect buckets scaled to the model's native size (1024 for SDXL itself). */
export function sdxlSizeRule(vaeFactor: number, unetDownsamples: number, nativeWidth: number, nativeHeight: number): SizeRule {
  const rule = sizeRule(vaeFactor, unetDownsamples, nativeWidth, nativeHeight);
  const scale = Math.max(nativeWidth, nativeHeight) / 1024;
  const snap = (v: number) => Math.max(rule.min, Math.min(rule.max, Math.round((v * scale) / rule.multiple) * rule.multiple));
  const seen = new Set<string>();
  const buckets: Array<{ width: number; height: number }> = [];
  for (const [w, h] of SDXL_BUCKETS) {
    const b = { width: snap(w), height: snap(h) };
    const key = `${b.width}x${b.height}`;
    if (!seen.has(key)) buckets.push(b);
    seen.add(key);
  }
  return { ...rule, buckets };
}

export function describeSizes(rule: SizeRule): string {
  return `width and height must be multiples of ${rule.multiple} from ${rule.min} to ${rule.max} (native ${rule.nativeWidth}x${rule.nativeHeight})`;
}

/** Undefined when allowed, else the message to show. */
export function checkSize(rule: SizeRule, width: number, height: number): string | undefined {
  const ok = (v: number) => Number.isInteger(v) && v % rule.multiple === 0 && v >= rule.min && v <= rule.max;
  if (ok(width) && ok(height)) return undefined;
  return `size ${width}x${height} is not allowed: ${describeSizes(rule)}`;
}

/**
 * The size an upscale goes to: twice the image, or as much of that as the model allows, keeping
 * the aspect ratio to the nearest multiple (a 192x128 image on a model of at most 256, in
 * multiples of 32, becomes 256x160). Undefined when the model allows nothing larger.
 */
export function upscaleSize(rule: SizeRule, width: number, height: number): { width: number; height: number } | undefined {
  const scale = Math.min(2, rule.max / Math.max(width, height));
  const snap = (v: number) => Math.min(rule.max, Math.max(rule.min, Math.round((v * scale) / rule.multiple) * rule.multiple));
  const size = { width: snap(width), height: snap(height) };
  if (size.width * size.height <= width * height || checkSize(rule, size.width, size.height)) return undefined;
  return size;
}

/**
 * The allowed size that best matches an aspect ratio near the native pixel count (for `--ar 3:2`):
 * the ratio counts most, the pixel count a quarter as much, so 3:2 on a 128x128 model is 192x128
 * (exact ratio, 1.5x the pixels) rather than 160x96 (5:3).
 */
export function sizeForAspect(rule: SizeRule, aw: number, ah: number): { width: number; height: number } {
  const area = rule.nativeWidth * rule.nativeHeight;
  const target = Math.log(aw / ah);
  if (rule.buckets?.length) {
    // A trained bucket: the nearest ratio (a model does best at the sizes it was trained on).
    let best = rule.buckets[0];
    for (const b of rule.buckets) {
      if (Math.abs(Math.log(b.width / b.height) - target) < Math.abs(Math.log(best.width / best.height) - target) - 1e-12) best = b;
    }
    return { width: best.width, height: best.height };
  }
  let best = { width: rule.nativeWidth, height: rule.nativeHeight, score: Infinity };
  for (let width = rule.min; width <= rule.max; width += rule.multiple) {
    for (let height = rule.min; height <= rule.max; height += rule.multiple) {
      const score = Math.abs(Math.log(width / height) - target) + 0.25 * Math.abs(Math.log((width * height) / area));
      if (score < best.score - 1e-12) best = { width, height, score };
    }
  }
  return { width: best.width, height: best.height };
}
