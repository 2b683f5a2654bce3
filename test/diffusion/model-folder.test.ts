import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFolderError, readModelFolder } from '../../src/diffusion/model-folder.ts';
import { EMBEDDED_MODEL_DIR } from '../support/model.ts';

let tmp: string;
let copy: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'model-folder-'));
  copy = path.join(tmp, 'my-model');
  cpSync(EMBEDDED_MODEL_DIR, copy, { recursive: true });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let moved = 0;

/** Run `fn` with one part of the copied model folder moved away, then put it back. */
function without<T>(rel: string, fn: () => T): T {
  const from = path.join(copy, rel);
  const away = path.join(tmp, `moved-away-${++moved}`);
  renameSync(from, away);
  try {
    return fn();
  } finally {
    renameSync(away, from);
  }
}

function failure(fn: () => unknown): ModelFolderError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelFolderError);
    return err as ModelFolderError;
  }
  throw new Error('expected readModelFolder to fail');
}

describe('readModelFolder', () => {
  it('finds every part of a complete model folder', () => {
    const m = readModelFolder(copy);
    expect(m.dir).toBe(copy);
    expect(m.files).toMatchObject({
      textEncoder: path.join(copy, 'text_encoder/model.onnx'),
      unet: path.join(copy, 'unet/model.onnx'),
      vaeDecoder: path.join(copy, 'vae_decoder/model.onnx'),
      tokenizerDir: path.join(copy, 'tokenizer'),
    });
  });

  it.each(['unet/model.onnx', 'model_index.json', 'text_encoder/model.onnx', 'vae_decoder/model.onnx', 'tokenizer', 'scheduler/scheduler_config.json'])(
    'says which file is missing when the folder has no %s, and points to the expected layout',
    (rel) => {
      const err = without(rel, () => failure(() => readModelFolder(copy)));
      expect(err.message).toContain(`model folder ${copy} has no ${rel}`);
      expect(err.message).toContain('diffusers ONNX layout (model_index.json, tokenizer/, text_encoder/model.onnx, unet/model.onnx, vae_decoder/model.onnx');
      expect(err.message).toContain('README "Bringing your own model"');
    },
  );

  it('names the path (and MODEL_DIR) when the folder does not exist', () => {
    const missing = path.join(tmp, 'no-such-model');
    const err = failure(() => readModelFolder(missing));
    expect(err.message).toBe(`model folder ${missing} does not exist (MODEL_DIR)`);
    // A relative path is reported resolved, so the user sees where it looked.
    expect(failure(() => readModelFolder('no/such/model')).message).toContain(path.resolve('no/such/model'));
  });

  it('names the file when a config is not valid JSON', () => {
    const file = path.join(copy, 'scheduler/scheduler_config.json');
    const original = readFileSync(file);
    writeFileSync(file, '{ "num_train_timesteps": 1000,');
    try {
      expect(failure(() => readModelFolder(copy)).message).toMatch(new RegExp(`^cannot read ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    } finally {
      writeFileSync(file, original);
    }
  });

  it('treats the VAE encoder as optional (no img2img) instead of failing', () => {
    expect(readModelFolder(copy).files.vaeEncoder).toBeDefined();
    expect(without('vae_encoder', () => readModelFolder(copy)).files.vaeEncoder).toBeUndefined();
  });

  it('reads the scaling and shift factor, latent channels, UNet layout, name and defaults from the configs', () => {
    const vaeFile = path.join(copy, 'vae_decoder/config.json');
    const unetFile = path.join(copy, 'unet/config.json');
    const extraFile = path.join(copy, 'imagine-model.json');
    const saved = [vaeFile, unetFile, extraFile].map((f) => [f, readFileSync(f)] as const);
    try {
      writeFileSync(vaeFile, JSON.stringify({ scaling_factor: 0.5, shift_factor: 0.25, latent_channels: 16, block_out_channels: [8, 8, 8, 8] }));
      writeFileSync(unetFile, JSON.stringify({ sample_size: 24, block_out_channels: [8, 16, 32] }));
      writeFileSync(
        extraFile,
        JSON.stringify({
          name: 'shapes-v2',
          defaults: { steps: 12, guidance: 4.5, sampler: 'ddim', width: 192, height: 128 },
          latent_rgb_factors: [[1, 0, 0]],
          latent_rgb_factors_bias: [0.1, 0.2, 0.3],
        }),
      );
      const m = readModelFolder(copy);
      expect(m.name).toBe('shapes-v2');
      expect(m.vae).toEqual({ scalingFactor: 0.5, shiftFactor: 0.25, latentChannels: 16, factor: 8 });
      expect(m.unet).toEqual({ sampleSize: 24, downsamples: 2 });
      expect(m.defaults).toEqual({ steps: 12, guidance: 4.5, sampler: 'ddim', width: 192, height: 128 });
      expect(m.latentRgb).toEqual({ factors: [[1, 0, 0]], bias: [0.1, 0.2, 0.3] });
      expect(m.scheduler).toEqual(JSON.parse(readFileSync(path.join(copy, 'scheduler/scheduler_config.json'), 'utf8')));
    } finally {
      for (const [f, data] of saved) writeFileSync(f, data);
    }
  });

  it('falls back to Stable Diffusion 1.x values and the folder name when the optional configs are absent', () => {
    const m = without('imagine-model.json', () => without('vae_decoder/config.json', () => without('unet/config.json', () => readModelFolder(copy))));
    expect(m.name).toBe('my-model');
    expect(m.vae).toEqual({ scalingFactor: 0.18215, shiftFactor: 0, latentChannels: 4, factor: undefined });
    expect(m.unet).toEqual({ sampleSize: undefined, downsamples: undefined });
    expect(m.defaults).toEqual({ steps: 25, guidance: 7.5, sampler: 'euler-a', width: undefined, height: undefined });
    expect(m.latentRgb).toBeUndefined();
  });

  it('reads the embedded model as its own configs say', () => {
    const m = readModelFolder(EMBEDDED_MODEL_DIR);
    const vae = JSON.parse(readFileSync(path.join(EMBEDDED_MODEL_DIR, 'vae_decoder/config.json'), 'utf8'));
    expect(m.vae.scalingFactor).toBe(vae.scaling_factor ?? 0.18215);
    expect(m.vae.shiftFactor).toBe(vae.shift_factor ?? 0);
    expect(m.vae.latentChannels).toBe(vae.latent_channels ?? 4);
  });
});
