/** The CLIP tokenizer against reference ids, and its loading from every supported file layout. */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BYTE_SYMBOLS } from '../../../src/diffusion/tokenizer/byte-level.ts';
import { loadClipBpe } from '../../../src/diffusion/tokenizer/clip-bpe-file.ts';
import { ClipTokenizer } from '../../../src/diffusion/tokenizer/clip-tokenizer.ts';
import { fixturePath, repoRoot } from '../../support/repo-paths.ts';

interface GoldenCase {
  text: string;
  ids: number[];
}

const BPE_GZ = fixturePath('clip', 'bpe_simple_vocab_16e6.txt.gz');
const BOS = 49406;
const EOS = 49407;
const RED = 736;
const BLUE = 1746;
const SQUARE = 3999;

const golden: GoldenCase[] = JSON.parse(await readFile(fixturePath('clip', 'golden-token-ids.json'), 'utf8')).cases;

/** The diffusers vocab.json / merges.txt pair, derived from CLIP's merges as its README describes. */
async function clipVocabAndMerges(): Promise<{ vocab: Record<string, number>; merges: string[] }> {
  const lines = gunzipSync(await readFile(BPE_GZ)).toString('utf8').split('\n');
  const merges = lines.slice(1, 48895);
  const tokens = [...BYTE_SYMBOLS, ...BYTE_SYMBOLS.map((s) => `${s}</w>`), ...merges.map((m) => m.replace(' ', '')), '<|startoftext|>', '<|endoftext|>'];
  return { vocab: Object.fromEntries(tokens.map((token, id) => [token, id])), merges };
}

/** A rank table that counts its lookups: the work of byte-pair merging. */
class CountingMap<K, V> extends Map<K, V> {
  lookups = 0;
  override get(key: K): V | undefined {
    this.lookups++;
    return super.get(key);
  }
}

let clip: ClipTokenizer;
let work: string;
let vocabMergesDir: string;
let tokenizerJsonPairsDir: string;
let tokenizerJsonStringsDir: string;

beforeAll(async () => {
  clip = await ClipTokenizer.fromClipBpe(BPE_GZ);
  work = await mkdtemp(path.join(tmpdir(), 'clip-tokenizer-'));
  const { vocab, merges } = await clipVocabAndMerges();

  vocabMergesDir = path.join(work, 'model', 'tokenizer');
  await mkdir(vocabMergesDir, { recursive: true });
  await writeFile(path.join(vocabMergesDir, 'vocab.json'), JSON.stringify(vocab));
  await writeFile(path.join(vocabMergesDir, 'merges.txt'), `#version: 0.2\n${merges.join('\n')}\n`);
  await writeFile(
    path.join(vocabMergesDir, 'tokenizer_config.json'),
    JSON.stringify({ model_max_length: 77, do_lower_case: true, bos_token: { content: '<|startoftext|>', __type: 'AddedToken' }, eos_token: '<|endoftext|>', pad_token: '<|endoftext|>' }),
  );

  const tokenizerJson = (mergeList: unknown[]) =>
    JSON.stringify({
      version: '1.0',
      added_tokens: [
        { id: BOS, content: '<|startoftext|>', special: true },
        { id: EOS, content: '<|endoftext|>', special: true },
      ],
      model: { type: 'BPE', vocab, merges: mergeList, end_of_word_suffix: '</w>' },
    });
  tokenizerJsonPairsDir = path.join(work, 'json-pairs');
  await mkdir(tokenizerJsonPairsDir);
  await writeFile(path.join(tokenizerJsonPairsDir, 'tokenizer.json'), tokenizerJson(merges.map((m) => m.split(' '))));
  tokenizerJsonStringsDir = path.join(work, 'json-strings');
  await mkdir(tokenizerJsonStringsDir);
  await writeFile(path.join(tokenizerJsonStringsDir, 'tokenizer.json'), tokenizerJson(merges));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Copies the CLIP vocab.json / merges.txt folder with the given config files added. */
async function variant(name: string, configs: Record<string, unknown>): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(dir);
  for (const file of ['vocab.json', 'merges.txt']) await writeFile(path.join(dir, file), await readFile(path.join(vocabMergesDir, file)));
  for (const [file, content] of Object.entries(configs)) await writeFile(path.join(dir, file), JSON.stringify(content));
  return dir;
}

describe('ClipTokenizer from CLIP merges', () => {
  it.each(golden)('gives the reference ids for $text', ({ text, ids }) => {
    const encoded = clip.encode(text);
    expect(encoded.tokenCount).toBe(ids.length);
    expect(encoded.ids.slice(0, ids.length)).toEqual(ids);
    expect(encoded.truncated).toBe(false);
  });

  it('has CLIP vocabulary size and length', () => {
    expect(clip.vocabSize).toBe(49408);
    expect(clip.maxLength).toBe(77);
  });

  it('pads to 77 ids with <|endoftext|>', () => {
    const encoded = clip.encode('a red circle above a blue square');
    expect(encoded.ids).toHaveLength(77);
    expect(encoded.ids.slice(0, 9)).toEqual([BOS, 320, RED, 7117, 4348, 320, BLUE, SQUARE, EOS]);
    expect(encoded.ids.slice(9)).toEqual(new Array(68).fill(EOS));
    expect(encoded).toMatchObject({ tokenCount: 9, truncated: false });
    expect(encoded.truncatedText).toBeUndefined();
  });

  it('encodes an empty prompt as BOS, EOS and padding', () => {
    expect(clip.encode('   ').ids).toEqual([BOS, ...new Array(76).fill(EOS)]);
  });

  it('truncates a long prompt to 77 ids ending in EOS and reports the cut words in their casing', () => {
    const encoded = clip.encode(`${'red '.repeat(75)}Blue  Square`);
    expect(encoded.ids).toEqual([BOS, ...new Array(75).fill(RED), EOS]);
    expect(encoded).toMatchObject({ tokenCount: 79, truncated: true, truncatedText: 'Blue Square' });
  });

  it('keeps a prompt of exactly 75 tokens whole', () => {
    const encoded = clip.encode('red '.repeat(75));
    expect(encoded.ids).toEqual([BOS, ...new Array(75).fill(RED), EOS]);
    expect(encoded).toMatchObject({ tokenCount: 77, truncated: false });
  });

  it('maps the cut point back past characters that lengthen when lower-cased', () => {
    // "İ" lower-cases to two UTF-16 units, shifting offsets in the lower-cased text.
    const prefixTokens = clip.encode('İİİ').tokenCount - 2;
    const encoded = clip.encode(`İİİ ${'red '.repeat(80)}END`);
    expect(encoded.ids.at(-1)).toBe(EOS);
    expect(encoded.truncatedText).toBe(`${'red '.repeat(80 - (75 - prefixTokens))}END`);
  });

  it('reads special tokens written in the prompt as their ids', () => {
    expect(clip.encode('red<|endoftext|>blue').ids.slice(0, 5)).toEqual([BOS, RED, EOS, BLUE, EOS]);
  });

  it('byte-pair merges a word once: prompts made of words it has seen cost no merge work', async () => {
    // Counted, not timed: the merge loop is what makes encoding slow, and the count is the same on any machine.
    const data = await loadClipBpe(BPE_GZ);
    const ranks = new CountingMap(data.ranks);
    const counted = new ClipTokenizer({ ...data, ranks });
    const prompt = (i: number) => `a photorealistic cat wearing a tiny hat, variation ${i}, trending on artstation`;
    expect(counted.encode(prompt(0))).toEqual(clip.encode(prompt(0)));
    expect(ranks.lookups).toBeGreaterThan(0);
    ranks.lookups = 0;
    // Numbers are split into single digits, which have nothing to merge.
    for (let i = 0; i < 500; i++) counted.encode(prompt(i));
    expect(ranks.lookups).toBe(0);
    counted.encode('a tiny hat on a dog');
    expect(ranks.lookups).toBeGreaterThan(0);
  });

  it('names the path when the merges file is missing', async () => {
    const missing = path.join(tmpdir(), 'no-such-dir', 'bpe.txt.gz');
    await expect(ClipTokenizer.fromClipBpe(missing)).rejects.toThrow(missing);
  });
});

describe('ClipTokenizer.fromFolder', () => {
  it('gives the same ids from vocab.json + merges.txt as from CLIP merges', async () => {
    const folder = await ClipTokenizer.fromFolder(vocabMergesDir);
    expect(folder.vocabSize).toBe(49408);
    for (const { text } of [...golden, { text: `${'green '.repeat(80)}end` }]) expect(folder.encode(text)).toEqual(clip.encode(text));
  });

  it('finds the tokenizer/ folder inside a model folder', async () => {
    const tokenizer = await ClipTokenizer.fromFolder(path.dirname(vocabMergesDir));
    expect(tokenizer.encode('a red circle').ids).toEqual(clip.encode('a red circle').ids);
  });

  it.each([
    ['[a, b] pairs', () => tokenizerJsonPairsDir],
    ['"a b" strings', () => tokenizerJsonStringsDir],
  ])('gives the same ids from tokenizer.json with merges as %s', async (_, dir) => {
    const tokenizer = await ClipTokenizer.fromFolder(dir());
    for (const { text } of golden) expect(tokenizer.encode(text)).toEqual(clip.encode(text));
  });

  it('pads with "!" (id 0) when special_tokens_map.json says so, over tokenizer_config.json', async () => {
    const dir = await variant('pad-bang', {
      'tokenizer_config.json': { pad_token: '<|endoftext|>', model_max_length: 77 },
      'special_tokens_map.json': { pad_token: '!' },
    });
    const encoded = (await ClipTokenizer.fromFolder(dir)).encode('a red circle');
    expect(encoded.ids).toEqual([BOS, 320, RED, 7117, EOS, ...new Array(72).fill(0)]);
  });

  it('follows model_max_length and do_lower_case from tokenizer_config.json', async () => {
    const dir = await variant('short-cased', { 'tokenizer_config.json': { model_max_length: 8, do_lower_case: false } });
    const tokenizer = await ClipTokenizer.fromFolder(dir);
    expect(tokenizer.maxLength).toBe(8);
    const lower = tokenizer.encode('red blue');
    expect(lower.ids).toEqual([BOS, RED, BLUE, EOS, EOS, EOS, EOS, EOS]);
    const upper = tokenizer.encode('RED BLUE');
    expect(upper.ids.slice(1, 3)).not.toEqual([RED, BLUE]);
    const long = tokenizer.encode('red blue red blue red blue red');
    expect(long).toMatchObject({ ids: [BOS, RED, BLUE, RED, BLUE, RED, BLUE, EOS], tokenCount: 9, truncated: true, truncatedText: 'red' });
  });

  it('ignores the "no limit" model_max_length that transformers writes', async () => {
    const dir = await variant('no-limit', { 'tokenizer_config.json': { model_max_length: 1e30 } });
    expect((await ClipTokenizer.fromFolder(dir)).maxLength).toBe(77);
  });

  it('names the path of a folder that does not exist', async () => {
    const missing = path.join(work, 'nothing-here');
    await expect(ClipTokenizer.fromFolder(missing)).rejects.toThrow(`expected a tokenizer folder at ${missing}, but it does not exist`);
  });

  it('names the path and the expected files for a folder without them', async () => {
    const empty = path.join(work, 'empty');
    await mkdir(empty);
    await writeFile(path.join(empty, 'README.md'), 'not a tokenizer');
    await expect(ClipTokenizer.fromFolder(empty)).rejects.toThrow(`expected vocab.json + merges.txt or tokenizer.json in ${empty}, found README.md`);
  });

  it('names the file of a garbled vocab.json', async () => {
    const dir = await variant('garbled-vocab', {});
    await writeFile(path.join(dir, 'vocab.json'), '{"a": 0, "b": ');
    await expect(ClipTokenizer.fromFolder(dir)).rejects.toThrow(`expected JSON in ${path.join(dir, 'vocab.json')}`);
  });

  it('names the file and value of a vocab.json with non-integer ids', async () => {
    const dir = await variant('vocab-strings', {});
    await writeFile(path.join(dir, 'vocab.json'), '{"a": "zero"}');
    await expect(ClipTokenizer.fromFolder(dir)).rejects.toThrow(/vocab\.json to map tokens to non-negative integer ids, got string "zero" for "a"/);
  });

  it('names the file and line of a garbled merges.txt', async () => {
    const dir = await variant('garbled-merges', {});
    await writeFile(path.join(dir, 'merges.txt'), '#version: 0.2\ni n\nthisisnotamerge\n');
    await expect(ClipTokenizer.fromFolder(dir)).rejects.toThrow(`expected "left right" on line 3 of ${path.join(dir, 'merges.txt')}, got "thisisnotamerge"`);
  });

  it('names the folder when the configured pad token is not in the vocab', async () => {
    const dir = await variant('bad-pad', { 'tokenizer_config.json': { pad_token: '<pad>' } });
    await expect(ClipTokenizer.fromFolder(dir)).rejects.toThrow(`expected the pad token "<pad>" in the vocab of ${dir}, but it is missing`);
  });
});

describe('the tiny-shapes model tokenizer', () => {
  const dir = path.join(repoRoot, 'models', 'tiny-shapes', 'tokenizer');
  const present = existsSync(dir);

  it.skipIf(!present)('encodes each scene word as exactly one token (skipped until models/tiny-shapes/tokenizer is trained and exported)', async () => {
    const tokenizer = await ClipTokenizer.fromFolder(dir);
    const words = 'a big red circle above a small blue square'.split(' ');
    const encoded = tokenizer.encode(words.join(' '));
    expect(encoded.tokenCount).toBe(words.length + 2);
    const ids = encoded.ids.slice(0, encoded.tokenCount);
    expect(ids[0]).toBe(tokenizer.bosId);
    expect(ids.at(-1)).toBe(tokenizer.eosId);
    const wordIds = words.map((word) => tokenizer.encode(word).ids[1]);
    expect(ids.slice(1, -1)).toEqual(wordIds);
    expect(new Set(wordIds).size).toBe(new Set(words).size);
  });
});
