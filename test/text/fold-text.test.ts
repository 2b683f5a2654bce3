// The folding that banned words and prompts are compared in: every spelling a reader takes for
// "gore" folds to "gore", and words that only contain it stay themselves.
import { describe, expect, it } from 'vitest';
import { foldText, removeInvisible } from '../../src/text/fold-text.ts';
import { LOOK_ALIKES } from '../../src/text/look-alikes.ts';

describe('foldText', () => {
  it.each([
    ['upper case', 'GORE'],
    ['mixed case', 'GoRe'],
    ['accents', 'gôrè'],
    ['a decomposed accent', 'go\u0302re'],
    ['fullwidth letters', 'ｇｏｒｅ'],
    ['mathematical bold letters', '𝐠𝐨𝐫𝐞'],
    ['circled letters', 'ⓖⓞⓡⓔ'],
    ['a zero-width space inside', 'go\u200bre'],
    ['a zero-width joiner and non-joiner inside', 'g\u200do\u200cre'],
    ['a word joiner inside', 'gor\u2060e'],
    ['a byte-order mark inside', 'g\ufeffore'],
    ['a soft hyphen inside', 'go\u00adre'],
    ['left-to-right and right-to-left marks inside', 'g\u200eo\u200fre'],
    ['a right-to-left override and its pop', 'g\u202eor\u202ce'],
    ['a bidi isolate', 'g\u2067ore\u2069'],
    ['a Hangul filler (default-ignorable, not a format character)', 'go\u3164re'],
    ['a Cyrillic о', 'g\u043ere'],
    ['Cyrillic о and е', 'g\u043er\u0435'],
    ['capital Cyrillic О and Е', 'G\u041eR\u0415'],
    ['a Greek ο', 'g\u03bfre'],
    ['a capital Greek Ο', 'G\u039fRE'],
    ['an Armenian օ', 'g\u0585re'],
    ['small capitals', 'ɢᴏʀᴇ'],
    ['a Latin script g', '\u0261ore'],
    ['everything at once', '\u202eＧ\u200b\u041e\u00adR\u0308ᴇ'],
  ])('folds %s to the plain word', (_label, spelling) => {
    expect(foldText(spelling)).toBe('gore');
  });

  it('folds other Cyrillic and Greek look-alikes letter by letter', () => {
    expect(foldText('\u0430\u0441\u0440\u0445\u0443\u0456\u0455\u0458')).toBe('acpxyisj'); // а с р х у і ѕ ј
    expect(foldText('\u03b1\u03bd\u03c1\u03c4\u03ba\u03b9')).toBe('avptki'); // α ν ρ τ κ ι
    expect(foldText('\u039d\u0391\u039c\u0395')).toBe('name'); // Ν Α Μ Ε: capital Nu is N, small ν is v
  });

  it('spells out letters that are two letters, and drops strokes as it drops accents', () => {
    expect(foldText('Straße Æsir œuvre')).toBe('strasse aesir oeuvre');
    expect(foldText('Łódź Ørsted đak')).toBe('lodz orsted dak');
  });

  it('collapses whitespace of any kind to one space and trims the ends', () => {
    expect(foldText('  Blood\u00a0\t\u3000 Bath\n')).toBe('blood bath');
    expect(foldText('blood\u200b \u200bbath')).toBe('blood bath');
  });

  it('leaves ASCII digits and punctuation alone: "g0re" and "g.o.r.e" are not "gore"', () => {
    expect(foldText('g0re g.o.r.e g-o-r-e')).toBe('g0re g.o.r.e g-o-r-e');
  });

  it('keeps words of other scripts that have no Latin look-alike', () => {
    expect(foldText('血腥')).toBe('血腥');
    expect(foldText('Дым')).toBe('дым');
  });
});

describe('removeInvisible', () => {
  it('joins the letters on either side of every invisible character', () => {
    const invisible = ['\u00ad', '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2060', '\u2066', '\u2067', '\u2068', '\u2069', '\ufeff'];
    for (const ch of invisible) expect(removeInvisible(`go${ch}re`)).toBe('gore');
  });

  it('keeps visible characters and ordinary spaces', () => {
    expect(removeInvisible('a red circle, 2 squares!')).toBe('a red circle, 2 squares!');
  });
});

describe('the look-alike table', () => {
  it('maps single characters to Latin letters only', () => {
    for (const [from, to] of LOOK_ALIKES) {
      expect([...from], from).toHaveLength(1);
      expect(to, from).toMatch(/^[A-Za-z]{1,2}$/);
    }
  });

  it('holds only characters that NFKC and accent folding leave as they are, so every row is reachable', () => {
    for (const from of LOOK_ALIKES.keys()) {
      expect(from.normalize('NFKD').replace(/\p{M}+/gu, '').normalize('NFKC'), `U+${from.codePointAt(0)!.toString(16)}`).toBe(from);
    }
  });
});
