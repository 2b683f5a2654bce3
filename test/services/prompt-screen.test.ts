// Banned words are found in a prompt as the model will read it: HTML references decoded as the
// tokenizer decodes them, invisible characters and look-alike letters folded, whole words only.
import { describe, expect, it } from 'vitest';
import { bannedWordPattern, findBannedWord } from '../../src/services/prompt-screen.ts';
import { cleanText } from '../../src/diffusion/tokenizer/text-cleaning.ts';
import { GORE_SPELLINGS } from '../support/banned-spellings.ts';

const banned = ['gore', 'ass', 'blood bath', '血腥', '420'].map(bannedWordPattern);
const found = (...texts: Array<string | undefined>) => findBannedWord(banned, texts)?.word;

describe('findBannedWord', () => {
  it.each(GORE_SPELLINGS)('finds "gore" written with %s', (_label, prompt) => {
    expect(found(prompt)).toBe('gore');
  });

  it('checks the HTML-escaped spellings against what the tokenizer actually reads', () => {
    // The premise of the screen: these are "gore" to the model.
    for (const prompt of ['&#103;ore', 'g&#x6f;re', '&amp;#103;ore']) expect(cleanText(prompt)).toBe('gore');
  });

  it('finds a banned word in the negative prompt as well', () => {
    expect(found('a calm lake', 'no g&#x6f;re')).toBe('gore');
    expect(found('a calm lake', undefined)).toBeUndefined();
  });

  it('keeps whole words: "class", "classic", "assistant" and "grass" pass a ban on "ass"', () => {
    expect(found('a classic class with an assistant on the grass, bass and mass')).toBeUndefined();
    expect(found('a cl&#97;ss and a cl\u0430ss')).toBeUndefined();
    expect(found('an ass')).toBe('ass');
    expect(found('an \u0430ss')).toBe('ass');
    expect(found('ASS!')).toBe('ass');
  });

  it('keeps whole words after folding: "gorey" and "gorge" are other words', () => {
    expect(found('a gorey gorge, g\u043erey')).toBeUndefined();
  });

  it('ends a word where its letters end, as the tokenizer splits it: "gore2" holds "gore"', () => {
    expect(found('gore2')).toBe('gore');
    expect(found('gore_scene')).toBe('gore');
    expect(found('4200 cats')).toBeUndefined();
    expect(found('x420 cats')).toBe('420');
  });

  it('matches a banned phrase across any whitespace between its words', () => {
    expect(found('a blood   bath')).toBe('blood bath');
    expect(found('a blood\u00a0\u200b bath')).toBe('blood bath');
    expect(found('a blood&#32;bath')).toBe('blood bath');
    expect(found('a bloodbath')).toBeUndefined();
  });

  it('finds words of scripts written without spaces inside a sentence, and Latin words next to them', () => {
    expect(found('一个很血腥的场面')).toBe('血腥');
    expect(found('血gore')).toBe('gore');
  });

  it('does not reach for letters spread out or replaced by digits (documented as not covered)', () => {
    expect(found('g.o.r.e, g o r e, g0re')).toBeUndefined();
  });

  it('refuses nothing when the server bans nothing', () => {
    expect(findBannedWord([], ['&#103;ore'])).toBeUndefined();
  });
});
