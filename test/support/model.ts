/** The embedded model, loaded once per test file: every engine and bot test runs the real ONNX model on CPU. */
import path from 'node:path';
import { DiffusionPipeline } from '../../src/diffusion/pipeline.ts';
import { repoRoot } from './repo-paths.ts';

/** The embedded model; TEST_MODEL_DIR runs the suite against another model folder. */
export const EMBEDDED_MODEL_DIR = process.env.TEST_MODEL_DIR ?? path.join(repoRoot, 'models', 'tiny-shapes');

let loading: Promise<DiffusionPipeline> | undefined;

export function embeddedPipeline(): Promise<DiffusionPipeline> {
  // One thread per session: vitest runs test files in parallel on a 2-core machine.
  loading ??= DiffusionPipeline.load(EMBEDDED_MODEL_DIR, { threads: 1 });
  return loading;
}

/** Mean absolute difference of two images' bytes, 0..255. */
export function meanAbsDiff(a: { data: Uint8Array }, b: { data: Uint8Array }): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i] - b.data[i]);
  return s / a.data.length;
}
