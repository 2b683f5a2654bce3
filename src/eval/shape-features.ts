/**
 * Scale-free geometric features of a binary object mask, chosen so that the five scene shapes are
 * far apart: fill of the bounding box, convex-hull solidity, how much of the mass is in the top
 * half, where the widest rows sit, and the aspect ratio.
 */

/** An object's mask, cropped to its bounding box plus a margin where partial coverage still counts. */
export interface Mask {
  width: number;
  height: number;
  /** 1 where the pixel is at least half covered by the object. */
  data: Uint8Array;
  /** Soft coverage, about 0 on the background and 1 inside the object. */
  coverage: Float32Array;
  /** Bounding box of the binary mask, inclusive, in crop coordinates. */
  box: { x0: number; y0: number; x1: number; y1: number };
}

export interface ShapeFeatures {
  /** Covered mass / bounding-box area: square 1, circle pi/4, heart ~0.65, triangle 0.5, star ~0.4. */
  fill: number;
  /** Binary area / convex-hull area: ~1 for convex shapes, ~0.6 for the star, the heart's notch a bit lower. */
  solidity: number;
  /** Share of the mass above the bounding box's middle: triangle 0.25, heart > 0.6, star < 0.5. */
  topMass: number;
  /** Mean height (0 top .. 1 bottom) of the rows holding at least 90% of the heaviest row's mass. */
  widestRow: number;
  /** Width / height. */
  aspect: number;
  /** Mean coverage of the four corner blocks (a quarter of the box each way): square 1, circle ~0.3. */
  cornerFill: number;
}

/**
 * Fill, top mass and widest row use the soft coverage: blur moves mass across the half-coverage
 * contour (rounding a small square's corners) but does not change how much there is, and noise
 * averages out. Solidity needs a polygon, so it uses the binary mask.
 */
export function shapeFeatures(mask: Mask): ShapeFeatures {
  const { width: cw, height: ch, data, coverage, box } = mask;
  const w = box.x1 - box.x0 + 1;
  const h = box.y1 - box.y0 + 1;
  const mid = box.y0 + h / 2;
  const rowMass = new Array<number>(ch).fill(0);
  let mass = 0;
  let top = 0;
  let area = 0;
  const hull: Array<[number, number]> = [];
  for (let y = 0; y < ch; y++) {
    let left = -1;
    let right = -1;
    for (let x = 0; x < cw; x++) {
      rowMass[y] += coverage[y * cw + x];
      if (!data[y * cw + x]) continue;
      area++;
      if (left < 0) left = x;
      right = x;
    }
    mass += rowMass[y];
    // The row straddling the middle of an odd-height box counts half on each side.
    const centre = y + 0.5;
    top += rowMass[y] * (centre < mid ? 1 : centre === mid ? 0.5 : 0);
    if (left >= 0) {
      hull.push([left, y]);
      if (right !== left) hull.push([right, y]);
    }
  }
  let maxRow = -Infinity;
  for (let y = box.y0; y <= box.y1; y++) maxRow = Math.max(maxRow, rowMass[y]);
  let rowSum = 0;
  let rowCount = 0;
  for (let y = box.y0; y <= box.y1; y++) {
    if (rowMass[y] >= 0.9 * maxRow) {
      rowSum += y - box.y0;
      rowCount++;
    }
  }
  return {
    fill: mass / (w * h),
    cornerFill: cornerFill(coverage, cw, box),
    solidity: Math.min(1, area / hullLatticeCount(hull)),
    topMass: mass > 0 ? top / mass : 0,
    widestRow: h > 1 ? rowSum / rowCount / (h - 1) : 0.5,
    aspect: w / h,
  };
}

function cornerFill(coverage: Float32Array, cw: number, box: Mask['box']): number {
  const w = box.x1 - box.x0 + 1;
  const h = box.y1 - box.y0 + 1;
  const bw = Math.max(1, Math.round(w / 4));
  const bh = Math.max(1, Math.round(h / 4));
  let sum = 0;
  for (const [cx, cy] of [[box.x0, box.y0], [box.x1 - bw + 1, box.y0], [box.x0, box.y1 - bh + 1], [box.x1 - bw + 1, box.y1 - bh + 1]]) {
    for (let y = cy; y < cy + bh; y++) for (let x = cx; x < cx + bw; x++) sum += coverage[y * cw + x];
  }
  return sum / (4 * bw * bh);
}

/**
 * Approximate number of pixel centres inside the convex hull of the given pixel centres (Pick's
 * theorem: area + boundary / 2 + 1), so that a filled convex mask has solidity 1 at any size.
 */
function hullLatticeCount(points: Array<[number, number]>): number {
  const hull = convexHull(points);
  if (hull.length < 3) return points.length;
  let area2 = 0;
  let perimeter = 0;
  for (let i = 0; i < hull.length; i++) {
    const [ax, ay] = hull[i];
    const [bx, by] = hull[(i + 1) % hull.length];
    area2 += ax * by - bx * ay;
    perimeter += Math.hypot(bx - ax, by - ay);
  }
  return Math.abs(area2) / 2 + perimeter / 2 + 1;
}

/** Andrew's monotone chain; returns the hull counter-clockwise without repeating the first point. */
export function convexHull(points: Array<[number, number]>): Array<[number, number]> {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts;
  const cross = (o: [number, number], a: [number, number], b: [number, number]) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Array<[number, number]> = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Array<[number, number]> = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}
