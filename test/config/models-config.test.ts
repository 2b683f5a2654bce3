/** MODELS, DEFAULT_MODEL and MAX_LOADED_MODELS: what a host writes, and the errors that name the bad value. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { EMBEDDED_MODEL_DIR } from '../support/model.ts';

let dir: string;
let copy: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'models-config-'));
  copy = path.join(dir, 'shapes-copy');
  cpSync(path.join(EMBEDDED_MODEL_DIR, 'imagine-model.json'), path.join(copy, 'imagine-model.json'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('models configuration', () => {
  it('without MODELS, MODEL_DIR is the one model, named as its folder names itself', () => {
    const c = loadConfig({ MODEL_DIR: EMBEDDED_MODEL_DIR });
    expect(c.models).toEqual({ list: [{ name: 'tiny-shapes', dir: EMBEDDED_MODEL_DIR }], defaultName: 'tiny-shapes', maxLoaded: 1 });
    expect(c.model.dir).toBe(EMBEDDED_MODEL_DIR);
  });

  it('MODELS lists folders, each path or name=path; DEFAULT_MODEL picks the default, else the first', () => {
    const c = loadConfig({ MODELS: `${EMBEDDED_MODEL_DIR}, other=${copy}`, DEFAULT_MODEL: 'other', MAX_LOADED_MODELS: '2' });
    expect(c.models.list).toEqual([
      { name: 'tiny-shapes', dir: EMBEDDED_MODEL_DIR },
      { name: 'other', dir: copy },
    ]);
    expect(c.models.defaultName).toBe('other');
    expect(c.models.maxLoaded).toBe(2);
    expect(c.model.dir).toBe(copy);
    expect(loadConfig({ MODELS: `${EMBEDDED_MODEL_DIR},other=${copy}` }).models.defaultName).toBe('tiny-shapes');
  });

  it('names a folder that does not exist, two models with one name, and a default not in the list', () => {
    const missing = path.join(dir, 'nowhere');
    expect(() => loadConfig({ MODELS: `${EMBEDDED_MODEL_DIR},${missing}` })).toThrow(`MODELS: the model folder "${missing}" does not exist (resolved to ${missing})`);
    // The copy names itself tiny-shapes too (its imagine-model.json).
    expect(() => loadConfig({ MODELS: `${EMBEDDED_MODEL_DIR},${copy}` })).toThrow(
      `MODELS: two models are named "tiny-shapes" (${EMBEDDED_MODEL_DIR} and ${copy}); give one another name with name=path`,
    );
    expect(() => loadConfig({ MODELS: `${EMBEDDED_MODEL_DIR},other=${copy}`, DEFAULT_MODEL: 'sdxl' })).toThrow(
      'DEFAULT_MODEL "sdxl" is not one of the models in MODELS: tiny-shapes, other',
    );
    expect(() => loadConfig({ MODEL_DIR: EMBEDDED_MODEL_DIR, DEFAULT_MODEL: 'sdxl' })).toThrow(/DEFAULT_MODEL is "sdxl", but the only model is "tiny-shapes" \(MODEL_DIR\)/);
    expect(() => loadConfig({ MODELS: `bad name=${copy}` })).toThrow(/model name "bad name" .* must be 1 to 64 letters, digits, dots, dashes or underscores/);
    expect(() => loadConfig({ MODELS: copy, MODEL_DIR: EMBEDDED_MODEL_DIR })).toThrow('MODELS and MODEL_DIR are both set');
    expect(() => loadConfig({ MAX_LOADED_MODELS: '0' })).toThrow('MAX_LOADED_MODELS must be a whole number from 1 to 25, got "0"');
  });
});
