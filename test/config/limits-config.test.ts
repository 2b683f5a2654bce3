/** The default limits work together: a default prompt permutation fits in one member's default limit. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';

describe('default queue limits', () => {
  it('let one member queue a whole default permutation ({red, blue} {circle, star} is 4 jobs)', () => {
    const config = loadConfig({});
    expect(config.queue.maxJobsPerUser).toBeGreaterThanOrEqual(config.queue.maxPermutations);
    expect(config.queue.maxPermutations).toBe(4);
  });
});
