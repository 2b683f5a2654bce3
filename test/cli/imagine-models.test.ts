/**
 * `npm run imagine` with MODEL_DIR pointing at other model folders: what a host sees when bringing
 * their own model. Refused kinds get one line naming what was found and what is supported.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repo-paths.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function imagineWith(modelDir: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      path.join(repoRoot, 'node_modules/.bin/tsx'),
      ['src/cli/imagine.ts', ...args],
      { cwd: repoRoot, env: { ...process.env, MODEL_DIR: modelDir, ORT_THREADS: '1', ORT_PROVIDER: 'cpu' }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const tmp = mkdtempSync(path.join(tmpdir(), 'imagine-models-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm run imagine with an unsupported model', () => {
  it('refuses a Flux folder with one line naming what it found and what is supported, and writes nothing', async () => {
    const dir = path.join(tmp, 'flux');
    for (const sub of ['transformer', 'text_encoder', 'text_encoder_2', 'vae_decoder']) mkdirSync(path.join(dir, sub), { recursive: true });
    writeFileSync(path.join(dir, 'model_index.json'), JSON.stringify({ _class_name: 'FluxPipeline' }));
    const out = path.join(tmp, 'flux.png');
    const r = await imagineWith(dir, ['a cat', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `error: model folder ${dir} holds a Flux model (found transformer/ and no unet/, model_index.json _class_name FluxPipeline), which this bot cannot run; ` +
        'supported are Stable Diffusion 1.x and 2.x (epsilon or v-prediction) and SDXL (1.0, its fine-tunes, Turbo, Lightning) text-to-image UNet models in the diffusers / optimum ONNX layout',
    ]);
  });
});
