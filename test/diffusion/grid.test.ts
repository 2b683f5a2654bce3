import { describe, expect, it } from 'vitest';
import { composeGrid, gridTile } from '../../src/diffusion/grid.ts';
import type { RgbImage } from '../../src/diffusion/types.ts';

/** Image k: every pixel encodes (k, x, y), so any misplaced, flipped or shifted pixel is caught. */
function tile(k: number, width = 5, height = 3): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([k * 40 + 1, x * 10, y * 10 + 5], (y * width + x) * 3);
  }
  return { width, height, data };
}

function pixel(img: RgbImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}

describe('composeGrid / gridTile', () => {
  it('lays four images out 2x2: image 1 top left, 2 top right, 3 bottom left, 4 bottom right', () => {
    const images = [0, 1, 2, 3].map((k) => tile(k));
    const grid = composeGrid(images);
    expect([grid.width, grid.height]).toEqual([10, 6]);
    expect(grid.data.length).toBe(10 * 6 * 3);
    const origin = [
      [0, 0],
      [5, 0],
      [0, 3],
      [5, 3],
    ];
    for (const [k, [x0, y0]] of origin.entries()) {
      for (let y = 0; y < 3; y++) {
        for (let x = 0; x < 5; x++) expect(pixel(grid, x0 + x, y0 + y)).toEqual(pixel(images[k], x, y));
      }
    }
  });

  it('gets each tile back out of the grid unchanged (what U3 / V3 start from)', () => {
    const images = [0, 1, 2, 3].map((k) => tile(k));
    const grid = composeGrid(images);
    for (let k = 0; k < 4; k++) expect(Buffer.from(gridTile(grid, k, 5, 3).data).equals(Buffer.from(images[k].data))).toBe(true);
  });

  it('leaves white gaps between tiles when asked, and still recovers every tile', () => {
    const images = [0, 1, 2, 3].map((k) => tile(k));
    const grid = composeGrid(images, 2, 2);
    expect([grid.width, grid.height]).toEqual([12, 8]);
    expect(pixel(grid, 5, 0)).toEqual([255, 255, 255]);
    expect(pixel(grid, 0, 4)).toEqual([255, 255, 255]);
    expect(pixel(grid, 7, 5)).toEqual(pixel(images[3], 0, 0));
    for (let k = 0; k < 4; k++) expect(Buffer.from(gridTile(grid, k, 5, 3, 2, 2).data).equals(Buffer.from(images[k].data))).toBe(true);
  });

  it('puts three images in a 2x2 grid with the fourth cell white, and two side by side', () => {
    const three = composeGrid([0, 1, 2].map((k) => tile(k)));
    expect([three.width, three.height]).toEqual([10, 6]);
    expect(pixel(three, 9, 5)).toEqual([255, 255, 255]);
    expect(pixel(three, 0, 3)).toEqual(pixel(tile(2), 0, 0));
    const two = composeGrid([0, 1].map((k) => tile(k)));
    expect([two.width, two.height]).toEqual([10, 3]);
    expect(pixel(two, 5, 0)).toEqual(pixel(tile(1), 0, 0));
  });

  it('refuses images of different sizes, and an empty list', () => {
    expect(() => composeGrid([tile(0), tile(1, 5, 4)])).toThrow(/share one size/);
    expect(() => composeGrid([tile(0), tile(1, 6, 3)])).toThrow(/share one size/);
    expect(() => composeGrid([])).toThrow(/at least one image/);
  });
});
