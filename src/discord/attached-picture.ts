/**
 * A picture a member attached to a command (/diffuse image:): refused at once when Discord's own
 * description of the file says it is no picture or too large, otherwise fetched from the URL
 * Discord gave for it (and nowhere else), read, and stored for the job that starts from it.
 */
import type { Attachment } from 'discord.js';
import { ImageFiles } from '../store/index.ts';
import { checkUploadDescription, MAX_UPLOAD_BYTES, mebibytes, readUpload, type UploadedPicture } from '../services/upload-source.ts';
import { UserError } from '../services/user-error.ts';

/** How long Discord's CDN may take to hand the file over. */
const DOWNLOAD_TIMEOUT_MS = 30_000;

/** Before the interaction is acknowledged: what needs no download. Throws UserError. */
export function checkAttachedPicture(attachment: Attachment): void {
  checkUploadDescription({ name: attachment.name, contentType: attachment.contentType, size: attachment.size, width: attachment.width, height: attachment.height });
}

/** Downloads, reads and stores the picture in IMAGE_DIR under `key` (the interaction's id); answers what the job asks for. */
export async function storeAttachedPicture(imageDir: string, attachment: Attachment, key: string): Promise<UploadedPicture> {
  const bytes = await download(attachment);
  const picture = await readUpload(bytes, attachment.name);
  const path = await new ImageFiles(imageDir).saveUpload(key, picture.png);
  return { path, name: attachment.name, width: picture.width, height: picture.height, original: picture.original };
}

/** A stored picture whose job was refused: nothing will ever start from it. */
export function discardAttachedPicture(imageDir: string, picture: UploadedPicture): Promise<void> {
  return new ImageFiles(imageDir).remove(picture.path);
}

async function download(attachment: Attachment): Promise<Buffer> {
  const failed = (why: string) => new UserError('upload.download', `Discord did not hand over "${attachment.name}" (${why}); attach it again. Nothing was queued or charged.`);
  const response = await fetch(attachment.url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) }).catch((err: unknown) => {
    throw failed((err as Error).message);
  });
  if (!response.ok || !response.body) throw failed(`HTTP ${response.status}`);
  // The size Discord stated is checked already; the bytes that come are counted anyway.
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_UPLOAD_BYTES) {
      // Leaving the loop cancels the rest of the download.
      throw new UserError('upload.bytes', `"${attachment.name}" is larger than ${mebibytes(MAX_UPLOAD_BYTES)}, the most /diffuse image: takes. Nothing was queued or charged.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
