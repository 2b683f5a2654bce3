/**
 * An object's extent, measured the same way whatever its colour pair: a soft coverage map (how far
 * each pixel is from the background towards the object colour) and the binary mask of pixels at
 * least half covered. The soft map keeps the object's true mass under blur and averages out noise;
 * the binary mask gives the bounding box and the convex hull.
 */
import type { RgbImage } from '../diffusion/types.ts';
import type { Component } from './components.ts';
import type { Rgb } from './scene-vocab.ts';
import type { Mask } from './shape-features.ts';

/** How far (px) the mask may grow past its palette region into partially covered edge pixels. */
const GROW_PX = 3;
/** Width (px) of the ring around the mask whose partial coverage still counts towards the soft mass. */
const RING_PX = 2;

export interface ObjectMask {
  mask: Mask;
  /** Image coordinates of the crop's top-left pixel. */
  x0: number;
  y0: number;
}

/**
 * Grows the palette component `id` into neighbouring pixels at least half covered (never into
 * another kept object), cleans single-pixel noise off the edge, and crops binary mask and soft
 * coverage to the mask's bounding box plus a RING_PX margin.
 */
export function objectMask(
  image: RgbImage,
  comp: Component,
  id: number,
  owner: Int32Array,
  isOtherObject: (componentId: number) => boolean,
  colour: Rgb,
  background: Rgb,
): ObjectMask {
  const { width, height, data } = image;
  const axis = [colour[0] - background[0], colour[1] - background[1], colour[2] - background[2]];
  const norm2 = Math.max(1, axis[0] ** 2 + axis[1] ** 2 + axis[2] ** 2);
  const coverage = (p: number) =>
    ((data[3 * p] - background[0]) * axis[0] + (data[3 * p + 1] - background[1]) * axis[1] + (data[3 * p + 2] - background[2]) * axis[2]) /
    norm2;
  const foreign = (p: number) => owner[p] !== -1 && owner[p] !== id && isOtherObject(owner[p]);

  // Region growing, limited to a few pixels around the palette component.
  const gx0 = Math.max(0, comp.x0 - GROW_PX);
  const gy0 = Math.max(0, comp.y0 - GROW_PX);
  const gx1 = Math.min(width - 1, comp.x1 + GROW_PX);
  const gy1 = Math.min(height - 1, comp.y1 + GROW_PX);
  const inside = new Set<number>(comp.pixels);
  const queue = [...comp.pixels];
  for (let qi = 0; qi < queue.length; qi++) {
    const p = queue[qi];
    const x = p % width;
    const y = (p - x) / width;
    for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) {
      const nx = x + dx;
      const ny = y + dy;
      if (nx < gx0 || nx > gx1 || ny < gy0 || ny > gy1) continue;
      const q = ny * width + nx;
      if (inside.has(q) || foreign(q) || coverage(q) < 0.5) continue;
      inside.add(q);
      queue.push(q);
    }
  }

  // Noise flips single pixels along the edge; a pixel with at most one 8-neighbour in the mask is a
  // speck or spur (a square's corner pixel has three), one with seven or more is a pinhole.
  const has = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && inside.has(y * width + x);
  const neighbours = (x: number, y: number) => {
    let n = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if ((dx || dy) && has(x + dx, y + dy)) n++;
    return n;
  };
  const flips: Array<[number, boolean]> = [];
  for (let y = gy0; y <= gy1; y++) {
    for (let x = gx0; x <= gx1; x++) {
      const p = y * width + x;
      const n = neighbours(x, y);
      if (inside.has(p) && n <= 1) flips.push([p, false]);
      else if (!inside.has(p) && n >= 7 && !foreign(p)) flips.push([p, true]);
    }
  }
  for (const [p, on] of flips) {
    if (on) inside.add(p);
    else inside.delete(p);
  }

  let bx0 = width;
  let by0 = height;
  let bx1 = -1;
  let by1 = -1;
  for (const p of inside) {
    const x = p % width;
    const y = (p - x) / width;
    bx0 = Math.min(bx0, x);
    bx1 = Math.max(bx1, x);
    by0 = Math.min(by0, y);
    by1 = Math.max(by1, y);
  }
  if (bx1 < 0) {
    // Cleaning removed everything (cannot happen for a component that has a core); keep the component.
    for (const p of comp.pixels) inside.add(p);
    [bx0, by0, bx1, by1] = [comp.x0, comp.y0, comp.x1, comp.y1];
  }

  const x0 = Math.max(0, bx0 - RING_PX);
  const y0 = Math.max(0, by0 - RING_PX);
  const mw = Math.min(width - 1, bx1 + RING_PX) - x0 + 1;
  const mh = Math.min(height - 1, by1 + RING_PX) - y0 + 1;
  const binary = new Uint8Array(mw * mh);
  const soft = new Float32Array(mw * mh);
  for (let y = 0; y < mh; y++) {
    for (let x = 0; x < mw; x++) {
      const p = (y0 + y) * width + (x0 + x);
      if (inside.has(p)) binary[y * mw + x] = 1;
    }
  }
  // Soft coverage over the mask and a RING_PX ring around it. Not clamped at 0: noise on the
  // background then averages out instead of adding a positive bias; far outliers are clipped.
  for (let y = 0; y < mh; y++) {
    for (let x = 0; x < mw; x++) {
      if (!nearMask(binary, mw, mh, x, y) || foreign((y0 + y) * width + (x0 + x))) continue;
      soft[y * mw + x] = Math.min(1.25, Math.max(-0.25, coverage((y0 + y) * width + (x0 + x))));
    }
  }
  return {
    mask: { width: mw, height: mh, data: binary, coverage: soft, box: { x0: bx0 - x0, y0: by0 - y0, x1: bx1 - x0, y1: by1 - y0 } },
    x0,
    y0,
  };
}

function nearMask(binary: Uint8Array, w: number, h: number, x: number, y: number): boolean {
  for (let dy = -RING_PX; dy <= RING_PX; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= h) continue;
    for (let dx = -RING_PX; dx <= RING_PX; dx++) {
      const xx = x + dx;
      if (xx >= 0 && xx < w && binary[yy * w + xx]) return true;
    }
  }
  return false;
}
