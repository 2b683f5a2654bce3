/**
 * `npm run bench:models [-- --switches 20 --a models/tiny-shapes --b <folder> --threads 1 --no-release]`:
 * does the process grow when models are loaded and unloaded over and over? onnxruntime's Node
 * binding is known to keep memory when sessions are created and released (onnxruntime#25325).
 * The model registry runs with MAX_LOADED_MODELS=1 and alternates two models: load A, generate,
 * load B (A is unloaded), generate, ... and prints the RSS after each switch, then the growth.
 * Without --b, A is copied to a temporary folder and served under a second name.
 * --no-release drops unloaded pipelines without releasing their sessions, for comparison.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MODEL_DIR } from '../src/config/config.ts';
import { DiffusionPipeline } from '../src/diffusion/pipeline.ts';
import { ModelRegistry, releaseSessions } from '../src/services/model-registry.ts';
import { whole } from './cli-number.ts';

const { values } = parseArgs({
  options: {
    switches: { type: 'string', default: '20' },
    a: { type: 'string', default: DEFAULT_MODEL_DIR },
    b: { type: 'string' },
    threads: { type: 'string', default: '1' },
    steps: { type: 'string', default: '2' },
    'no-release': { type: 'boolean', default: false },
  },
});

const SWITCHES = whole('switches', values.switches, 2);
const THREADS = whole('threads', values.threads, 0);
const STEPS = whole('steps', values.steps, 1);
const mib = (bytes: number) => bytes / 2 ** 20;

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'bench-models-'));
  try {
    const a = path.resolve(values.a);
    const b = values.b ? path.resolve(values.b) : path.join(tmp, 'copy');
    if (!values.b) cpSync(a, b, { recursive: true });
    const registry = new ModelRegistry({
      models: [
        { name: 'a', dir: a },
        { name: 'b', dir: b },
      ],
      defaultName: 'a',
      maxLoaded: 1,
      load: (entry) => DiffusionPipeline.load(entry.dir, { threads: THREADS }),
      unload: (_entry, pipeline) => (values['no-release'] ? Promise.resolve() : releaseSessions(pipeline)),
    });
    const gc = (globalThis as { gc?: () => void }).gc;
    const rss: number[] = [];
    const start = process.memoryUsage().rss;
    console.log(`${values['no-release'] ? 'sessions NOT released' : 'sessions released'}; A=${a} B=${values.b ? b : '(copy of A)'}; ${STEPS} steps, 1 image, ${THREADS || 'auto'} thread(s)${gc ? ', gc after each' : ''}`);
    console.log(`start: RSS ${mib(start).toFixed(1)} MiB`);
    for (let i = 1; i <= SWITCHES; i++) {
      const name = i % 2 === 1 ? 'a' : 'b';
      const t0 = performance.now();
      const lease = await registry.acquire(name);
      try {
        await lease.pipeline.generate({ prompt: 'a red circle', steps: STEPS, n: 1, seed: i });
      } finally {
        lease.release();
      }
      gc?.();
      rss.push(process.memoryUsage().rss);
      console.log(`switch ${String(i).padStart(2)} (${name}): RSS ${mib(rss.at(-1)!).toFixed(1)} MiB, ${(performance.now() - t0).toFixed(0)} ms`);
    }
    await registry.close();
    // After the first two loads both models have been in memory once; growth after that is what leaks.
    const base = rss[1];
    const last = rss.at(-1)!;
    const perSwitch = (last - base) / (rss.length - 2);
    console.log(`growth from switch 2 to ${SWITCHES}: ${mib(last - base).toFixed(1)} MiB (${mib(perSwitch).toFixed(2)} MiB per switch); peak ${mib(Math.max(...rss)).toFixed(1)} MiB`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
