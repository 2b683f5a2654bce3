/** VARY_STRONG_STRENGTH and VARY_SUBTLE_STRENGTH: their defaults, and the errors that name the bad value. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

describe('vary strengths', () => {
  it('default to 0.75 (strong) and 0.35 (subtle), and take any value above 0 and at most 1', () => {
    expect(loadConfig({}).vary).toEqual({ strong: 0.75, subtle: 0.35 });
    expect(loadConfig({ VARY_STRONG_STRENGTH: '1', VARY_SUBTLE_STRENGTH: '.2' }).vary).toEqual({ strong: 1, subtle: 0.2 });
  });

  it('refuses 0, more than 1 and non-numbers, naming each variable and value at once', () => {
    for (const [strong, subtle] of [['0', '1.5'], ['abc', '-0.3']]) {
      let err: unknown;
      try {
        loadConfig({ VARY_STRONG_STRENGTH: strong, VARY_SUBTLE_STRENGTH: subtle });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        `VARY_STRONG_STRENGTH must be a number above 0 and at most 1 (the share of the image repainted), got "${strong}"`,
        `VARY_SUBTLE_STRENGTH must be a number above 0 and at most 1 (the share of the image repainted), got "${subtle}"`,
      ]);
    }
  });
});
