/**
 * Scores a model folder on the fixed prompt set: every prompt is generated for N seeds through the
 * TypeScript engine, each image is analysed and checked against its caption, and the seeds of one
 * prompt are compared with each other for diversity.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ProviderName } from '../diffusion/onnx-runtime.ts';
import type { GeneratedImage, SamplerName } from '../diffusion/types.ts';
import { allPassed, CATEGORIES, parseCaption, scoreScene, type Category, type SceneScore } from './caption-spec.ts';
import { meanPairwiseDifference } from './diversity.ts';
import { describeScene } from './describe-scene.ts';
import { PROMPT_SET, type EvalPrompt, type PromptCategory } from './prompt-set.ts';
import { analyseScene } from './scene-analyser.ts';
import { Tally } from './tally.ts';

export interface ModelEvalOptions {
  modelDir: string;
  seeds: number;
  /** Seed of each prompt's first image; image k gets baseSeed + k. */
  baseSeed: number;
  steps: number;
  sampler: SamplerName;
  cfg: number;
  provider: ProviderName;
  /** onnxruntime intra-op threads (0 = its own choice). */
  threads: number;
  /** When set, every image is written there as <prompt index>-<seed>.png. */
  saveDir?: string;
  prompts?: readonly EvalPrompt[];
}

export interface PromptResult {
  prompt: string;
  category: PromptCategory;
  seeds: number[];
  scores: SceneScore[];
  /** Per image: every check of the caption passed. */
  correct: boolean[];
  diversity: number | null;
  /** What the analyser saw in each image. */
  detected: string[];
}

export interface ModelEvalReport {
  model: string;
  images: number;
  tally: Tally<Category>;
  /** Images on which every check of their caption passed. */
  correct: number;
  /** Mean over prompts of the mean pairwise pixel difference between seeds, 0..1. */
  diversity: number | null;
  seconds: number;
  prompts: PromptResult[];
}

export async function evaluateModel(opts: ModelEvalOptions, onPrompt?: (r: PromptResult, k: number, of: number) => void): Promise<ModelEvalReport> {
  const started = Date.now();
  const prompts = opts.prompts ?? PROMPT_SET;
  // Parse first: a typo in the prompt set should fail before minutes of generation, not after.
  const specs = prompts.map((p) => parseCaption(p.prompt));
  // Loaded only here, so that the ground-truth check runs without the engine or a model.
  const { DiffusionPipeline } = await import('../diffusion/pipeline.ts');
  const pipeline = await DiffusionPipeline.load(opts.modelDir, { provider: opts.provider, threads: opts.threads });
  if (opts.saveDir) await mkdir(opts.saveDir, { recursive: true });

  const tally = new Tally<Category>(CATEGORIES);
  const results: PromptResult[] = [];
  const diversities: number[] = [];
  let correct = 0;
  for (const [k, p] of prompts.entries()) {
    // One request per prompt, all seeds batched: image j gets seed baseSeed + j.
    const { images } = await pipeline.generate({ prompt: p.prompt, seed: opts.baseSeed, n: opts.seeds, steps: opts.steps, sampler: opts.sampler, guidance: opts.cfg });
    const analyses = images.map((img) => analyseScene(img));
    const scores = analyses.map((a) => scoreScene(specs[k], a));
    scores.forEach((s) => tally.add(s));
    const ok = scores.map(allPassed);
    correct += ok.filter(Boolean).length;
    const diversity = meanPairwiseDifference(images);
    if (diversity !== null) diversities.push(diversity);
    if (opts.saveDir) await saveImages(opts.saveDir, k, images);
    const result: PromptResult = {
      prompt: p.prompt,
      category: p.category,
      seeds: images.map((img) => img.seed),
      scores,
      correct: ok,
      diversity,
      detected: analyses.map(describeScene),
    };
    results.push(result);
    onPrompt?.(result, k, prompts.length);
  }
  return {
    model: pipeline.info.name,
    images: results.reduce((n, r) => n + r.scores.length, 0),
    tally,
    correct,
    diversity: diversities.length ? diversities.reduce((a, b) => a + b, 0) / diversities.length : null,
    seconds: (Date.now() - started) / 1000,
    prompts: results,
  };
}

async function saveImages(dir: string, promptIndex: number, images: GeneratedImage[]): Promise<void> {
  for (const img of images) {
    const file = path.join(dir, `${String(promptIndex).padStart(2, '0')}-${img.seed}.png`);
    await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } })
      .png()
      .toFile(file);
  }
}
