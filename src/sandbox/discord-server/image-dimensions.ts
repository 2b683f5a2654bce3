/**
 * The pixel size Discord reports for an uploaded image (an attachment's width and height), read
 * from the file's header as Discord's media service does; null for anything it cannot read as a
 * PNG, JPEG, GIF or WebP (Discord then leaves width and height out).
 */

export function imageDimensions(bytes: Buffer): { width: number; height: number } | null {
  try {
    return png(bytes) ?? gif(bytes) ?? webp(bytes) ?? jpeg(bytes);
  } catch {
    return null; // a header cut short: not an image Discord could measure
  }
}

const positive = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : null);

function png(b: Buffer) {
  if (!b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) || b.subarray(12, 16).toString('latin1') !== 'IHDR') return null;
  return positive(b.readUInt32BE(16), b.readUInt32BE(20));
}

function gif(b: Buffer) {
  if (b.subarray(0, 4).toString('latin1') !== 'GIF8') return null;
  return positive(b.readUInt16LE(6), b.readUInt16LE(8));
}

function webp(b: Buffer) {
  if (b.subarray(0, 4).toString('latin1') !== 'RIFF' || b.subarray(8, 12).toString('latin1') !== 'WEBP') return null;
  const chunk = b.subarray(12, 16).toString('latin1');
  if (chunk === 'VP8X') return positive(b.readUIntLE(24, 3) + 1, b.readUIntLE(27, 3) + 1);
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21);
    return positive((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8 ') return positive(b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff);
  return null;
}

/** The first start-of-frame marker (SOF0-SOF15 except DHT, JPG and DAC) holds the size. */
function jpeg(b: Buffer) {
  if (b[0] !== 0xff || b[1] !== 0xd8) return null;
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return positive(b.readUInt16BE(at + 7), b.readUInt16BE(at + 5));
    }
    at += 2 + b.readUInt16BE(at + 2);
  }
  return null;
}
