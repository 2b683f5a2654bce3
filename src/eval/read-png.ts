/** Loads an image file as the engine's RgbImage (8-bit RGB, alpha dropped), via sharp. */
import sharp from 'sharp';
import type { RgbImage } from '../diffusion/types.ts';

export async function readRgbImage(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file}: expected 3 channels after conversion, got ${info.channels}`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
