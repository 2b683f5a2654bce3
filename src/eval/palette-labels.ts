/**
 * Palette segmentation: each pixel gets the nearest scene colour (the eight object colours plus the
 * default grey), or none when it is far from all of them, so that anti-aliased edges and the mushy
 * colours of generated images stay unlabelled instead of becoming spurious objects.
 */
import type { RgbImage } from '../diffusion/types.ts';
import { COLOURS, DEFAULT_BACKGROUND, type BackgroundName, type Rgb } from './scene-vocab.ts';

export interface PaletteEntry {
  name: BackgroundName;
  rgb: Rgb;
}

/** Object colours first, the default grey last. */
export const PALETTE: readonly PaletteEntry[] = [
  ...[...COLOURS].map(([name, rgb]) => ({ name, rgb })),
  { name: 'default', rgb: DEFAULT_BACKGROUND },
];
export const DEFAULT_INDEX = PALETTE.length - 1;
export const UNLABELLED = -1;

/**
 * Euclidean RGB distance beyond which a pixel is left unlabelled. The closest pair of palette
 * colours (white / default grey) is ~78 apart; 70 tolerates the colour drift of generated images
 * while a 50/50 red-blue edge pixel (71 from purple) already stays unlabelled.
 */
export const MAX_COLOUR_DISTANCE = 70;

/** Palette index per pixel (UNLABELLED where no palette colour is close enough). */
export function labelPixels(image: RgbImage, maxDistance = MAX_COLOUR_DISTANCE): Int8Array {
  const n = image.width * image.height;
  const labels = new Int8Array(n);
  const limit = maxDistance * maxDistance;
  const d = image.data;
  for (let i = 0; i < n; i++) {
    const r = d[3 * i];
    const g = d[3 * i + 1];
    const b = d[3 * i + 2];
    let best = UNLABELLED;
    let bestDist = limit;
    for (let k = 0; k < PALETTE.length; k++) {
      const [pr, pg, pb] = PALETTE[k].rgb;
      const dist = (r - pr) ** 2 + (g - pg) ** 2 + (b - pb) ** 2;
      if (dist < bestDist) {
        bestDist = dist;
        best = k;
      }
    }
    labels[i] = best;
  }
  return labels;
}

/**
 * The background's palette index: the most common label on a frame around the image border. The
 * renderer keeps objects clear of the border, whereas whole-image majority can lose to four big
 * squares (which cover over half of the canvas).
 */
export function borderLabel(labels: Int8Array, width: number, height: number, frame = 3): number {
  const votes = new Array<number>(PALETTE.length).fill(0);
  for (let y = 0; y < height; y++) {
    const edgeRow = y < frame || y >= height - frame;
    for (let x = 0; x < width; x++) {
      if (!edgeRow && x >= frame && x < width - frame) continue;
      const l = labels[y * width + x];
      if (l !== UNLABELLED) votes[l]++;
    }
  }
  let best = DEFAULT_INDEX;
  for (let k = 0; k < votes.length; k++) if (votes[k] > votes[best]) best = k;
  return best;
}

/** Mean RGB of the pixels selected by `take`, or `fallback` when none is. */
export function meanColour(image: RgbImage, take: (i: number) => boolean, fallback: Rgb): Rgb {
  let r = 0;
  let g = 0;
  let b = 0;
  let n = 0;
  const px = image.width * image.height;
  for (let i = 0; i < px; i++) {
    if (!take(i)) continue;
    r += image.data[3 * i];
    g += image.data[3 * i + 1];
    b += image.data[3 * i + 2];
    n++;
  }
  return n === 0 ? fallback : [r / n, g / n, b / n];
}
