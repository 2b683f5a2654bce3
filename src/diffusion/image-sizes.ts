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
}

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
 * The allowed size that best matches an aspect ratio near the native pixel count (for `--ar 3:2`):
 * the ratio counts most, the pixel count a quarter as much, so 3:2 on a 128x128 model is 192x128
 * (exact ratio, 1.5x the pixels) rather than 160x96 (5:3).
 */
export function sizeForAspect(rule: SizeRule, aw: number, ah: number): { width: number; height: number } {
  const area = rule.nativeWidth * rule.nativeHeight;
  const target = Math.log(aw / ah);
  let best = { width: rule.nativeWidth, height: rule.nativeHeight, score: Infinity };
  for (let width = rule.min; width <= rule.max; width += rule.multiple) {
    for (let height = rule.min; height <= rule.max; height += rule.multiple) {
      const score = Math.abs(Math.log(width / height) - target) + 0.25 * Math.abs(Math.log((width * height) / area));
      if (score < best.score - 1e-12) best = { width, height, score };
    }
  }
  return { width: best.width, height: best.height };
}
