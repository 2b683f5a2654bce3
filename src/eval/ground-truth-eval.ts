/**
 * The analyser's own accuracy, measured on scenes from the training renderer: each caption is scored
 * as a generated image would be, and the detected objects are compared with the renderer's labels.
 * The metric is only worth trusting on generated images if it is near-perfect here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CATEGORIES, parseCaption, scoreScene, type Category } from './caption-spec.ts';
import { describeScene } from './describe-scene.ts';
import { loadGroundTruthImage, renderGroundTruth, type GroundTruthScene } from './ground-truth.ts';
import { analyseScene, type SceneAnalysis } from './scene-analyser.ts';
import { sizeOf, SIZE_BOUNDARY_PX } from './object-size.ts';
import { Tally } from './tally.ts';

/** Caption categories, plus `objects`: every labelled object found (colour, shape, size), nothing else, right background. */
export const GROUND_TRUTH_CATEGORIES = [...CATEGORIES, 'objects'] as const;
export type GroundTruthCategory = Category | 'objects';

export interface GroundTruthFailure {
  file: string;
  caption: string;
  failed: GroundTruthCategory[];
  detected: string;
}

export interface GroundTruthReport {
  images: number;
  tally: Tally<GroundTruthCategory>;
  failures: GroundTruthFailure[];
}

/** Renders `count` scenes into a temporary directory (removed afterwards) and scores the analyser on them. */
export async function evaluateGroundTruth(count: number, seed: number): Promise<GroundTruthReport> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'scene-gt-'));
  try {
    const scenes = await renderGroundTruth(dir, count, seed);
    const tally = new Tally<GroundTruthCategory>(GROUND_TRUTH_CATEGORIES);
    const failures: GroundTruthFailure[] = [];
    for (const scene of scenes) {
      const analysis = analyseScene(await loadGroundTruthImage(dir, scene));
      const score = { ...scoreScene(parseCaption(scene.caption), analysis), objects: sameObjects(scene, analysis) };
      tally.add(score);
      const failed = (Object.keys(score) as GroundTruthCategory[]).filter((c) => !score[c]);
      if (failed.length > 0) failures.push({ file: scene.file, caption: scene.caption, failed, detected: describeScene(analysis) });
    }
    return { images: scenes.length, tally, failures };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function sameObjects(scene: GroundTruthScene, analysis: SceneAnalysis): boolean {
  const want = scene.scene.objects.map((o) => `${o.s < SIZE_BOUNDARY_PX ? 'small' : 'big'} ${o.colour} ${o.shape}`).sort();
  const got = analysis.objects.map((o) => `${sizeOf(o)} ${o.colour} ${o.shape}`).sort();
  return analysis.background === scene.scene.background && want.join() === got.join();
}
