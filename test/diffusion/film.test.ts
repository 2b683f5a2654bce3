/** Films of the diffusion process: real sharp-encoded animated WebP, read back with sharp. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeFilm, FORWARD_FRAMES, forwardTimesteps, previewRecorder, reverseFilmFrames } from '../../src/diffusion/film.ts';
import type { RgbImage } from '../../src/diffusion/types.ts';
import { embeddedPipeline } from '../support/model.ts';

/** Pearson correlation of two images' bytes (same size): ~1 for the same picture, ~0 for unrelated noise. */
function correlation(a: Uint8Array, b: Uint8Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] - ma;
    const y = b[i] - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** A picture with structure (a bright disc on a dark ground, a colour gradient), so "nothing left of it" is measurable. */
function disc(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) / 3) ** 2;
      const p = (y * width + x) * 3;
      data[p] = inside ? 240 : 20;
      data[p + 1] = inside ? 200 : Math.round((x / width) * 120);
      data[p + 2] = inside ? 40 : Math.round((y / height) * 200);
    }
  }
  return { width, height, data };
}

/** Frame k of an animated WebP as raw RGB. */
async function frame(webp: Buffer, k: number): Promise<Uint8Array> {
  return new Uint8Array(await sharp(webp, { page: k, pages: 1 }).removeAlpha().raw().toBuffer());
}

describe('films of the diffusion process', () => {
  it('a reverse film is an animated WebP with one frame per step plus the final image, the last held longer', async () => {
    const p = await embeddedPipeline();
    const rec = previewRecorder();
    const result = await p.generate({ prompt: 'a red circle', seed: 7, n: 1, steps: 6 }, { onStep: rec.onStep });
    const webp = await encodeFilm(reverseFilmFrames(rec.previews, result.images[0]), { frameMs: 100, lastMs: 1500 });
    const meta = await sharp(webp).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.pages).toBe(6 + 1);
    expect(meta.delay).toEqual([100, 100, 100, 100, 100, 100, 1500]);
    expect(meta.loop).toBe(0);
    // Previews are latent-sized; the film enlarges them to at least 256 px.
    expect(Math.min(meta.width!, meta.pageHeight ?? meta.height!)).toBeGreaterThanOrEqual(256);
  });

  it('each frame carries its step counter: frames differ only by the caption where the pictures are equal', async () => {
    const img = disc(64, 64);
    const webp = await encodeFilm(
      [
        { image: img, caption: 'step 1/2' },
        { image: img, caption: 'step 2/2' },
      ],
      { minSide: 128 },
    );
    const [a, b] = [await frame(webp, 0), await frame(webp, 1)];
    const plain = new Uint8Array(await sharp(Buffer.from(img.data), { raw: { width: 64, height: 64, channels: 3 } }).resize(128, 128, { kernel: 'nearest' }).raw().toBuffer());
    // The caption band (bottom-left) differs from the plain picture; the top half does not.
    const diffRows = (x: Uint8Array, y0: number, y1: number) => {
      let s = 0;
      for (let i = y0 * 128 * 3; i < y1 * 128 * 3; i++) s += Math.abs(x[i] - plain[i]);
      return s / ((y1 - y0) * 128 * 3);
    };
    expect(diffRows(a, 0, 64)).toBeLessThan(6);
    expect(diffRows(a, 112, 128)).toBeGreaterThan(20);
    expect(diffRows(b, 112, 128)).toBeGreaterThan(20);
  });

  it('a forward film has 20 frames over the whole schedule: the first is the picture, the last is noise', async () => {
    const p = await embeddedPipeline();
    const size = { width: p.info.sizes.nativeWidth, height: p.info.sizes.nativeHeight };
    const original = disc(size.width, size.height);
    const { frames, space } = await p.forwardProcess(original, { seed: 3 });
    expect(space).toBe('latent');
    expect(frames).toHaveLength(FORWARD_FRAMES);
    expect(frames[0].caption).toMatch(/^t 0\/999/);
    expect(frames.at(-1)!.caption).toMatch(/^t 999\/999/);
    const webp = await encodeFilm(frames, { minSide: size.width });
    const meta = await sharp(webp).metadata();
    expect(meta.pages).toBe(20);
    expect(meta.delay!.at(-1)).toBeGreaterThan(meta.delay![0]);
    // Compare away from the caption band: the top half of each frame.
    const top = async (k: number) => (await frame(webp, k)).subarray(0, (size.width * size.height * 3) / 2);
    const ref = original.data.subarray(0, (size.width * size.height * 3) / 2);
    const first = correlation(await top(0), ref);
    const last = correlation(await top(19), ref);
    console.log(`forward film: correlation with the original, first frame ${first.toFixed(3)}, last frame ${last.toFixed(3)}`);
    expect(first).toBeGreaterThan(0.8);
    expect(Math.abs(last)).toBeLessThan(0.2);
    // Nothing of the picture is left: the negative of the picture, noised with the same ε, ends in the same frame.
    const negative = { ...original, data: original.data.map((v) => 255 - v) };
    const other = await p.forwardProcess(negative, { seed: 3 });
    const ends = correlation(frames.at(-1)!.image.data, other.frames.at(-1)!.image.data);
    const starts = correlation(frames[0].image.data, other.frames[0].image.data);
    console.log(`forward films of a picture and its negative: correlation of first frames ${starts.toFixed(3)}, of last frames ${ends.toFixed(3)}`);
    expect(starts).toBeLessThan(-0.5);
    expect(ends).toBeGreaterThan(0.9);
  });

  it('forward timesteps run evenly from 0 to the last training timestep', () => {
    expect(forwardTimesteps(1000, 20)).toHaveLength(20);
    expect(forwardTimesteps(1000, 20)[0]).toBe(0);
    expect(forwardTimesteps(1000, 20)[19]).toBe(999);
    expect(forwardTimesteps(1000, 4)).toEqual([0, 333, 666, 999]);
  });
});
