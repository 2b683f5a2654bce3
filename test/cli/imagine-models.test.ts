/**
 * `npm run imagine` with MODEL_DIR pointing at other model folders: what a host sees when bringing
 * their own model. Refused kinds get one line naming what was found and what is supported.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { parseParameters, readPngText } from '../../src/diffusion/png.ts';
import { fixtureDir } from '../diffusion/diffusers-fixtures.ts';
import { runImagineCli } from '../support/cli-run.ts';

const imagineWith = (modelDir: string, args: string[]) => runImagineCli(args, modelDir);

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
        'supported are Stable Diffusion 1.x and 2.x (epsilon or v-prediction) and SDXL (1.0, its fine-tunes, Turbo, Lightning) text-to-image UNet models, ' +
        'and SD 1.x / 2.x inpainting UNets (9 input channels), in the diffusers / optimum ONNX layout',
    ]);
  });
});

describe('npm run imagine with models exported in the diffusers / optimum layout', () => {
  it.each([
    ['sd15-tiny', 'SD 1.5 shapes, optimum 1.23 layout (int32 input_ids, int64 timestep)'],
    ['sd2-v-tiny', 'SD 2 v-prediction, optimum-onnx layout (float timestep)'],
    ['sdxl-tiny', 'SDXL, two text encoders, UNet weights in model.onnx_data'],
    ['sd15-tiny-fp16', 'SD 1.5 shapes, float16 graphs'],
    ['sdxl-tiny-fp16', 'SDXL, float16 graphs'],
    ['sd15-inpaint-tiny', 'SD 1.5 inpainting, 9-channel UNet: text-to-image with a full mask'],
  ])('MODEL_DIR=%s (%s) writes a PNG of the native size that names the model', async (name) => {
    const out = path.join(tmp, name, 'x.png');
    const r = await imagineWith(fixtureDir(name), ['a red circle on a blue square', '--seed', '1', '--n', '1', '--steps', '2', '--out', out]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${out}  seed 1`);
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 64]);
    const text = readPngText(readFileSync(out)).parameters ?? '';
    expect(parseParameters(text)).toMatchObject({ prompt: 'a red circle on a blue square', seed: 1 });
    expect(text).toContain('Steps: 2');
    expect(text).toContain(`Model: ${name}`);
  });
});
