/**
 * Pictures members upload to start a job from (/diffuse image:). On arrival a picture is read
 * (which proves it is one), turned upright, flattened onto white and stored as a PNG no larger than
 * any model makes; the job then records the stored file, so a restart still has it. When the job
 * runs, the picture is scaled and cropped (centred) to the job's size: the size its model makes
 * nearest the picture's shape (planJob).
 */
import sharp from 'sharp';
import type { ImageFiles, JobRecord } from '../store/index.ts';
import { UserError } from './user-error.ts';

/** Largest upload taken, in bytes (Discord lets members attach up to 10 MiB, more with Nitro). */
export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;
/** Largest upload taken, in pixels: a 6000x6000 photo; beyond, decoding alone costs too much memory. */
export const MAX_UPLOAD_PIXELS = 36_000_000;
/** Longest side kept on disk: twice SDXL's native size, the most any model's size rule allows. */
const MAX_STORED_SIDE = 2048;
/** The formats the bot reads, as Discord names them in an attachment's content_type. */
export const UPLOAD_TYPES: Readonly<Record<string, string>> = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/webp': 'WebP', 'image/gif': 'GIF' };

const NOTHING = 'Nothing was queued or charged.';
export const UPLOAD_FORMATS = `${Object.values(UPLOAD_TYPES).slice(0, -1).join(', ')} or ${Object.values(UPLOAD_TYPES).at(-1)}`;

/** A stored upload as a job asks for it: the file, the name the member gave it, and its stored size. */
export interface UploadedPicture {
  path: string;
  name: string;
  width: number;
  height: number;
  /** The picture's own size, upright, before it was made smaller for storing. */
  original: { width: number; height: number };
}

export function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Refusals that Discord's description of the file already decides, before any download. */
export function checkUploadDescription(file: { name: string; contentType: string | null; size: number; width: number | null; height: number | null }): void {
  const type = file.contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!UPLOAD_TYPES[type]) {
    throw new UserError(
      'upload.type',
      `"${file.name}" is ${file.contentType ? `a ${file.contentType} file` : 'a file of unknown type'}, not a picture; /diffuse image: takes a ${UPLOAD_FORMATS} picture. ${NOTHING}`,
    );
  }
  if (file.size > MAX_UPLOAD_BYTES) {
    throw new UserError('upload.bytes', `"${file.name}" is ${mebibytes(file.size)}; /diffuse image: takes pictures of at most ${mebibytes(MAX_UPLOAD_BYTES)}. ${NOTHING}`);
  }
  if (file.width && file.height) checkPixels(file.name, file.width, file.height);
}

function checkPixels(name: string, width: number, height: number): void {
  if (width * height <= MAX_UPLOAD_PIXELS) return;
  throw new UserError(
    'upload.pixels',
    `"${name}" is ${width}x${height} pixels (${((width * height) / 1e6).toFixed(1)} megapixels); /diffuse image: takes at most ${MAX_UPLOAD_PIXELS / 1e6} megapixels. ${NOTHING}`,
  );
}

/** Reads an upload as a picture (UserError when it is none), upright and opaque, at most MAX_STORED_SIDE on a side, as PNG. */
export async function readUpload(bytes: Buffer, name: string): Promise<{ png: Buffer; width: number; height: number; original: { width: number; height: number } }> {
  const notPicture = (err: unknown) =>
    new UserError('upload.unreadable', `"${name}" could not be read as a picture (${(err as Error).message ?? err}); /diffuse image: takes a ${UPLOAD_FORMATS} picture. ${NOTHING}`);
  // limitInputPixels: a file that claims billions of pixels is refused before it is decoded.
  const input = () => sharp(bytes, { limitInputPixels: MAX_UPLOAD_PIXELS + 1, failOn: 'error' });
  const meta = await input()
    .metadata()
    .catch((err: unknown) => {
      throw notPicture(err);
    });
  if (!meta.width || !meta.height || !UPLOAD_TYPES[`image/${meta.format}`]) throw notPicture(new Error(`it is ${meta.format ?? 'no known format'}`));
  // EXIF orientations 5-8 turn the picture a quarter: width and height trade places.
  const upright = (meta.orientation ?? 1) >= 5 ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
  checkPixels(name, upright.width, upright.height);
  try {
    const { data, info } = await input()
      .rotate()
      .flatten({ background: '#ffffff' })
      .resize({ width: MAX_STORED_SIDE, height: MAX_STORED_SIDE, fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer({ resolveWithObject: true });
    return { png: data, width: info.width, height: info.height, original: upright };
  } catch (err) {
    throw notPicture(err); // a header that reads but data that does not (a truncated file)
  }
}

/** The picture a job with an upload starts from, scaled and cropped (centred) to the job's size, as a PNG (a work order's ownSource); undefined for a job without one. */
export async function uploadPng(files: ImageFiles, job: JobRecord): Promise<Buffer | undefined> {
  return (await fitted(files, job))?.png().toBuffer();
}

async function fitted(files: ImageFiles, job: JobRecord) {
  if (!job.inputPath) return undefined;
  const png = await files.load(job.inputPath);
  if (!png) {
    throw new UserError('upload.gone', `the picture uploaded for job ${job.id} is no longer in the image store; attach it to /diffuse image: again`);
  }
  return sharp(png).resize(job.width, job.height, { fit: 'cover', position: 'centre' }).removeAlpha().toColourspace('srgb');
}
