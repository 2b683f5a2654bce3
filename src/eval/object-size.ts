/**
 * Which size word fits a detected object. The renderer draws a shape inside an s x s box, with s in
 * 20..26 px (small) or 38..46 px (big); s is recovered from the covered area, which blur leaves
 * unchanged, rather than from the bounding box, which blur shrinks at a star's tips.
 */
import type { SceneObject } from './scene-analyser.ts';
import { OBJECT_PX, type ShapeName, type SizeName } from './scene-vocab.ts';

/** Area of each shape as a fraction of its s x s box (polygon areas of models/recipe/scenes.py). */
const AREA_PER_BOX: Readonly<Record<ShapeName, number>> = {
  circle: Math.PI / 4,
  square: 1,
  triangle: 0.5,
  star: 0.3306,
  heart: 0.5509,
};

/** The side s of the box the renderer would have drawn this object in, in pixels. */
export function boxSide(obj: Pick<SceneObject, 'shape' | 'area'>): number {
  return Math.sqrt(Math.max(0, obj.area) / AREA_PER_BOX[obj.shape]);
}

/** Boundary between the two size ranges. */
export const SIZE_BOUNDARY_PX = (OBJECT_PX.small[1] + OBJECT_PX.big[0]) / 2;

/** `scale`: image side / IMAGE_SIZE, for scenes generated at another resolution than the training one. */
export function sizeOf(obj: Pick<SceneObject, 'shape' | 'area'>, scale = 1): SizeName {
  return boxSide(obj) / scale < SIZE_BOUNDARY_PX ? 'small' : 'big';
}
