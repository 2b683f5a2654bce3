/**
 * Finds a server's banned words in a prompt as the model will read it, not only as it was typed.
 *
 * Each prompt is screened in three readings, all through the same `foldText` the stored words
 * went through: as typed; as the tokenizer cleans it (`cleanText`: HTML references decoded twice,
 * so "&#103;ore", "g&#x6f;re" and "&amp;#103;ore" are "gore"); and cleaned after invisible
 * characters were removed (so one hidden inside a reference, "&#1\u200b03;ore", does not stop it
 * decoding here even though it would stop the tokenizer).
 *
 * Covered: case, accents, fullwidth and other compatibility forms, look-alike letters from other
 * scripts (see src/text/look-alikes.ts), zero-width characters, soft hyphens and bidi controls
 * inside a word, HTML references, and any run of whitespace inside a banned phrase.
 *
 * Not covered, on purpose: letters spread out with separators ("g.o.r.e", "g o r e"), digits or
 * symbols for letters ("g0re"), misspellings. Matching those would refuse ordinary prompts: it is
 * whole words that are banned, and "class" must stay allowed under a ban on "ass".
 */
import { cleanText } from '../diffusion/tokenizer/text-cleaning.ts';
import { foldText, removeInvisible } from '../text/fold-text.ts';

/**
 * Scripts written without spaces between words: a word in them may end anywhere, so a banned
 * word is found inside a sentence ("很血腥的"), and a Latin word written right against them
 * ("血gore") is still that word.
 */
const UNSPACED = '\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\p{sc=Thai}\\p{sc=Lao}\\p{sc=Khmer}\\p{sc=Myanmar}';
/** A letter that continues a word written with spaces. */
const SPACED_LETTER = `(?![${UNSPACED}])\\p{L}`;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * What may not stand next to a banned word's first or last character for the match to count as
 * the whole word. A word ends where its run of letters (or of digits) ends, as the tokenizer's
 * pre-tokenizer splits text (src/diffusion/tokenizer/pre-tokenizer.ts): "gore2" holds the word
 * "gore", "gorey" does not.
 */
function edge(ch: string): string | undefined {
  if (new RegExp(`^[${UNSPACED}]$`, 'u').test(ch)) return undefined;
  if (/^\p{L}$/u.test(ch)) return SPACED_LETTER;
  if (/^\p{N}$/u.test(ch)) return '\\p{N}';
  return undefined;
}

export interface BannedWordPattern {
  /** The banned word as stored (shown back in the refusal). */
  word: string;
  pattern: RegExp;
}

/** A whole-word pattern for one banned word, matched against folded text. */
export function bannedWordPattern(word: string): BannedWordPattern {
  const folded = foldText(word);
  const chars = [...folded];
  const before = edge(chars[0] ?? '');
  const after = edge(chars[chars.length - 1] ?? '');
  const source = `${before ? `(?<!${before})` : ''}${escapeRegExp(folded)}${after ? `(?!${after})` : ''}`;
  return { word, pattern: new RegExp(source, 'u') };
}

/** The folded readings of a prompt that banned words are looked for in (see the file comment). */
export function screenedReadings(text: string): string[] {
  const readings = new Set([foldText(text), foldText(cleanText(text)), foldText(cleanText(removeInvisible(text)))]);
  return [...readings];
}

/** The first banned word found in any of the texts (prompt, negative prompt), or undefined. */
export function findBannedWord(patterns: readonly BannedWordPattern[], texts: ReadonlyArray<string | undefined>): BannedWordPattern | undefined {
  if (patterns.length === 0) return undefined;
  for (const text of texts) {
    if (!text) continue;
    const readings = screenedReadings(text);
    const hit = patterns.find((p) => readings.some((reading) => p.pattern.test(reading)));
    if (hit) return hit;
  }
  return undefined;
}
