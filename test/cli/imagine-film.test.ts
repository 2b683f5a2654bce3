/** `npm run imagine -- --film` and `--forward`: the real CLI as a child process, on the embedded model. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_MODEL_DIR } from '../support/model.ts';
import { runImagineCli } from '../support/cli-run.ts';

const imagine = (args: string[]) => runImagineCli(args, EMBEDDED_MODEL_DIR, 90_000);

let tmp: string;
let picture: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'imagine-film-'));
  picture = path.join(tmp, 'in.png');
  await sharp({ create: { width: 96, height: 96, channels: 3, background: '#204060' } })
    .composite([{ input: Buffer.from('<svg width="96" height="96"><circle cx="48" cy="48" r="30" fill="#f0c020"/></svg>') }])
    .png()
    .toFile(picture);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm run imagine films', () => {
  it('--film saves the reverse process as an animated WebP: one frame per step plus the final image, the last held longer', async () => {
    const out = path.join(tmp, 'x.png');
    const film = path.join(tmp, 'x.webp');
    const r = await imagine(['a red circle', '--seed', '1', '--n', '1', '--steps', '5', '--out', out, '--film', film]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${film}  reverse process of seed 1, 6 frames`);
    expect(existsSync(out)).toBe(true);
    const meta = await sharp(film).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.pages).toBe(6);
    expect(meta.delay!.at(-1)).toBeGreaterThan(meta.delay![0]);
  });

  it('--forward IMAGE --out FILM.webp saves the forward process, 20 frames, in latent space', async () => {
    const film = path.join(tmp, 'forward.webp');
    const r = await imagine(['--forward', picture, '--out', film, '--seed', '4']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${film}  forward process in latent space, 20 frames`);
    const meta = await sharp(film).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.pages).toBe(20);
  });

  it.each([
    ['--forward without --out', () => ['--forward', picture], '--out', /needs the path of the film to write/],
    ['--forward of a missing file', () => ['--forward', path.join(tmp, 'nope.png'), '--out', path.join(tmp, 'f.webp')], '--forward', /no image file at ".*nope\.png"/],
    ['--forward of a file that is not an image', () => ['--forward', notImage(), '--out', path.join(tmp, 'f.webp')], '--forward', /is not an image sharp can read/],
    ['--forward with a prompt', () => ['a cat', '--forward', picture, '--out', path.join(tmp, 'f.webp')], '--forward', /takes an image, not a prompt; got "a cat"/],
    ['--forward to a .gif', () => ['--forward', picture, '--out', path.join(tmp, 'f.gif')], '--out', /must end in \.webp, got ".*f\.gif"/],
    ['--film to a .png', () => ['a cat', '--n', '1', '--film', path.join(tmp, 'f.png')], '--film', /must end in \.webp/],
    ['--film into a missing folder', () => ['a cat', '--n', '1', '--film', path.join(tmp, 'no', 'dir', 'f.webp')], '--film', /the folder .*no\/dir does not exist/],
    ['--forward with a bad seed', () => ['--forward', picture, '--out', path.join(tmp, 'f.webp'), '--seed', 'x'], '--seed', /integer from 0 to 4294967295, got "x"/],
  ])('refuses %s with one line naming the flag, and writes no film', async (_label, args, flag, allowed) => {
    const r = await imagine(args());
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`error: ${flag}: `)).toBe(true);
    expect(lines[0]).toMatch(allowed);
    expect(r.stdout).toBe('');
    expect(existsSync(path.join(tmp, 'f.webp'))).toBe(false);
  });
});

function notImage(): string {
  const file = path.join(tmp, 'notes.png');
  writeFileSync(file, 'not a picture');
  return file;
}
