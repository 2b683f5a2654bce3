/**
 * Zoom Out and Pan as job rows see them ("zoom:2", "pan:left") and as the engine needs them: the
 * output size, and the canvas with the parent image placed on it.
 */
import { panCanvas, zoomOutCanvas, type PanDirection } from '../diffusion/canvas.ts';
import { checkSize, type SizeRule } from '../diffusion/image-sizes.ts';
import type { OutpaintCanvas, RgbImage } from '../diffusion/types.ts';
import type { CanvasOpName } from '../store/index.ts';
import { UserError } from './user-error.ts';

export type ZoomFactor = 2 | 1.5;
export const ZOOM_FACTORS: readonly ZoomFactor[] = [2, 1.5];

export function zoomOp(factor: ZoomFactor): CanvasOpName {
  return factor === 2 ? 'zoom:2' : 'zoom:1.5';
}
export function panOp(direction: PanDirection): CanvasOpName {
  return `pan:${direction}`;
}

/** Zoom keeps the size; a pan grows by half the image in its direction, to the model's multiple. */
export function canvasSize(op: CanvasOpName, width: number, height: number, rule: SizeRule, jobId: number, model: string): { width: number; height: number } {
  if (op.startsWith('zoom:')) return { width, height };
  const half = (v: number) => Math.max(rule.multiple, Math.round(v / 2 / rule.multiple) * rule.multiple);
  const horizontal = op === 'pan:left' || op === 'pan:right';
  const size = horizontal ? { width: width + half(width), height } : { width, height: height + half(height) };
  const problem = checkSize(rule, size.width, size.height);
  if (problem) {
    throw new UserError('job.pan-size', `panning job ${jobId} (${width}x${height}) would make ${size.width}x${size.height}, which ${model} cannot: ${problem}. Nothing was queued or charged.`);
  }
  return size;
}

/** The parent image on the job's canvas, and the mask of where it is. */
export async function canvasFor(op: CanvasOpName, image: RgbImage, width: number, height: number): Promise<OutpaintCanvas> {
  if (op === 'zoom:2') return zoomOutCanvas(image, 2);
  if (op === 'zoom:1.5') return zoomOutCanvas(image, 1.5);
  return panCanvas(image, op.slice(4) as PanDirection, width, height);
}
