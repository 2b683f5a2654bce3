/** Lays images out in a grid (2x2 for four), the picture the bot posts with U1-U4 / V1-V4. */
import type { RgbImage } from './types.ts';

export function composeGrid(images: RgbImage[], columns = Math.ceil(Math.sqrt(images.length)), gap = 0): RgbImage {
  if (images.length === 0) throw new Error('a grid needs at least one image');
  const { width: w, height: h } = images[0];
  const rows = Math.ceil(images.length / columns);
  const W = columns * w + (columns - 1) * gap;
  const H = rows * h + (rows - 1) * gap;
  const data = new Uint8Array(W * H * 3).fill(255);
  images.forEach((img, k) => {
    if (img.width !== w || img.height !== h) throw new Error('grid images must share one size');
    const x0 = (k % columns) * (w + gap);
    const y0 = Math.floor(k / columns) * (h + gap);
    for (let y = 0; y < h; y++) {
      data.set(img.data.subarray(y * w * 3, (y + 1) * w * 3), ((y0 + y) * W + x0) * 3);
    }
  });
  return { width: W, height: H, data };
}

/** One tile of a grid made by composeGrid (what U3 / V3 start from when only the grid is stored). */
export function gridTile(grid: RgbImage, index: number, tileWidth: number, tileHeight: number, columns = 2, gap = 0): RgbImage {
  const x0 = (index % columns) * (tileWidth + gap);
  const y0 = Math.floor(index / columns) * (tileHeight + gap);
  const data = new Uint8Array(tileWidth * tileHeight * 3);
  for (let y = 0; y < tileHeight; y++) {
    const from = ((y0 + y) * grid.width + x0) * 3;
    data.set(grid.data.subarray(from, from + tileWidth * 3), y * tileWidth * 3);
  }
  return { width: tileWidth, height: tileHeight, data };
}
