/**
 * GPT-2 / CLIP byte-level symbols: every UTF-8 byte gets a printable unicode character, so BPE works
 * on any text without an unknown-token fallback and merges files stay plain text.
 */

/**
 * The 256 symbols in CLIP's vocabulary order: printable Latin-1 bytes keep their own character, the
 * rest (controls, space, soft hyphen...) are moved to U+0100 and up in byte order.
 */
export const BYTE_SYMBOLS: readonly string[] = buildByteSymbols();

/** Symbol for each byte value (index = byte). */
const symbolOfByte: string[] = buildSymbolOfByte();

const utf8 = new TextEncoder();

function isPrintable(byte: number): boolean {
  return (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
}

function buildByteSymbols(): string[] {
  const printable: string[] = [];
  const moved: string[] = [];
  for (let byte = 0; byte < 256; byte++) {
    if (isPrintable(byte)) printable.push(String.fromCharCode(byte));
    else moved.push(String.fromCharCode(256 + moved.length));
  }
  return [...printable, ...moved];
}

function buildSymbolOfByte(): string[] {
  const out: string[] = [];
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    out.push(isPrintable(byte) ? String.fromCharCode(byte) : String.fromCharCode(next++));
  }
  return out;
}

/** The text's UTF-8 bytes, one byte-level symbol each. */
export function toByteSymbols(text: string): string[] {
  const bytes = utf8.encode(text);
  const out = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = symbolOfByte[bytes[i]];
  return out;
}
