/**
 * Builds tokenizer data from OpenAI's original `bpe_simple_vocab_16e6.txt.gz`, which holds only
 * merges: the vocab is derived from them exactly as CLIP's simple_tokenizer does.
 */
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { BYTE_SYMBOLS } from './byte-level.ts';
import { CLIP_BOS, CLIP_EOS, DEFAULT_SETTINGS, type TokenizerData } from './tokenizer-data.ts';

const gunzipAsync = promisify(gunzip);

/** CLIP uses the first 49152 - 256 - 2 merges (line 1 is a version header), so ids end at 49407. */
const MERGE_COUNT = 49152 - 256 - 2;

/** The first `count` lines only: the file holds 262k, and splitting them all dominates load time. */
function firstLines(bytes: Buffer, count: number): string[] {
  let end = -1;
  for (let line = 0; line < count; line++) {
    end = bytes.indexOf(0x0a, end + 1);
    if (end === -1) {
      end = bytes.length;
      break;
    }
  }
  return bytes.subarray(0, end).toString('utf8').split('\n');
}

export async function loadClipBpe(gzPath: string): Promise<TokenizerData> {
  let bytes: Buffer;
  try {
    bytes = await gunzipAsync(await readFile(gzPath));
  } catch (error) {
    throw new Error(`expected a gzipped CLIP merges file at ${gzPath}: ${(error as Error).message}`);
  }
  const lines = firstLines(bytes, MERGE_COUNT + 1);
  if (lines.length < MERGE_COUNT + 1) {
    throw new Error(`expected at least ${MERGE_COUNT + 1} lines in ${gzPath}, got ${lines.length}`);
  }
  const vocab = new Map<string, number>();
  // Ids count list positions, not distinct strings: should two merges spell the same token, the
  // later id wins, as in the reference's dict(zip(vocab, range(...))).
  let nextId = 0;
  const add = (token: string) => vocab.set(token, nextId++);
  for (const symbol of BYTE_SYMBOLS) add(symbol);
  for (const symbol of BYTE_SYMBOLS) add(`${symbol}</w>`);
  const ranks = new Map<string, number>();
  for (let i = 1; i <= MERGE_COUNT; i++) {
    const line = lines[i];
    const space = line.indexOf(' ');
    if (space <= 0 || space === line.length - 1) {
      throw new Error(`expected "left right" on line ${i + 1} of ${gzPath}, got ${JSON.stringify(line)}`);
    }
    // The line is already the rank key ("left right"); reusing it halves the load time.
    ranks.set(line, i - 1);
    add(line.slice(0, space) + line.slice(space + 1));
  }
  add(CLIP_BOS);
  add(CLIP_EOS);
  return { vocab, ranks, settings: { ...DEFAULT_SETTINGS }, source: gzPath };
}
