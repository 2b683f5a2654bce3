// Spellings of a banned word that the prompt screen must see through, shared by the unit and bot tests.

/** Every spelling of "gore" that point 2 of issue 10 names, and a few more, each inside a prompt. */
export const GORE_SPELLINGS: ReadonlyArray<[string, string]> = [
  ['a decimal HTML reference', 'a &#103;ore scene'],
  ['a hex HTML reference', 'a g&#x6f;re scene'],
  ['a doubly escaped HTML reference', 'a &amp;#103;ore scene'],
  ['a named reference for an invisible character', 'a go&shy;re scene'],
  ['a zero-width space inside the word', 'a go\u200bre scene'],
  ['a zero-width joiner inside the word', 'a g\u200dore scene'],
  ['a soft hyphen inside the word', 'a go\u00adre scene'],
  ['bidi controls around and inside the word', 'a \u202eg\u200fo\u2066re\u2069\u202c scene'],
  ['a Cyrillic о', 'a g\u043ere scene'],
  ['Cyrillic capitals', 'a G\u041eR\u0415 scene'],
  ['a Greek ο', 'a g\u03bfre scene'],
  ['fullwidth letters', 'a ｇｏｒｅ scene'],
  ['mathematical letters', 'a 𝒈𝒐𝒓𝒆 scene'],
  ['accents', 'a gôrë scene'],
  ['upper case', 'a GORE scene'],
];
