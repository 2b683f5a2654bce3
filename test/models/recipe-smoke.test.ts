/**
 * The training recipe still trains and exports a model the engine runs: `train.py --smoke` runs a
 * few steps of every stage. This is how CI keeps models/recipe from rotting.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiffusionPipeline } from '../../src/diffusion/pipeline.ts';
import { repoRoot } from '../support/repo-paths.ts';
import { requirement } from '../support/requirements.ts';

// Debian's interpreter has Debian's torch; another one (a venv with torch) can be named instead.
const PYTHON = process.env.RECIPE_PYTHON ?? '/usr/bin/python3';

function torchProblem(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return `${PYTHON} cannot run (${r.error.message})`;
  if (r.status !== 0) return `${PYTHON} cannot import torch and numpy (${r.stderr.trim().split('\n').at(-1)})`;
  return undefined;
}

// Asked once for the file: a user without torch sees one line, CI (which installs it) fails.
const torch = requirement('Python with torch', 'TORCH', torchProblem());

function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const tmp = mkdtempSync(path.join(tmpdir(), 'recipe-smoke-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(Boolean(torch.missing))(`models/recipe/train.py --smoke ${torch.title}`, () => {
  it('trains every stage briefly and exports a model folder the engine loads and generates from', { timeout: 600_000 }, async () => {
    const out = path.join(tmp, 'model');
    // One torch thread: the other test files share the two cores.
    const r = await run(PYTHON, ['models/recipe/train.py', '--smoke', '--threads', '1', '--out', out, '--work', path.join(tmp, 'work')]);
    expect(r.code, `train.py --smoke failed:\n${r.output.slice(-4000)}`).toBe(0);

    const p = await DiffusionPipeline.load(out, { threads: 1 });
    expect(p.info.canImg2Img).toBe(true);
    const result = await p.generate({ prompt: 'a red circle', steps: 2, n: 1, seed: 1 });
    expect(result.images).toHaveLength(1);
    const img = result.images[0];
    expect([img.width, img.height]).toEqual([p.info.sizes.nativeWidth, p.info.sizes.nativeHeight]);
    expect(img.data.length).toBe(img.width * img.height * 3);
  });

  it('continues from a weights-only checkpoint with a fresh optimizer (how a run moves between machines)', { timeout: 600_000 }, async () => {
    const work = path.join(tmp, 'work');
    expect(existsSync(path.join(work, 'unet.pt')), 'the smoke run above left no checkpoint').toBe(true);
    const slimWork = path.join(tmp, 'slim-work');
    mkdirSync(slimWork);
    for (const f of ['ae.pt', 'latents.pt']) copyFileSync(path.join(work, f), path.join(slimWork, f));
    const slim = await run(PYTHON, ['models/recipe/slim_checkpoint.py', path.join(work, 'unet.pt'), path.join(slimWork, 'unet.pt')]);
    expect(slim.code, slim.output).toBe(0);
    expect(slim.output).toContain('step 3, weights only');

    const out = path.join(tmp, 'model-continued');
    const r = await run(PYTHON, ['models/recipe/train.py', '--resume', '--threads', '1', '--out', out, '--work', slimWork,
      '--ae-batch', '4', '--data', '128', '--unet-steps', '6', '--batch', '8', '--lr-decay-steps', '2', '--sample-every', '0']);
    expect(r.code, `train.py --resume from a weights-only checkpoint failed:\n${r.output.slice(-4000)}`).toBe(0);
    // It reused the autoencoder and the data set, and trained steps 3 to 6 with a new optimizer.
    expect(r.output).toContain('autoencoder: reusing');
    expect(r.output).toContain('dataset: reusing');
    expect(r.output).toContain('the optimizer starts afresh');
    expect(r.output).toContain('resuming at step 3');
    expect(readFileSync(path.join(out, 'report', 'training-report.md'), 'utf8')).toContain('| UNet + text encoder | 6 steps of batch 8');

    const p = await DiffusionPipeline.load(out, { threads: 1 });
    const result = await p.generate({ prompt: 'two blue stars', steps: 2, n: 1, seed: 2 });
    expect(result.images).toHaveLength(1);
  });

  it('slim_checkpoint.py refuses a missing file or one that is not a UNet checkpoint, writing nothing', () => {
    const notCkpt = path.join(tmp, 'not-a-checkpoint.txt');
    writeFileSync(notCkpt, 'hello');
    const out = path.join(tmp, 'slim-never.pt');
    for (const [input, message] of [
      [path.join(tmp, 'missing.pt'), 'cannot read a checkpoint'],
      [notCkpt, 'cannot read a checkpoint'],
      [path.join(tmp, 'work', 'ae.pt'), 'not a UNet checkpoint of train.py (no ema_unet, ema_te, state, rng); nothing written'],
    ]) {
      const r = spawnSync(PYTHON, ['models/recipe/slim_checkpoint.py', input, out], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, input).toBe(1);
      expect(r.stderr).toContain(`${input}: ${message}`);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('fits the run to --minutes from the measured time per step, keeping a cool-down', () => {
    // 120 steps done in 1.2 min (0.01 min each) of a 5-minute budget: 380 more steps fit.
    const code = `
import sys, types; sys.argv = ["x"]; sys.path.insert(0, "models/recipe")
import train
a = types.SimpleNamespace(minutes=5.0, unet_steps=60000, lr_decay_steps=3000)
train.fit_to_minutes(a, 120, 1.2, 0.01, 0)
print("FIT", a.unet_steps, a.lr_decay_steps)
a = types.SimpleNamespace(minutes=5.0, unet_steps=300, lr_decay_steps=100)
train.fit_to_minutes(a, 120, 1.2, 0.01, 0)
print("FIT", a.unet_steps, a.lr_decay_steps)`;
    const r = spawnSync(PYTHON, ['-c', code], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    // Shortened to step 500, cooling down over half of it; a run that already fits is left alone.
    expect(r.stdout.match(/^FIT .*$/gm)).toEqual(['FIT 500 250', 'FIT 300 100']);
  });

  it.each([
    [['--mix', '0.5,0.5'], '--mix must be three shares (single, count, relation) from 0 to 1 that sum to 1, as 0.4,0.25,0.35 (got 0.5,0.5)'],
    [['--mix', '0.5,0.5,0.5'], '(got 0.5,0.5,0.5)'],
    [['--mix', 'a,b,c'], '(got a,b,c)'],
    [['--mix', 'nan,0,1'], '(got nan,0,1)'],
    [['--mix', ''], '(got an empty value)'],
    [['--minutes', '-1'], '--minutes must be 0 (no limit) or a positive number (got -1.0)'],
    [['--minutes', 'inf'], '(got inf)'],
    [['--minutes', 'nan'], '(got nan)'],
    [['--data', '0'], '--data must be at least 1 (got 0)'],
    [['--batch', '-4'], '--batch must be at least 1 (got -4)'],
    [['--threads', '0'], '--threads must be at least 1 (got 0)'],
    [['--sample-every', '-1'], '--sample-every must be 0 (never) or more (got -1)'],
    [['--lr-decay-steps', '-5'], '--lr-decay-steps must be from 0 to --unet-steps (9500) (got -5)'],
  ])('rejects %j with a message naming the value, before writing anything', (args, message) => {
    const out = path.join(tmp, 'never-written');
    const r = spawnSync(PYTHON, ['models/recipe/train.py', '--out', out, '--work', path.join(tmp, 'never-work'), ...args],
      { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expect(existsSync(out) || existsSync(path.join(tmp, 'never-work'))).toBe(false);
  });
});
