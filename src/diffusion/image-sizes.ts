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
 * The allowed size closest to an aspect ratio at about the native pixel count (for `--ar 3:2`).
 */
export function sizeForAspect(rule: SizeRule, aw: number, ah: number): { width: number; height: number } {
  const area = rule.nativeWidth * rule.nativeHeight;
  const snap = (v: number) => Math.min(rule.max, Math.max(rule.min, Math.round(v / rule.multiple) * rule.multiple));
  const width = snap(Math.sqrt((area * aw) / ah));
  const height = snap(Math.sqrt((area * ah) / aw));
  return { width, height };
}
