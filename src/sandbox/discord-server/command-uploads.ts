/**
 * Files a user attaches to a slash command's attachment option (type 11). The Discord client
 * uploads them before it sends the command; the interaction then names each by id, and
 * `data.resolved.attachments` describes it with a signed CDN URL that stops working after a day.
 * Here the URL is on the fake's own HTTP server, so a bot downloads it as it would from Discord.
 */
import type { FakeContext } from './context.ts';
import { imageDimensions } from './image-dimensions.ts';
import { sniffContentType } from './multipart.ts';
import type { AttachmentRecord } from './records.ts';
import { nextSnowflake, randomToken } from './snowflake.ts';

/** A file as a test (or the sandbox page) attaches it: `contentType` as the user's client declares it (default: from the bytes). */
export interface AttachmentUpload {
  readonly filename: string;
  readonly bytes: Buffer;
  readonly contentType?: string;
}

/** How long a signed attachment URL works on Discord's CDN. */
export const SIGNED_URL_LIFETIME_MS = 24 * 60 * 60_000;

export function isAttachmentUpload(value: unknown): value is AttachmentUpload {
  return typeof value === 'object' && value !== null && 'bytes' in value && 'filename' in value;
}

export function uploadForCommand(context: FakeContext, channelId: string, file: AttachmentUpload): AttachmentRecord {
  const { settings, world } = context;
  if (file.bytes.length > settings.uploadLimitBytes) {
    throw new Error(`${file.filename} is ${file.bytes.length} bytes; the Discord client refuses files over ${settings.uploadLimitBytes} bytes`);
  }
  const id = nextSnowflake();
  const now = settings.now();
  const expiresAt = now + SIGNED_URL_LIFETIME_MS;
  const signature = Buffer.from(randomToken(32), 'base64url').toString('hex');
  const hex = (ms: number) => Math.floor(ms / 1000).toString(16);
  const record: AttachmentRecord = {
    id,
    filename: file.filename,
    contentType: file.contentType ?? sniffContentType(file.bytes, file.filename),
    size: file.bytes.length,
    bytes: file.bytes,
    description: null,
    url: `${context.origin()}/ephemeral-attachments/${channelId}/${id}/${encodeURIComponent(file.filename)}?ex=${hex(expiresAt)}&is=${hex(now)}&hm=${signature}&`,
    ...(imageDimensions(file.bytes) ?? { width: null, height: null }),
    ephemeral: { expiresAt, signature },
  };
  world.attachments.set(id, record);
  return record;
}

/** Whether a GET of /ephemeral-attachments/<channel>/<id>/<name>?... reaches `record`: the signature must match and be unexpired. */
export function signedUrlValid(context: FakeContext, record: AttachmentRecord, channelId: string, query: URLSearchParams): boolean {
  const signed = record.ephemeral;
  if (!signed || !record.url.includes(`/ephemeral-attachments/${channelId}/${record.id}/`)) return false;
  return query.get('hm') === signed.signature && context.settings.now() < signed.expiresAt;
}
