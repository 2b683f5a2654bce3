/**
 * PNG output that says how it was made: an A1111-style `parameters` tEXt chunk (prompt, negative,
 * steps, sampler, CFG, seed, size, model), readable by any tool that reads A1111 images.
 */
import sharp from 'sharp';
import { crc32 } from 'node:zlib';
import type { ResolvedRequest, RgbImage, SamplerName } from './types.ts';

/** Sampler names as A1111 writes them (and as people know them). */
export const A1111_SAMPLER: Record<SamplerName, string> = {
  euler: 'Euler',
  'euler-a': 'Euler a',
  ddim: 'DDIM',
  'dpmpp-2m': 'DPM++ 2M',
  'dpmpp-2m-karras': 'DPM++ 2M Karras',
  lcm: 'LCM',
};

/** The `parameters` text for one image of a request (its own seed). */
export function formatParameters(req: ResolvedRequest, seed: number, width = req.width, height = req.height): string {
  const lines = [req.prompt];
  if (req.negativePrompt) lines.push(`Negative prompt: ${req.negativePrompt}`);
  const fields = [
    `Steps: ${req.steps}`,
    `Sampler: ${A1111_SAMPLER[req.sampler]}`,
    `CFG scale: ${req.guidance}`,
    `Seed: ${seed}`,
    `Size: ${width}x${height}`,
    `Model: ${req.model}`,
  ];
  if (req.strength !== undefined) fields.push(`Denoising strength: ${req.strength}`);
  if (req.chaos !== undefined) fields.push(`Chaos: ${req.chaos}`);
  lines.push(fields.join(', '));
  return lines.join('\n');
}

export async function encodePng(image: RgbImage, text?: Record<string, string>): Promise<Buffer> {
  const png = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return text ? insertTextChunks(png, text) : png;
}

/** Decode any image file sharp reads (PNG, JPEG, WebP) to RGB. */
export async function decodeImage(input: Buffer | string): Promise<RgbImage> {
  const { data, info } = await sharp(input).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function chunk(type: string, body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const typeAndBody = Buffer.concat([Buffer.from(type, 'latin1'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndBody) >>> 0);
  return Buffer.concat([len, typeAndBody, crc]);
}

/** Insert text chunks right after IHDR. Non-Latin-1 text goes in iTXt (UTF-8), as the PNG spec requires. */
export function insertTextChunks(png: Buffer, text: Record<string, string>): Buffer {
  const ihdrEnd = 8 + 4 + 4 + 13 + 4;
  const chunks = Object.entries(text).map(([key, value]) => {
    const latin1 = /^[\x00-\xff]*$/.test(value);
    if (latin1) return chunk('tEXt', Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0]), Buffer.from(value, 'latin1')]));
    // keyword, 0, compression flag 0, method 0, empty language tag, 0, empty translated keyword, 0, text
    return chunk('iTXt', Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(value, 'utf8')]));
  });
  return Buffer.concat([png.subarray(0, ihdrEnd), ...chunks, png.subarray(ihdrEnd)]);
}

/** The tEXt / iTXt chunks of a PNG, by keyword. */
export function readPngText(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 8;
  while (off + 8 <= png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const body = png.subarray(off + 8, off + 8 + len);
    if (type === 'tEXt') {
      const z = body.indexOf(0);
      out[body.toString('latin1', 0, z)] = body.toString('latin1', z + 1);
    } else if (type === 'iTXt') {
      const z = body.indexOf(0);
      let p = z + 3;
      p = body.indexOf(0, p) + 1; // language tag
      p = body.indexOf(0, p) + 1; // translated keyword
      out[body.toString('latin1', 0, z)] = body.toString('utf8', p);
    }
    if (type === 'IEND') break;
    off += 12 + len;
  }
  return out;
}

/** The prompt, negative prompt and seed back out of an A1111 `parameters` text. */
export function parseParameters(text: string): { prompt?: string; negativePrompt?: string; seed?: number } {
  if (!text) return {};
  const lines = text.split('\n');
  const last = lines.at(-1) ?? '';
  const hasFields = /(^|, )Steps: /.test(last);
  const body = hasFields ? lines.slice(0, -1) : lines;
  const negIndex = body.findIndex((l) => l.startsWith('Negative prompt: '));
  const prompt = (negIndex >= 0 ? body.slice(0, negIndex) : body).join('\n');
  const negativePrompt = negIndex >= 0 ? body.slice(negIndex).join('\n').slice('Negative prompt: '.length) : undefined;
  const seed = hasFields ? Number(/Seed: (\d+)/.exec(last)?.[1]) : NaN;
  return { prompt, negativePrompt, seed: Number.isFinite(seed) ? seed : undefined };
}
