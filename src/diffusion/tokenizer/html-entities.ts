/**
 * HTML character-reference decoding for prompt cleaning. CLIP was trained on alt text run through
 * Python's html.unescape, so prompts pasted from web pages ("&amp;", "&#233;") must decode the same
 * way. Numeric references follow the HTML5 rules exactly; named ones cover Latin-1 and the common
 * typographic names rather than the full 2,000-entry table.
 */

/** The 96 Latin-1 entities, in code-point order from U+00A0. All may appear without ';' (HTML5 legacy). */
const LATIN1_NAMES = (
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr ' +
  'deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest ' +
  'Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ' +
  'ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig ' +
  'agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml ' +
  'eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml'
).split(' ');

/** Legacy ASCII names that HTML5 also decodes without the ';'. */
const LEGACY_ASCII: Record<string, string> = {
  amp: '&', AMP: '&', lt: '<', LT: '<', gt: '>', GT: '>', quot: '"', QUOT: '"', COPY: '\u00a9', REG: '\u00ae',
};

/** Common names that need the ';'. */
const NEEDS_SEMICOLON: Record<string, number> = {
  apos: 0x27, hellip: 0x2026, mdash: 0x2014, ndash: 0x2013, lsquo: 0x2018, rsquo: 0x2019, sbquo: 0x201a,
  ldquo: 0x201c, rdquo: 0x201d, bdquo: 0x201e, lsaquo: 0x2039, rsaquo: 0x203a, bull: 0x2022,
  dagger: 0x2020, Dagger: 0x2021, permil: 0x2030, prime: 0x2032, Prime: 0x2033, trade: 0x2122,
  euro: 0x20ac, minus: 0x2212, infin: 0x221e, ne: 0x2260, le: 0x2264, ge: 0x2265, asymp: 0x2248,
  larr: 0x2190, uarr: 0x2191, rarr: 0x2192, darr: 0x2193, harr: 0x2194, hearts: 0x2665, spades: 0x2660,
  clubs: 0x2663, diams: 0x2666, ensp: 0x2002, emsp: 0x2003, thinsp: 0x2009, zwnj: 0x200c, zwj: 0x200d,
  lrm: 0x200e, rlm: 0x200f, OElig: 0x152, oelig: 0x153, Scaron: 0x160, scaron: 0x161, Yuml: 0x178,
  fnof: 0x192, circ: 0x2c6, tilde: 0x2dc,
};

const withSemicolon = new Map<string, string>();
const withoutSemicolon = new Map<string, string>();
LATIN1_NAMES.forEach((name, i) => {
  withSemicolon.set(name, String.fromCharCode(0xa0 + i));
  withoutSemicolon.set(name, String.fromCharCode(0xa0 + i));
});
for (const [name, char] of Object.entries(LEGACY_ASCII)) {
  withSemicolon.set(name, char);
  withoutSemicolon.set(name, char);
}
for (const [name, code] of Object.entries(NEEDS_SEMICOLON)) withSemicolon.set(name, String.fromCodePoint(code));

/** Windows-1252 meanings that HTML5 gives to &#128; .. &#159; (browsers met them in mislabelled pages). */
const CP1252_C1 =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';

const REFERENCE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;

function decodeNumeric(code: number): string {
  if (code === 0) return '\ufffd';
  if (code === 0x0d) return '\r';
  if (code >= 0x80 && code <= 0x9f) return CP1252_C1[code - 0x80];
  if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return '\ufffd';
  // Controls and noncharacters are dropped, as HTML5 (and Python) do.
  const isControl = (code >= 0x01 && code <= 0x08) || code === 0x0b || (code >= 0x0e && code <= 0x1f) || code === 0x7f;
  const isNonCharacter = (code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe;
  if (isControl || isNonCharacter) return '';
  return String.fromCodePoint(code);
}

function decodeNamed(body: string): string | undefined {
  const exact = body.endsWith(';') ? withSemicolon.get(body.slice(0, -1)) : withoutSemicolon.get(body);
  if (exact !== undefined) return exact;
  // "&copy2024" -> "©2024": the longest legacy name that prefixes the run wins, the rest stays text.
  for (let end = body.length - 1; end >= 2; end--) {
    const char = withoutSemicolon.get(body.slice(0, end));
    if (char !== undefined) return char + body.slice(end);
  }
  return undefined;
}

function decodeReference(match: string, body: string): string {
  if (body[0] === '#') {
    const hex = body[1] === 'x' || body[1] === 'X';
    const digits = body.slice(hex ? 2 : 1).replace(/;$/, '');
    return decodeNumeric(parseInt(digits, hex ? 16 : 10));
  }
  return decodeNamed(body) ?? match;
}

/** Decodes HTML character references once, as Python's html.unescape does. */
export function unescapeHtml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, decodeReference);
}
