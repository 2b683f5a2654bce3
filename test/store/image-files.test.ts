// The image files: paths stored relative to IMAGE_DIR, rows from before that (absolute paths)
// still found after the folder moved, and the retention sweep's deletions.
import { mkdtemp, rename, rm, stat, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageFiles } from '../../src/store/index.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'image-files-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const png = (n: number) => Buffer.from([0x89, 0x50, 0x4e, 0x47, n]);

describe('image files', () => {
  it('stores paths relative to IMAGE_DIR, so the folder can move', async () => {
    const files = new ImageFiles(path.join(root, 'images'));
    expect(await files.saveImage(7, 2, png(2))).toBe('7/2.png');
    expect(await files.saveGrid(7, png(9))).toBe('7/grid.png');
    await rename(path.join(root, 'images'), path.join(root, 'moved'));
    const moved = new ImageFiles(path.join(root, 'moved'));
    expect(await moved.load('7/2.png')).toEqual(png(2));
    expect(await moved.load(moved.gridPath(7))).toEqual(png(9));
    expect(await moved.load('7/3.png')).toBeUndefined();
  });

  it('reads a row written with an absolute path where it points, or under the moved IMAGE_DIR', async () => {
    const old = new ImageFiles(path.join(root, 'old'));
    await old.saveImage(3, 0, png(0));
    const legacy = path.join(root, 'old', '3', '0.png');
    expect(await new ImageFiles(path.join(root, 'elsewhere')).load(legacy)).toEqual(png(0));
    await rename(path.join(root, 'old'), path.join(root, 'new'));
    expect(await new ImageFiles(path.join(root, 'new')).load(legacy)).toEqual(png(0));
    expect(await new ImageFiles(path.join(root, 'elsewhere')).load(legacy)).toBeUndefined();
  });

  it('keeps an uploaded picture under uploads/<key>.png, relative to IMAGE_DIR, and removes it on request', async () => {
    const files = new ImageFiles(path.join(root, 'images'));
    const stored = await files.saveUpload('1300000000000000001', png(5));
    expect(stored).toBe('uploads/1300000000000000001.png');
    expect(await files.load(stored)).toEqual(png(5));
    await files.remove(stored);
    expect(await files.load(stored)).toBeUndefined();
    await files.remove(stored); // gone already: nothing to do
    expect(() => files.uploadPath('../../etc/passwd')).toThrow(/upload key/);
  });

  it('sweeps uploads written before the cutoff, except those unfinished jobs still start from', async () => {
    const files = new ImageFiles(path.join(root, 'images'));
    const old = new Date('2030-01-01T00:00:00Z');
    for (const key of ['a', 'b', 'c']) {
      await files.saveUpload(key, png(1));
      await utimes(files.absolute(files.uploadPath(key)), key === 'c' ? new Date('2030-03-01T00:00:00Z') : old, key === 'c' ? new Date('2030-03-01T00:00:00Z') : old);
    }
    expect(await files.deleteOlderThan(new Date('2030-02-01T00:00:00Z'), new Set(), new Set(['uploads/b.png']))).toBe(1);
    expect(await files.load('uploads/a.png')).toBeUndefined();
    expect(await files.load('uploads/b.png')).toEqual(png(1));
    expect(await files.load('uploads/c.png')).toEqual(png(1));
  });

  it('deletes files last written before a cutoff, except those of jobs it must keep, and empty job folders', async () => {
    const files = new ImageFiles(path.join(root, 'images'));
    const old = new Date('2030-01-01T00:00:00Z');
    const recent = new Date('2030-03-01T00:00:00Z');
    for (const [jobId, at] of [[1, old], [2, recent], [3, old]] as const) {
      await files.saveImage(jobId, 0, png(jobId));
      await files.saveGrid(jobId, png(jobId));
      for (const name of ['0.png', 'grid.png']) await utimes(path.join(root, 'images', String(jobId), name), at, at);
    }
    // Not ours: left alone.
    await mkdir(path.join(root, 'images', 'notes'));
    await writeFile(path.join(root, 'images', 'notes', 'a.png'), png(0));
    await utimes(path.join(root, 'images', 'notes', 'a.png'), old, old);

    expect(await files.deleteOlderThan(new Date('2030-02-01T00:00:00Z'), new Set([3]))).toBe(2);
    await expect(stat(path.join(root, 'images', '1'))).rejects.toThrow(/ENOENT/);
    expect(await files.load('2/0.png')).toEqual(png(2));
    expect(await files.load('3/grid.png')).toEqual(png(3));
    expect(await files.load('notes/a.png')).toEqual(png(0));
    expect(await new ImageFiles(path.join(root, 'absent')).deleteOlderThan(recent, new Set())).toBe(0);
  });
});
