/** `npm run imagine`: the real CLI as a child process, on the embedded model (or TEST_MODEL_DIR). */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelFolder } from '../../src/diffusion/model-folder.ts';
import { parseParameters, readPngText } from '../../src/diffusion/png.ts';
import { EMBEDDED_MODEL_DIR, embeddedPipeline } from '../support/model.ts';
import { runImagineCli } from '../support/cli-run.ts';

const imagine = (args: string[]) => runImagineCli(args, EMBEDDED_MODEL_DIR, 90_000);

let tmp: string;
let native: { width: number; height: number };
let modelName: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'imagine-cli-'));
  const p = await embeddedPipeline();
  native = { width: p.info.sizes.nativeWidth, height: p.info.sizes.nativeHeight };
  modelName = readModelFolder(EMBEDDED_MODEL_DIR).name;
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function size(file: string): Promise<{ width?: number; height?: number; format?: string }> {
  const m = await sharp(file).metadata();
  return { width: m.width, height: m.height, format: m.format };
}

describe('npm run imagine', () => {
  it('writes one PNG of the native size at --out that records prompt and seed, and prints its path and seed', async () => {
    const dir = path.join(tmp, 'one');
    const out = path.join(dir, 'x.png');
    const r = await imagine(['a red circle', '--seed', '1', '--n', '1', '--steps', '4', '--out', out]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(readdirSync(dir)).toEqual(['x.png']);
    expect(await size(out)).toEqual({ ...native, format: 'png' });
    const params = readPngText(readFileSync(out)).parameters;
    expect(parseParameters(params)).toMatchObject({ prompt: 'a red circle', seed: 1 });
    expect(params).toContain('Steps: 4,');
    expect(params).toContain(`Model: ${modelName}`);
    expect(r.stdout.trim()).toBe(`${out}  seed 1`);
  });

  it('with --n 2 writes x-1.png and x-2.png (seeds N and N+1) and the grid x-grid.png', async () => {
    const dir = path.join(tmp, 'two');
    const out = path.join(dir, 'x.png');
    const r = await imagine(['a blue square', '--seed', '7', '--n', '2', '--steps', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['x-1.png', 'x-2.png', 'x-grid.png']);
    for (const [k, seed] of [
      [1, 7],
      [2, 8],
    ]) {
      const file = path.join(dir, `x-${k}.png`);
      expect(await size(file)).toEqual({ ...native, format: 'png' });
      expect(parseParameters(readPngText(readFileSync(file)).parameters)).toMatchObject({ prompt: 'a blue square', seed });
    }
    expect(await size(path.join(dir, 'x-grid.png'))).toEqual({ width: 2 * native.width, height: native.height, format: 'png' });
    expect(r.stdout.trim().split('\n')).toEqual([`${dir}/x-1.png  seed 7`, `${dir}/x-2.png  seed 8`, `${dir}/x-grid.png  seed 7..8`]);
  });

  it('upscales a PNG it made 2x with --upscale, reusing its prompt and seed, and takes --strength there', async () => {
    const dir = path.join(tmp, 'up');
    const src = path.join(dir, 'src.png');
    expect((await imagine(['a green triangle', '--seed', '21', '--n', '1', '--steps', '2', '--out', src])).code).toBe(0);
    const out = path.join(dir, 'big.png');
    const r = await imagine(['--upscale', src, '--strength', '0.5', '--steps', '4', '--out', out]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(await size(out)).toEqual({ width: 2 * native.width, height: 2 * native.height, format: 'png' });
    const params = readPngText(readFileSync(out)).parameters;
    expect(parseParameters(params)).toMatchObject({ prompt: 'a green triangle', seed: 21 });
    expect(params).toContain('Denoising strength: 0.5');
  });

  it.each([
    ['--steps 0', ['--steps', '0'], '--steps', /from 1 to 150, got 0/],
    ['--size 100x100', ['--size', '100x100'], '--size', /size 100x100 is not allowed: width and height must be multiples of \d+ from \d+ to \d+/],
    ['--sampler plms', ['--sampler', 'plms'], '--sampler', /one of euler, euler-a, ddim, dpmpp-2m, dpmpp-2m-karras, lcm, got "plms"/],
    ['--seed -1', ['--seed', '-1'], '--seed', /from 0 to 4294967295, got -1/],
    ['--cfg abc', ['--cfg', 'abc'], '--cfg', /from 0 to 30, got "abc"/],
    ['--strength without --init', ['--strength', '0.5'], '--strength', /needs --init PATH.*above 0 and at most 1/],
    ['an unknown flag', ['--colour', 'red'], '--colour', /unknown option; the options are --negative, --seed, --steps, --cfg, --sampler, --n, --size/],
    ['--seed with no value', ['--seed'], '--seed', /needs a value/],
  ])('refuses %s with one line naming the flag and what is allowed, and writes nothing', async (_label, args, flag, allowed) => {
    const dir = path.join(tmp, `bad-${flag.slice(2)}-${args.length}`);
    const r = await imagine(['a red circle', '--n', '1', '--steps', '2', '--out', path.join(dir, 'x.png'), ...args]);
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`error: ${flag}: `)).toBe(true);
    expect(lines[0]).toMatch(allowed);
    expect(r.stdout).toBe('');
    expect(existsSync(dir)).toBe(false);
  });
});
