/** Connected components of a palette label map: candidate objects, with the cheap statistics used to drop specks. */

export interface Component {
  /** Palette index shared by every pixel of the component. */
  label: number;
  /** Pixel indices (y * width + x). */
  pixels: Int32Array;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * 8-connected regions of equal label, skipping labels for which `skip` is true. Returns the
 * components and a map from pixel to component number (-1 outside every component).
 */
export function connectedComponents(
  labels: Int8Array,
  width: number,
  height: number,
  skip: (label: number) => boolean,
): { components: Component[]; owner: Int32Array } {
  const owner = new Int32Array(labels.length).fill(-1);
  const components: Component[] = [];
  const stack = new Int32Array(labels.length);
  for (let start = 0; start < labels.length; start++) {
    const label = labels[start];
    if (owner[start] !== -1 || skip(label)) continue;
    const id = components.length;
    const pixels: number[] = [];
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    let top = 0;
    stack[top++] = start;
    owner[start] = id;
    while (top > 0) {
      const p = stack[--top];
      pixels.push(p);
      const x = p % width;
      const y = (p - x) / width;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (owner[q] === -1 && labels[q] === label) {
            owner[q] = id;
            stack[top++] = q;
          }
        }
      }
    }
    components.push({ label, pixels: Int32Array.from(pixels), x0, y0, x1, y1 });
  }
  return { components, owner };
}

/**
 * Pixels of component `id` whose whole (2r+1)^2 neighbourhood belongs to it. Anti-aliased edges
 * between two colours can pass for a third palette colour (red+yellow looks orange, red+blue looks
 * purple), but only as a thin ring: such rings have no core, real objects always do.
 */
export function corePixels(comp: Component, id: number, owner: Int32Array, width: number, height: number, r = 2): number[] {
  const core: number[] = [];
  for (const p of comp.pixels) {
    const x = p % width;
    const y = (p - x) / width;
    if (x < r || y < r || x >= width - r || y >= height - r) continue;
    let inside = true;
    for (let dy = -r; dy <= r && inside; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        if (owner[p + dy * width + dx] !== id) {
          inside = false;
          break;
        }
      }
    }
    if (inside) core.push(p);
  }
  return core;
}
