/** Fitting pictures under an upload limit with the real sharp: the smallest change that fits, and a note when it is a reduced copy. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fitAttachment, formatBytes, guildAttachmentLimit } from '../../src/discord/fit-attachment.ts';

const LIMIT = 200 * 1024;

/** Deterministic noise (mulberry32), so a test's picture is the same on every machine. */
function noise(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function raw(width: number, height: number, pixel: (x: number, y: number, c: number) => number) {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(pixel(x, y, c))));
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

const pixelsOf = async (image: Buffer) => (await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true }));

describe('fitAttachment', () => {
  it('posts a PNG under the limit as it is', async () => {
    const png = await raw(64, 64, (x, y) => x + y).png().toBuffer();
    const fitted = await fitAttachment(png, LIMIT, 'job-1');
    expect(fitted).toEqual({ data: png, name: 'job-1.png' });
  });

  it('recompresses a loosely packed PNG losslessly: same pixels, no note', async () => {
    const png = await raw(512, 512, (x, y, c) => (x + y * (c + 1)) / 4).png({ compressionLevel: 0 }).toBuffer();
    expect(png.length).toBeGreaterThan(LIMIT);
    const fitted = await fitAttachment(png, LIMIT, 'job-2');
    expect(fitted.data.length).toBeLessThanOrEqual(LIMIT);
    expect(fitted.note).toBeUndefined();
    const [before, after] = [await pixelsOf(png), await pixelsOf(fitted.data)];
    expect(after.info).toMatchObject({ width: 512, height: 512 });
    expect(after.data.equals(before.data)).toBe(true);
  });

  it('a detailed picture becomes a high-quality WebP of the same size, and says so', async () => {
    const r = noise(1);
    const png = await raw(1024, 1024, (x, y, c) => 128 + 100 * Math.sin(x / 40 + c) * Math.cos(y / 55) + (r() - 0.5) * 12).png().toBuffer();
    expect(png.length).toBeGreaterThan(10 * LIMIT);
    const fitted = await fitAttachment(png, LIMIT, 'job-3');
    expect(fitted.name).toBe('job-3.webp');
    expect(fitted.data.length).toBeLessThanOrEqual(LIMIT);
    expect(await sharp(fitted.data).metadata()).toMatchObject({ format: 'webp', width: 1024, height: 1024 });
    expect(fitted.note).toMatch(/^Shown as a compressed copy \(WebP, \d+ KB\) to fit this server's 200 KB upload limit; the bot keeps the full PNG\.$/);
  });

  it('a large noisy PNG far over 200 KB is scaled down until it fits, and the note gives both sizes', async () => {
    const r = noise(2);
    const png = await raw(1024, 1024, () => r() * 255).png().toBuffer();
    expect(png.length).toBeGreaterThan(3_000_000);
    const fitted = await fitAttachment(png, LIMIT, 'job-4');
    const meta = await sharp(fitted.data).metadata();
    expect(meta.format).toBe('webp');
    expect(fitted.data.length).toBeLessThanOrEqual(LIMIT);
    expect(meta.width).toBeLessThan(1024);
    expect(meta.width).toBe(meta.height);
    expect(fitted.note).toBe(`Shown at ${meta.width}x${meta.height} instead of 1024x1024 to fit this server's 200 KB upload limit; the bot keeps the full-size PNG.`);
  });

  it('refuses, naming the sizes, when not even a 64-pixel copy fits', async () => {
    const r = noise(3);
    const png = await raw(256, 256, () => r() * 255).png().toBuffer();
    await expect(fitAttachment(png, 500)).rejects.toThrow('a 256x256 picture cannot be made to fit an upload limit of 500 bytes');
  });
});

describe('upload limits', () => {
  it('follow the server boost level, 10 MiB without boosts', () => {
    expect([0, 1, 2, 3, null].map(guildAttachmentLimit)).toEqual([10485760, 10485760, 52428800, 104857600, 10485760]);
  });

  it('read in Discord units', () => {
    expect([formatBytes(10485760), formatBytes(204800), formatBytes(500)]).toEqual(['10 MB', '200 KB', '500 bytes']);
  });
});
