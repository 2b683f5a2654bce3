import { describe, expect, it } from 'vitest';
import { checkImagineOptions, mergeOptions, parseInlineOptions } from '../../src/services/imagine-options.ts';

describe('inline Midjourney-style parameters', () => {
  it('splits --ar, --seed, --no, --steps, --cfg and --sampler off the prompt', () => {
    expect(parseInlineOptions('a red circle --ar 3:2 --seed 7 --no blurry text --steps 25 --cfg 6.5 --sampler euler_a')).toEqual({
      prompt: 'a red circle',
      aspect: [3, 2],
      seed: 7,
      negative: 'blurry text',
      steps: 25,
      guidance: 6.5,
      sampler: 'euler-a',
    });
  });

  it('reads --chaos as a whole number', () => {
    expect(parseInlineOptions('two stars --chaos 30')).toEqual({ prompt: 'two stars', chaos: 30 });
  });

  it('leaves a prompt without parameters alone, dashes inside words included', () => {
    expect(parseInlineOptions('a well-known red--blue circle')).toEqual({ prompt: 'a well-known red--blue circle' });
  });

  it.each([
    ['a cat --ar 3x2', /`--ar` must be a ratio like 3:2.*got "3x2"/],
    ['a cat --ar 9:1', /at most 4:1/],
    ['a cat --seed abc', /`--seed` needs a whole number, got "abc"/],
    ['a cat --steps', /`--steps` needs a value/],
    ['a cat --sampler plms', /unknown sampler "plms"; use one of euler, euler-a/],
    ['a cat --tile 50', /unknown parameter `--tile`/],
    ['a cat --chaos lots', /`--chaos` needs a whole number, got "lots"/],
    ['a cat --cfg lots', /`--cfg` needs a number, got "lots"/],
  ])('refuses %s with a message naming the value', (text, message) => {
    expect(() => parseInlineOptions(text)).toThrow(message);
  });

  it('lets slash-command options win over inline values', () => {
    const merged = mergeOptions(parseInlineOptions('a cat --seed 7 --steps 10'), { seed: 9, steps: undefined });
    expect(merged).toMatchObject({ prompt: 'a cat', seed: 9, steps: 10 });
  });
});

describe('option limits in the member\'s words', () => {
  it.each([
    [{ count: 0 }, /^`count` must be a whole number from 1 to 4, got 0$/],
    [{ count: 5 }, /^`count` must be a whole number from 1 to 4, got 5$/],
    [{ steps: 151 }, /^`steps` must be a whole number from 1 to 150, got 151$/],
    [{ guidance: 31 }, /^`guidance` \(`--cfg`\) must be a number from 0 to 30, got 31$/],
    [{ seed: 2 ** 32 }, /^`seed` must be a whole number from 0 to 4294967295, got 4294967296$/],
    [{ chaos: 101 }, /^`chaos` \(`--chaos`\) must be a whole number from 0 to 100, got 101$/],
    [{ chaos: 2.5 }, /^`chaos` \(`--chaos`\) must be a whole number from 0 to 100, got 2.5$/],
  ])('refuses %o naming the option and its range', (options, message) => {
    expect(() => checkImagineOptions({ prompt: 'a cat', ...options })).toThrow(message);
  });

  it('accepts every value at the ends of each range', () => {
    for (const o of [{ count: 1 }, { count: 4 }, { steps: 1 }, { steps: 150 }, { guidance: 0 }, { guidance: 30 }, { seed: 0 }, { seed: 4294967295 }, { chaos: 0 }, { chaos: 100 }]) {
      expect(() => checkImagineOptions({ prompt: 'a cat', ...o })).not.toThrow();
    }
  });
});
