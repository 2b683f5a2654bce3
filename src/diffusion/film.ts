/**
 * The two halves of the figure that explains diffusion, as animated WebP: the reverse process
 * (a picture emerging from static, one frame per sampling step) and the forward process (a picture
 * dissolving into static at the model's own noise schedule). Each frame carries a caption; the last
 * one is held longer so the eye can rest on the result.
 */
import sharp from 'sharp';
import type { RgbImage } from './types.ts';

export interface FilmFrame {
  image: RgbImage;
  /** Drawn in the bottom-left corner, e.g. "step 3/20". */
  caption: string;
}

export interface FilmOptions {
  /** Shortest side of the film in pixels; smaller frames are enlarged nearest-neighbour (latent previews stay crisp blocks). Default 256. */
  minSide?: number;
  /** Milliseconds per frame. Default 120. */
  frameMs?: number;
  /** Milliseconds the last frame is held. Default 1500. */
  lastMs?: number;
}

/** Frames of a forward-process film: enough to see the picture fade, few enough to stay small. */
export const FORWARD_FRAMES = 20;

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A caption as an SVG overlay: white text on a translucent dark band, legible over any picture. */
function captionSvg(text: string, width: number, height: number): Buffer {
  const size = Math.max(10, Math.round(Math.min(width, height) / 14));
  const pad = Math.round(size / 2);
  const bandH = size + pad * 2;
  const bandW = Math.min(width, Math.round(text.length * size * 0.62) + pad * 2);
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect x="0" y="${height - bandH}" width="${bandW}" height="${bandH}" fill="#000" fill-opacity="0.55"/>` +
      `<text x="${pad}" y="${height - pad - Math.round(size * 0.15)}" font-family="DejaVu Sans Mono, monospace" font-size="${size}" fill="#fff">${escapeXml(text)}</text>` +
      `</svg>`,
  );
}

/** Frames (any sizes) -> one animated WebP; every frame is scaled to the first frame's aspect at the film size. */
export async function encodeFilm(frames: FilmFrame[], opts: FilmOptions = {}): Promise<Buffer> {
  if (frames.length === 0) throw new Error('a film needs at least one frame');
  const minSide = opts.minSide ?? 256;
  const frameMs = opts.frameMs ?? 120;
  const lastMs = opts.lastMs ?? 1500;
  const first = frames[frames.length - 1].image;
  const scale = Math.max(1, minSide / Math.min(first.width, first.height));
  const width = Math.round(first.width * scale);
  const height = Math.round(first.height * scale);
  const frameBytes = width * height * 3;
  const strip = Buffer.alloc(frameBytes * frames.length);
  for (const [i, f] of frames.entries()) {
    const { image } = f;
    const raw = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
      raw: { width: image.width, height: image.height, channels: 3 },
    })
      .resize(width, height, { kernel: image.width < width / 2 ? 'nearest' : 'lanczos3', fit: 'fill' })
      .composite([{ input: captionSvg(f.caption, width, height), top: 0, left: 0 }])
      .removeAlpha()
      .raw()
      .toBuffer();
    raw.copy(strip, i * frameBytes);
  }
  const delay = frames.map((_, i) => (i === frames.length - 1 ? lastMs : frameMs));
  return sharp(strip, { raw: { width, height: height * frames.length, channels: 3, pageHeight: height } as sharp.CreateRaw })
    .webp({ loop: 0, delay, quality: 85, effort: 2 })
    .toBuffer();
}

/** The reverse process: one frame per step's preview ("step i/N"), then the final image. */
export function reverseFilmFrames(previews: RgbImage[], final: RgbImage): FilmFrame[] {
  const total = previews.length;
  return [
    ...previews.map((image, i) => ({ image, caption: `step ${i + 1}/${total}` })),
    { image: final, caption: `step ${total}/${total} · final` },
  ];
}

/**
 * The training timesteps a forward film shows: from t = 0 (the picture, barely touched) to the
 * last timestep (where the model's own schedule has left almost nothing of it), evenly spaced.
 */
export function forwardTimesteps(numTrainTimesteps: number, frames = FORWARD_FRAMES): number[] {
  if (frames === 1) return [numTrainTimesteps - 1];
  return Array.from({ length: frames }, (_, k) => Math.round((k * (numTrainTimesteps - 1)) / (frames - 1)));
}

/** x_t = sqrt(ᾱ_t)·x0 + sqrt(1 - ᾱ_t)·ε (Ho et al. 2020, eq. 4), one array per ᾱ, the same ε throughout so the film is continuous. */
export function noiseTo(x0: Float32Array, eps: ArrayLike<number>, alphaBar: number): Float32Array {
  const a = Math.sqrt(alphaBar);
  const b = Math.sqrt(1 - alphaBar);
  const out = new Float32Array(x0.length);
  for (let i = 0; i < x0.length; i++) out[i] = a * x0[i] + b * eps[i];
  return out;
}

/** Caption of a forward frame: the timestep and how much of the signal is left. */
export function forwardCaption(t: number, numTrainTimesteps: number, alphaBar: number): string {
  return `t ${t}/${numTrainTimesteps - 1} · signal ${Math.round(Math.sqrt(alphaBar) * 100)}%`;
}

/** Collects image `index`'s preview of every step, for a reverse film: pass `onStep` to generate(). */
export function previewRecorder(index = 0): { previews: RgbImage[]; onStep: (p: { previews: RgbImage[] }) => void } {
  const previews: RgbImage[] = [];
  return { previews, onStep: (p) => void previews.push(p.previews[index]) };
}
