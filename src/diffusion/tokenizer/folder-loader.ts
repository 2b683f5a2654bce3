/**
 * Reads a Hugging Face / diffusers tokenizer folder: vocab.json + merges.txt, or tokenizer.json,
 * plus the optional tokenizer_config.json and special_tokens_map.json.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { mergeKey } from './bpe.ts';
import { describe, isRecord, readJsonFile, toVocab } from './json-file.ts';
import { applyConfig, settingsFromTokenizerJson } from './tokenizer-config.ts';
import { DEFAULT_SETTINGS, type TokenizerData, type TokenizerSettings } from './tokenizer-data.ts';

async function listFolder(dir: string): Promise<Set<string>> {
  try {
    return new Set(await readdir(dir));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'ENOTDIR' ? 'it is not a folder' : (error as Error).message;
    throw new Error(`expected a tokenizer folder at ${dir}, but ${why}`);
  }
}

function parseMergeLine(line: string, lineNumber: number, where: string): string {
  const space = line.indexOf(' ');
  if (space <= 0 || space === line.length - 1 || line.indexOf(' ', space + 1) !== -1) {
    throw new Error(`expected "left right" on line ${lineNumber} of ${where}, got ${JSON.stringify(line.slice(0, 60))}`);
  }
  return line;
}

async function readMergesTxt(file: string): Promise<Map<string, number>> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const ranks = new Map<string, number>();
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || (i === 0 && line.startsWith('#version'))) return;
    ranks.set(parseMergeLine(line, i + 1, file), ranks.size);
  });
  return ranks;
}

/** tokenizer.json writes merges as "a b" (older) or ["a", "b"] (newer). */
function toRanks(merges: unknown, where: string): Map<string, number> {
  if (!Array.isArray(merges)) throw new Error(`expected ${where} to be an array of merges, got ${describe(merges)}`);
  const ranks = new Map<string, number>();
  merges.forEach((merge, i) => {
    if (typeof merge === 'string') {
      ranks.set(parseMergeLine(merge, i + 1, where), i);
    } else if (Array.isArray(merge) && merge.length === 2 && merge.every((s) => typeof s === 'string' && s !== '')) {
      ranks.set(mergeKey(merge[0] as string, merge[1] as string), i);
    } else {
      throw new Error(`expected merge ${i} of ${where} to be "a b" or ["a", "b"], got ${describe(merge)}`);
    }
  });
  return ranks;
}

async function readTokenizerJson(file: string): Promise<Omit<TokenizerData, 'source'>> {
  const json = await readJsonFile(file);
  if (!isRecord(json) || !isRecord(json.model)) {
    throw new Error(`expected ${file} to hold a "model" object, got ${isRecord(json) ? describe(json.model) : describe(json)}`);
  }
  const model = json.model;
  if (model.type !== undefined && model.type !== 'BPE') {
    throw new Error(`expected a BPE model in ${file}, got model.type ${describe(model.type)}`);
  }
  // The byte-level CLIP scheme marks word ends with "</w>"; another suffix would give wrong ids silently.
  if (model.end_of_word_suffix != null && model.end_of_word_suffix !== '</w>') {
    throw new Error(`expected end_of_word_suffix "</w>" in ${file}, got ${describe(model.end_of_word_suffix)}`);
  }
  const vocab = toVocab(model.vocab, `model.vocab in ${file}`);
  if (Array.isArray(json.added_tokens)) {
    for (const added of json.added_tokens) {
      if (isRecord(added) && typeof added.content === 'string' && Number.isInteger(added.id)) {
        vocab.set(added.content, added.id as number);
      }
    }
  }
  const ranks = toRanks(model.merges, `model.merges in ${file}`);
  return { vocab, ranks, settings: settingsFromTokenizerJson(json, vocab) };
}

async function readVocabAndMerges(dir: string): Promise<Omit<TokenizerData, 'source'>> {
  const vocabFile = path.join(dir, 'vocab.json');
  const vocab = toVocab(await readJsonFile(vocabFile), vocabFile);
  const ranks = await readMergesTxt(path.join(dir, 'merges.txt'));
  return { vocab, ranks, settings: { ...DEFAULT_SETTINGS } };
}

async function applyConfigFiles(dir: string, files: Set<string>, base: TokenizerSettings): Promise<TokenizerSettings> {
  let settings = base;
  // special_tokens_map.json is applied last: transformers lets it override tokenizer_config.json,
  // which is how SD 2.x ends up padding with "!" (id 0).
  for (const name of ['tokenizer_config.json', 'special_tokens_map.json']) {
    if (files.has(name)) settings = applyConfig(settings, await readJsonFile(path.join(dir, name)), path.join(dir, name));
  }
  return settings;
}

/** Loads `dir`, or `dir/tokenizer` when `dir` is a whole diffusers model folder. */
export async function loadTokenizerFolder(dir: string): Promise<TokenizerData> {
  const files = await listFolder(dir);
  let data: Omit<TokenizerData, 'source'>;
  if (files.has('vocab.json') && files.has('merges.txt')) {
    data = await readVocabAndMerges(dir);
  } else if (files.has('tokenizer.json')) {
    data = await readTokenizerJson(path.join(dir, 'tokenizer.json'));
  } else if (files.has('tokenizer') && !files.has('vocab.json') && !files.has('merges.txt')) {
    return loadTokenizerFolder(path.join(dir, 'tokenizer'));
  } else {
    const found = files.size === 0 ? 'an empty folder' : [...files].sort().slice(0, 12).join(', ');
    throw new Error(`expected vocab.json + merges.txt or tokenizer.json in ${dir}, found ${found}`);
  }
  const settings = await applyConfigFiles(dir, files, data.settings);
  return { ...data, settings, source: dir };
}
