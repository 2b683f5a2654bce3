/**
 * Ground-truth scenes from the training recipe's own renderer (models/recipe/scenes.py), to measure
 * the analyser before its verdicts on generated images are trusted.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RgbImage } from '../diffusion/types.ts';
import { readRgbImage } from './read-png.ts';
import type { BackgroundName, ColourName, ShapeName } from './scene-vocab.ts';

const run = promisify(execFile);

/** The renderer needs only PIL, installed for the system interpreter (not necessarily for `python3` on PATH). */
export const PYTHON = '/usr/bin/python3';
export const SCENES_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models/recipe/scenes.py');

export interface LabelledObject {
  colour: ColourName;
  shape: ShapeName;
  cx: number;
  cy: number;
  /** Side of the bounding box the shape was drawn in, in pixels. */
  s: number;
}

export interface GroundTruthScene {
  file: string;
  caption: string;
  scene: { background: BackgroundName; objects: LabelledObject[]; kind: string };
}

/** Why ground truth cannot be rendered here (no interpreter, no PIL), or null when it can. */
export async function groundTruthUnavailable(): Promise<string | null> {
  try {
    await run(PYTHON, ['-c', 'import PIL']);
    return null;
  } catch (err) {
    return `${PYTHON} with PIL is needed to render ground-truth scenes (${(err as Error).message.split('\n')[0]})`;
  }
}

/** Renders `count` scenes (held-out combinations included) into `dir`; returns their labels. */
export async function renderGroundTruth(dir: string, count: number, seed: number): Promise<GroundTruthScene[]> {
  await run(PYTHON, [SCENES_SCRIPT, dir, String(count), String(seed)], { maxBuffer: 16 << 20 });
  return JSON.parse(await readFile(path.join(dir, 'labels.json'), 'utf8')) as GroundTruthScene[];
}

export async function loadGroundTruthImage(dir: string, scene: GroundTruthScene): Promise<RgbImage> {
  return readRgbImage(path.join(dir, scene.file));
}
