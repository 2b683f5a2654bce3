/**
 * Prompt clean-up before tokenizing, matching what CLIP's reference tokenizer did to its training
 * text: HTML references decoded, NFC, whitespace runs collapsed to one space, ends trimmed.
 * Lower-casing is left to the tokenizer (it is a config switch, and callers want to show cut-off
 * words in the user's own casing).
 */
import { unescapeHtml } from './html-entities.ts';

/**
 * Python's unicode `\s` (what the reference collapsed with). JS `\s` differs: it also matches U+FEFF
 * and misses U+001C..U+001F and U+0085, which would shift ids for pasted text that contains them.
 */
export const WHITESPACE_CLASS = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const WHITESPACE_RUN = new RegExp(`[${WHITESPACE_CLASS}]+`, 'g');

export function collapseWhitespace(text: string): string {
  const collapsed = text.replace(WHITESPACE_RUN, ' ');
  // Not String#trim: it would also strip U+FEFF, which the reference keeps as a symbol.
  const start = collapsed.startsWith(' ') ? 1 : 0;
  const end = collapsed.endsWith(' ') ? collapsed.length - 1 : collapsed.length;
  return start >= end ? '' : collapsed.slice(start, end);
}

/** Decoded, composed, single-spaced, trimmed text; case untouched. */
export function cleanText(text: string): string {
  // Decoded twice, as the reference does: alt text is often escaped twice ("&amp;amp;").
  const decoded = unescapeHtml(unescapeHtml(text));
  return collapseWhitespace(decoded.normalize('NFC'));
}
