/** Prompt cleaning: HTML references and whitespace handled as CLIP's reference (Python) did. */
import { describe, expect, it } from 'vitest';
import { unescapeHtml } from '../../../src/diffusion/tokenizer/html-entities.ts';
import { cleanText } from '../../../src/diffusion/tokenizer/text-cleaning.ts';

// Expected values are what Python 3's html.unescape returns for each input.
const PYTHON_UNESCAPE: [string, string][] = [
  ['&amp;amp;', '&amp;'],
  ['&#233;t&#xE9;', 'été'],
  ['&#x1F431;', '🐱'],
  ['&copy2024', '©2024'],
  ['&#150;', '–'],
  ['&bogus; AT&T', '&bogus; AT&T'],
  ['&notit;', '¬it;'],
  ['&lt;b&gt;', '<b>'],
  ['&ampx', '&x'],
  ['&hellip;', '…'],
  ['&hellip', '&hellip'],
  ['&#0;', '\ufffd'],
  ['&#xD800;', '\ufffd'],
  ['&#1114112;', '\ufffd'],
  ['&#x7f;x', 'x'],
  ['&#13;', '\r'],
  ['&#xFFFE;', ''],
  ['&eacute&eacute;', 'éé'],
  ['&quot;hi&quot;', '"hi"'],
  ['&apos;', "'"],
  ['& amp;', '& amp;'],
  ['&#;', '&#;'],
  ['&#65', 'A'],
  ['&#x41g', 'Ag'],
  ['&yuml;&Yuml;', 'ÿŸ'],
  ['&#129;&#157;', '\x81\x9d'],
];

describe('unescapeHtml', () => {
  it.each(PYTHON_UNESCAPE)('decodes %j as Python does', (input, expected) => {
    expect(unescapeHtml(input)).toBe(expected);
  });
});

describe('cleanText', () => {
  it('decodes twice, as the reference does for doubly escaped alt text', () => {
    expect(cleanText('fish &amp;amp; chips')).toBe('fish & chips');
  });

  it('composes decomposed accents (NFC)', () => {
    expect(cleanText('cafe\u0301')).toBe('caf\u00e9');
  });

  it('collapses Python-whitespace runs, including U+3000, U+0085 and U+001F, and trims', () => {
    expect(cleanText(' \t a\u3000\u3000b\u0085c\u001fd\n')).toBe('a b c d');
  });

  it('keeps U+FEFF, which Python does not count as whitespace', () => {
    expect(cleanText('\ufeffa b')).toBe('\ufeffa b');
  });

  it('keeps the casing', () => {
    expect(cleanText('MiXeD')).toBe('MiXeD');
  });
});
