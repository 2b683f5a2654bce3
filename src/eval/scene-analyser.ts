/**
 * Deterministic scene analyser: finds the coloured shapes in a (rendered or generated) scene image
 * and names their colour, shape, centre and size, so that captions can be checked without a
 * learned detector.
 */
import type { RgbImage } from '../diffusion/types.ts';
import { connectedComponents, corePixels, type Component } from './components.ts';
import { borderLabel, DEFAULT_INDEX, labelPixels, meanColour, PALETTE, UNLABELLED } from './palette-labels.ts';
import { objectMask } from './object-mask.ts';
import type { BackgroundName, ColourName, ShapeName } from './scene-vocab.ts';
import { classifyShape } from './shape-classifier.ts';
import { shapeFeatures, type ShapeFeatures } from './shape-features.ts';

export interface BoundingBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SceneObject {
  colour: ColourName;
  shape: ShapeName;
  /** Centre of the bounding box in pixel units (pixel i spans [i, i+1)), the renderer's notion of centre. */
  cx: number;
  cy: number;
  /** Covered area in pixels (soft: edge pixels count by their coverage, so blur leaves it unchanged). */
  area: number;
  bbox: BoundingBox;
  /** The measurements the shape was named from, for reports and for tuning the classifier. */
  features: ShapeFeatures;
}

export interface SceneAnalysis {
  width: number;
  height: number;
  background: BackgroundName;
  objects: SceneObject[];
}

/** Smallest palette region kept as an object; the smallest rendered shape (a small star) covers ~130 px. */
const MIN_AREA = 40;
/** Pixels that must survive a 5x5 erosion: kills anti-aliased rings that look like a third colour. */
const MIN_CORE = 3;

export function analyseScene(image: RgbImage): SceneAnalysis {
  const { width, height } = image;
  const labels = labelPixels(image);
  const bgLabel = borderLabel(labels, width, height);
  // Objects are never grey and never share the background colour.
  const { components, owner } = connectedComponents(
    labels,
    width,
    height,
    (l) => l === UNLABELLED || l === bgLabel || l === DEFAULT_INDEX,
  );
  const bgColour = meanColour(image, (i) => labels[i] === bgLabel, PALETTE[bgLabel].rgb);

  const kept: Array<{ id: number; comp: Component; core: number[] }> = [];
  components.forEach((comp, id) => {
    if (comp.pixels.length < MIN_AREA) return;
    const core = corePixels(comp, id, owner, width, height);
    if (core.length >= MIN_CORE) kept.push({ id, comp, core });
  });
  const keptIds = new Set(kept.map((k) => k.id));

  const objects = kept.map(({ id, comp, core }) => {
    const coreSet = new Set(core);
    const colour = meanColour(image, (i) => coreSet.has(i), PALETTE[comp.label].rgb);
    const { mask, x0, y0 } = objectMask(image, comp, id, owner, (other) => keptIds.has(other), colour, bgColour);
    const features = shapeFeatures(mask);
    let area = 0;
    for (const v of mask.coverage) area += v;
    const bbox = { x: x0 + mask.box.x0, y: y0 + mask.box.y0, width: mask.box.x1 - mask.box.x0 + 1, height: mask.box.y1 - mask.box.y0 + 1 };
    return {
      colour: PALETTE[comp.label].name as ColourName,
      shape: classifyShape(features),
      cx: bbox.x + bbox.width / 2,
      cy: bbox.y + bbox.height / 2,
      area,
      bbox,
      features,
    };
  });
  // Reading order, so that results (and reports) do not depend on the labelling's scan details.
  objects.sort((a, b) => a.bbox.y - b.bbox.y || a.bbox.x - b.bbox.x);
  return { width, height, background: PALETTE[bgLabel].name, objects };
}
