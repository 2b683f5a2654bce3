/**
 * `npm run eval:model`: how well the embedded model draws what its prompts say. Generates the fixed
 * prompt set for N seeds, reports accuracy per category (single, count, position, relation,
 * background, size, held-out) and seed diversity. `--ground-truth N` instead measures the analyser
 * itself on N scenes from the training renderer; it exits 1 below 99% in any category, since the
 * model's scores mean nothing until the metric passes there.
 *
 *   npm run eval:model -- [--json] [--seeds 4] [--model models/tiny-shapes] [--steps 20]
 *                         [--sampler euler-a] [--cfg 7] [--seed 1] [--threads 0] [--provider cpu]
 *                         [--save DIR] [--ground-truth N]
 */
import { parseArgs } from 'node:util';
import type { ProviderName } from '../diffusion/onnx-runtime.ts';
import type { SamplerName } from '../diffusion/types.ts';
import { evaluateGroundTruth, GROUND_TRUTH_CATEGORIES, type GroundTruthReport } from './ground-truth-eval.ts';
import { groundTruthUnavailable } from './ground-truth.ts';
import { evaluateModel, type ModelEvalReport } from './model-eval.ts';

/** Accuracy the analyser must reach on ground truth before its verdicts on generated images count. */
const TRUSTED_ACCURACY = 0.99;

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    seeds: { type: 'string', default: '4' },
    model: { type: 'string', default: 'models/tiny-shapes' },
    steps: { type: 'string', default: '20' },
    sampler: { type: 'string', default: 'euler-a' },
    cfg: { type: 'string', default: '7' },
    seed: { type: 'string', default: '1' },
    threads: { type: 'string', default: '0' },
    provider: { type: 'string', default: 'cpu' },
    save: { type: 'string' },
    'ground-truth': { type: 'string' },
  },
  strict: true,
});

function int(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min} (got "${value}")`);
  return n;
}

function finite(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number (got "${value}")`);
  return n;
}

function percent(x: number | null): string {
  return x === null ? '-' : `${(x * 100).toFixed(1)}%`;
}

async function groundTruth(count: number, seed: number): Promise<number> {
  const unavailable = await groundTruthUnavailable();
  if (unavailable) throw new Error(unavailable);
  const report = await evaluateGroundTruth(count, seed);
  const trusted = GROUND_TRUTH_CATEGORIES.every((c) => (report.tally.accuracy(c) ?? 1) >= TRUSTED_ACCURACY);
  if (args.json) {
    console.log(JSON.stringify({ mode: 'ground-truth', images: report.images, seed, trusted, categories: report.tally.toJSON(), failures: report.failures }));
  } else {
    printGroundTruth(report, seed, trusted);
  }
  return trusted ? 0 : 1;
}

function printGroundTruth(report: GroundTruthReport, seed: number, trusted: boolean): void {
  console.log(`analyser on ${report.images} ground-truth scenes (renderer seed ${seed})`);
  console.log(report.tally.table());
  for (const f of report.failures.slice(0, 20)) console.log(`  FAIL ${f.file} "${f.caption}" [${f.failed.join(', ')}]: saw ${f.detected}`);
  console.log(trusted ? `metric trusted: every category >= ${percent(TRUSTED_ACCURACY)}` : `metric NOT trusted: some category < ${percent(TRUSTED_ACCURACY)}`);
}

async function model(): Promise<number> {
  const report = await evaluateModel(
    {
      modelDir: args.model,
      seeds: int('seeds', args.seeds, 1),
      baseSeed: int('seed', args.seed, 0),
      steps: int('steps', args.steps, 1),
      sampler: args.sampler as SamplerName, // the engine validates it and names the allowed ones
      cfg: finite('cfg', args.cfg),
      provider: args.provider as ProviderName,
      threads: int('threads', args.threads, 0),
      saveDir: args.save,
    },
    (r, k, of) => {
      // Progress on stderr keeps stdout a single JSON object under --json.
      const ok = r.correct.filter(Boolean).length;
      process.stderr.write(`[${k + 1}/${of}] ${r.prompt}: ${ok}/${r.correct.length} correct\n`);
    },
  );
  if (args.json) console.log(JSON.stringify(toJson(report)));
  else printModel(report);
  return 0;
}

function toJson(report: ModelEvalReport) {
  const categories = report.tally.toJSON();
  return {
    mode: 'model',
    model: report.model,
    settings: { seeds: Number(args.seeds), seed: Number(args.seed), steps: Number(args.steps), sampler: args.sampler, cfg: Number(args.cfg) },
    images: report.images,
    accuracy: Object.fromEntries(Object.entries(categories).map(([c, v]) => [c, v.accuracy])),
    categories,
    correct: report.correct,
    diversity: report.diversity,
    seconds: report.seconds,
    prompts: report.prompts,
  };
}

function printModel(report: ModelEvalReport): void {
  console.log(`model ${report.model}: ${args.steps} steps, ${args.sampler}, cfg ${args.cfg}, ${args.seeds} seeds from ${args.seed}`);
  console.log(report.tally.table());
  console.log(`images      ${report.images} (every check passed on ${report.correct}, ${percent(report.correct / Math.max(1, report.images))})`);
  console.log(`diversity   ${report.diversity === null ? '-' : report.diversity.toFixed(3)} (mean pixel difference between seeds of a prompt, 0..1)`);
  console.log(`time        ${report.seconds.toFixed(0)} s`);
}

try {
  const gt = args['ground-truth'];
  process.exitCode = gt !== undefined ? await groundTruth(int('ground-truth', gt, 1), int('seed', args.seed, 0)) : await model();
} catch (err) {
  console.error(`eval:model: ${(err as Error).message}`);
  process.exitCode = 2;
}
