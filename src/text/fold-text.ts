/**
 * The one folding of text that banned words and prompts are compared in, so that spellings a
 * reader (or the model) takes for the same word compare equal. Used by the store to normalise a
 * banned word as it is saved and by the moderation service to screen prompts.
 */
import { LOOK_ALIKES } from './look-alikes.ts';

/**
 * Invisible characters that can sit inside a word without showing: format characters (zero-width
 * space and joiners, U+2060 word joiner, U+FEFF, the soft hyphen, bidi marks, embeddings,
 * overrides and isolates) and the other default-ignorables (Hangul fillers, variation selectors).
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]+/gu;
const MARKS = /\p{M}+/gu;
const NON_ASCII = /[^\x00-\x7f]/gu;

/** The text without invisible characters; letters on either side join ("go\u200bre" -> "gore"). */
export function removeInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/**
 * Invisible characters removed, compatibility forms (fullwidth, 𝐦𝐚𝐭𝐡 letters) and accents folded,
 * look-alike letters replaced by the Latin ones they imitate, lower case, whitespace runs as one
 * space, ends trimmed: "GÔRE", "ｇｏｒｅ", "gоre" (Cyrillic о) and "go\u00adre" all become "gore".
 */
export function foldText(text: string): string {
  const letters = removeInvisible(text).normalize('NFKD').replace(MARKS, '').normalize('NFKC');
  // Look-alikes before lower case: the table is case-sensitive (Greek Ν is N, ν is v).
  const latin = letters.replace(NON_ASCII, (ch) => LOOK_ALIKES.get(ch) ?? ch);
  // toLowerCase without a locale, so the result does not depend on the machine.
  return latin.toLowerCase().replace(/\s+/gu, ' ').trim();
}
