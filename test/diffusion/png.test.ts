import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, encodePng, formatParameters, parseParameters, readPngText } from '../../src/diffusion/png.ts';
import type { ResolvedRequest, RgbImage } from '../../src/diffusion/types.ts';

const request: ResolvedRequest = {
  prompt: 'a red circle',
  negativePrompt: 'blurry',
  steps: 20,
  guidance: 7,
  sampler: 'euler-a',
  width: 128,
  height: 128,
  n: 4,
  seed: 5,
  model: 'tiny-shapes',
};

/** A small image whose every byte differs from its neighbours, so a flipped or shifted decode shows. */
function testImage(width = 7, height = 5): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) % 256;
  return { width, height, data };
}

/** CRC-32 (ISO 3309, as the PNG spec defines it), written out here so the check does not reuse the encoder's own. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunks(png: Buffer): Array<{ type: string; crcOk: boolean }> {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  const out: Array<{ type: string; crcOk: boolean }> = [];
  let off = 8;
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const typeAndBody = png.subarray(off + 4, off + 8 + len);
    out.push({ type: png.toString('latin1', off + 4, off + 8), crcOk: crc32(typeAndBody) === png.readUInt32BE(off + 8 + len) });
    off += 12 + len;
  }
  expect(off).toBe(png.length);
  return out;
}

describe('PNG parameters (A1111 format)', () => {
  it('writes the prompt line, the negative prompt line and the settings line in the A1111 layout', () => {
    expect(formatParameters(request, 5)).toBe(
      'a red circle\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 128x128, Model: tiny-shapes',
    );
  });

  it('leaves out the negative prompt line when there is none, and records img2img strength', () => {
    const text = formatParameters({ ...request, negativePrompt: '', strength: 0.35, sampler: 'dpmpp-2m-karras' }, 9, 256, 256);
    expect(text).toBe(
      'a red circle\nSteps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 9, Size: 256x256, Model: tiny-shapes, Denoising strength: 0.35',
    );
  });

  it('reads the parameters chunk back exactly as it was written', async () => {
    const text = formatParameters(request, 5);
    const png = await encodePng(testImage(), { parameters: text });
    expect(readPngText(png)).toEqual({ parameters: text });
    // Another reader (libspng inside sharp) finds the same text.
    const meta = await sharp(png).metadata();
    expect(meta.comments).toEqual([{ keyword: 'parameters', text }]);
  });

  it('keeps a prompt in Chinese, emoji and accents intact (stored as UTF-8 iTXt)', async () => {
    const text = formatParameters({ ...request, prompt: '一只红色的猫 🐱 sur un café', negativePrompt: 'размытый' }, 5);
    const png = await encodePng(testImage(), { parameters: text });
    expect(chunks(png).map((c) => c.type)).toContain('iTXt');
    expect(readPngText(png).parameters).toBe(text);
    expect((await sharp(png).metadata()).comments).toEqual([{ keyword: 'parameters', text }]);
  });

  it('stores a Latin-1 prompt (é, ß) as plain tEXt and reads it back unchanged', async () => {
    const text = formatParameters({ ...request, prompt: 'crème brûlée on a Straße' }, 5);
    const png = await encodePng(testImage(), { parameters: text });
    expect(chunks(png).map((c) => c.type)).toContain('tEXt');
    expect(chunks(png).map((c) => c.type)).not.toContain('iTXt');
    expect(readPngText(png).parameters).toBe(text);
  });

  it('produces a valid PNG: every chunk CRC checks out, IHDR first, IEND last, and the pixels decode unchanged', async () => {
    const image = testImage();
    const png = await encodePng(image, { parameters: formatParameters(request, 5), note: '猫' });
    const list = chunks(png);
    expect(list[0].type).toBe('IHDR');
    expect(list.at(-1)?.type).toBe('IEND');
    expect(list.filter((c) => !c.crcOk)).toEqual([]);
    const back = await decodeImage(png);
    expect([back.width, back.height]).toEqual([image.width, image.height]);
    expect(Buffer.from(back.data).equals(Buffer.from(image.data))).toBe(true);
  });

  it('writes no text chunk when given no text', async () => {
    const png = await encodePng(testImage());
    expect(readPngText(png)).toEqual({});
    expect(chunks(png).some((c) => c.type === 'tEXt' || c.type === 'iTXt')).toBe(false);
  });

  it('gets prompt, negative prompt and seed back out of the parameters (what --upscale of a saved PNG uses)', async () => {
    const png = await encodePng(testImage(), { parameters: formatParameters(request, 4294967295) });
    expect(parseParameters(readPngText(png).parameters)).toEqual({ prompt: 'a red circle', negativePrompt: 'blurry', seed: 4294967295 });
  });

  it('round-trips a multi-line prompt and a prompt without a negative', () => {
    const multi = { ...request, prompt: 'a red circle\non a blue square', negativePrompt: 'blurry\nlow quality' };
    expect(parseParameters(formatParameters(multi, 12))).toEqual({ prompt: multi.prompt, negativePrompt: multi.negativePrompt, seed: 12 });
    expect(parseParameters(formatParameters({ ...request, negativePrompt: '' }, 0))).toEqual({ prompt: 'a red circle', negativePrompt: undefined, seed: 0 });
  });

  it('treats parameters text without a settings line as a bare prompt with no seed', () => {
    expect(parseParameters('just a prompt')).toEqual({ prompt: 'just a prompt', negativePrompt: undefined, seed: undefined });
    expect(parseParameters('')).toEqual({});
  });
});
