/**
 * Splits cleaned text into the pieces CLIP byte-pair-encodes one at a time: its special tokens,
 * English contractions, letter runs, single digits, and runs of anything else that is not space.
 */
import { WHITESPACE_CLASS } from './text-cleaning.ts';

export interface Piece {
  text: string;
  /** UTF-16 offset of the piece in the text it was cut from. */
  start: number;
}

// CLIP's pattern. Digits stay single so numbers cost one token per digit, as the model was trained.
const CLIP_PATTERN = new RegExp(
  [
    '<\\|startoftext\\|>',
    '<\\|endoftext\\|>',
    "'s", "'t", "'re", "'ve", "'m", "'ll", "'d",
    '\\p{L}+',
    '\\p{N}',
    `[^${WHITESPACE_CLASS}\\p{L}\\p{N}]+`,
  ].join('|'),
  'giu',
);

export function splitPieces(text: string): Piece[] {
  const pieces: Piece[] = [];
  for (const match of text.matchAll(CLIP_PATTERN)) pieces.push({ text: match[0], start: match.index ?? 0 });
  return pieces;
}
