import { describe, expect, it } from 'vitest';
import { expandPermutations, permutationCount } from '../../src/text/permutations.ts';

describe('prompt permutations', () => {
  it('expands every combination in reading order', () => {
    expect(expandPermutations('a {red, blue} {circle, star}', 4)).toEqual(['a red circle', 'a red star', 'a blue circle', 'a blue star']);
  });
  it('leaves a prompt without braces as it is (commas outside braces are text)', () => {
    expect(expandPermutations('a red, round circle', 4)).toEqual(['a red, round circle']);
    expect(permutationCount('a red circle')).toBe(1);
  });
  it('keeps escaped braces and commas literally', () => {
    expect(expandPermutations('a \\{red\\} {circle, star\\, bright}', 4)).toEqual(['a {red} circle', 'a {red} star, bright']);
  });
  it('an empty option drops the word', () => {
    expect(expandPermutations('a {, big} star', 4)).toEqual(['a star', 'a big star']);
  });
  it('refuses more combinations than allowed, naming the count and the limit', () => {
    expect(permutationCount('{a,b,c} {d,e}')).toBe(6);
    expect(() => expandPermutations('{a,b,c} {d,e}', 4)).toThrow(/expands to 6 combinations; at most 4/);
  });
  it('refuses unbalanced or nested braces', () => {
    expect(() => expandPermutations('a {red', 4)).toThrow(/never closed/);
    expect(() => expandPermutations('a red}', 4)).toThrow(/closes no group/);
    expect(() => expandPermutations('{a {b}}', 4)).toThrow(/cannot nest/);
    expect(() => expandPermutations('a {} b', 4)).toThrow(/empty/);
  });
});
