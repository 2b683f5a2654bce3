/** Reading the JSON files of a tokenizer folder, with errors that name the file and what was wrong. */
import { readFile } from 'node:fs/promises';

export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`could not read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`expected JSON in ${path}, got unparsable text (${(error as Error).message})`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  const shown = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${shown.length > 40 ? `${shown.slice(0, 40)}...` : shown}`;
}

/** A token -> id table, checked so that a garbled file fails here rather than as wrong ids later. */
export function toVocab(value: unknown, where: string): Map<string, number> {
  if (!isRecord(value)) throw new Error(`expected ${where} to be an object of token -> id, got ${describe(value)}`);
  const vocab = new Map<string, number>();
  // Object.keys rather than Object.entries: it skips 49k pair arrays and is most of the load time.
  const tokens = Object.keys(value);
  for (let i = 0; i < tokens.length; i++) {
    const id = value[tokens[i]];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new Error(`expected ${where} to map tokens to non-negative integer ids, got ${describe(id)} for ${JSON.stringify(tokens[i])}`);
    }
    vocab.set(tokens[i], id);
  }
  if (vocab.size === 0) throw new Error(`expected ${where} to hold tokens, got an empty object`);
  return vocab;
}
