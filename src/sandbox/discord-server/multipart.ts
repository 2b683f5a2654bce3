/**
 * Request bodies as Discord reads them: JSON, or multipart with files[n] parts plus a payload_json field.
 * Multipart is parsed by the platform's own FormData parser, so nothing here re-implements the format.
 */
import type { UploadedFile } from './records.ts';

export interface ParsedBody {
  readonly json: unknown;
  readonly files: UploadedFile[];
}

export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  if (raw.length === 0) return { json: undefined, files: [] };
  const type = contentType ?? '';
  if (type.startsWith('multipart/form-data')) return parseMultipart(raw, type);
  const text = raw.toString('utf8');
  try {
    return { json: JSON.parse(text), files: [] };
  } catch {
    // Kept as text so the request log still shows what the client sent.
    return { json: text, files: [] };
  }
}

async function parseMultipart(raw: Buffer, contentType: string): Promise<ParsedBody> {
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  let json: unknown = undefined;
  const files: UploadedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') {
      if (field === 'payload_json') json = JSON.parse(value);
      continue;
    }
    const bytes = Buffer.from(await value.arrayBuffer());
    const index = /^files\[(\d+)\]$/.exec(field);
    files.push({
      field,
      index: index ? Number(index[1]) : null,
      filename: value.name,
      contentType: value.type || sniffContentType(bytes, value.name),
      bytes,
    });
  }
  return { json, files };
}

/** Discord derives the content type itself when a client sends none; magic bytes first, then the extension. */
export function sniffContentType(bytes: Buffer, filename: string): string {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') {
    return 'image/webp';
  }
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  const extension = filename.split('.').pop()?.toLowerCase();
  const byExtension: Record<string, string> = { txt: 'text/plain; charset=utf-8', json: 'application/json' };
  return (extension && byExtension[extension]) || 'application/octet-stream';
}
