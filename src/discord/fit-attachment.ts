/**
 * Fitting a result picture under Discord's upload limit: re-encoded smaller with sharp rather than
 * refused (413, 40005). The full-size PNG stays in the image store; the message says when the
 * posted picture is a reduced copy.
 */
import sharp from 'sharp';

/** Discord's upload limit of a server without boosts; every server allows at least this. */
export const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;

/** A server's upload limit by its boost level (premium tier 0-3), as Discord documents it. */
export function guildAttachmentLimit(premiumTier: number | null | undefined): number {
  if (premiumTier === 3) return 100 * 1024 * 1024;
  if (premiumTier === 2) return 50 * 1024 * 1024;
  return DEFAULT_ATTACHMENT_LIMIT;
}

export interface FittedAttachment {
  data: Buffer;
  /** File name with the extension of what `data` is. */
  name: string;
  /** Set when the picture posted is not the full one: what was done, for the message. */
  note?: string;
}

/** Below this the picture is no longer worth posting; the caller gets an error instead. */
const MIN_SIDE = 64;
/** WebP qualities tried at full size, best first: near-indistinguishable, then plainly good. */
const QUALITIES = [92, 80, 65] as const;
/** Quality of the scaled-down copies: a smaller picture shows artefacts less than a blurrier one. */
const SCALED_QUALITY = 80;

/**
 * The smallest change that makes `png` fit in `limitBytes`: as it is; recompressed losslessly
 * (PNG, then WebP lossless); as high-quality lossy WebP; then scaled down step by step.
 */
export async function fitAttachment(png: Buffer, limitBytes: number, baseName = 'image'): Promise<FittedAttachment> {
  if (png.length <= limitBytes) return { data: png, name: `${baseName}.png` };
  const fits = (data: Buffer) => data.length <= limitBytes;
  const limit = formatBytes(limitBytes);

  // No `effort` or `quality` here: with either, sharp quantises PNGs to a palette, which is lossy.
  const repacked = await sharp(png).png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer();
  if (fits(repacked)) return { data: repacked, name: `${baseName}.png` };
  const lossless = await sharp(png).webp({ lossless: true }).toBuffer();
  if (fits(lossless)) return { data: lossless, name: `${baseName}.webp` };

  for (const quality of QUALITIES) {
    const webp = await sharp(png).webp({ quality }).toBuffer();
    if (fits(webp)) {
      return { data: webp, name: `${baseName}.webp`, note: `Shown as a compressed copy (WebP, ${formatBytes(webp.length)}) to fit this server's ${limit} upload limit; the bot keeps the full PNG.` };
    }
  }

  const { width = 0, height = 0 } = await sharp(png).metadata();
  for (let scale = 0.75; Math.min(width, height) * scale >= MIN_SIDE; scale *= 0.75) {
    const w = Math.round(width * scale);
    const h = Math.round(height * scale);
    const webp = await sharp(png).resize(w, h, { kernel: 'lanczos3' }).webp({ quality: SCALED_QUALITY }).toBuffer();
    if (fits(webp)) {
      return { data: webp, name: `${baseName}.webp`, note: `Shown at ${w}x${h} instead of ${width}x${height} to fit this server's ${limit} upload limit; the bot keeps the full-size PNG.` };
    }
  }
  throw new Error(`a ${width}x${height} picture cannot be made to fit an upload limit of ${limit}`);
}

/** "9.8 MB", "200 KB": in Discord's own units (1 KB = 1024 bytes). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
