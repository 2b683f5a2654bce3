/** projectEtas and DurationAverage: the arithmetic behind "starts in about 2 minutes". */
import { describe, expect, it } from 'vitest';
import { DurationAverage } from '../../src/queue/duration-average.ts';
import { projectEtas } from '../../src/queue/eta.ts';

describe('projectEtas', () => {
  it('queues jobs behind the one running slot', () => {
    expect(projectEtas([300], [100, 200])).toEqual([
      { startsInMs: 300, finishesInMs: 400 },
      { startsInMs: 400, finishesInMs: 600 },
    ]);
  });

  it('gives each job the slot that frees first', () => {
    expect(projectEtas([500, 0], [100, 100, 100])).toEqual([
      { startsInMs: 0, finishesInMs: 100 },
      { startsInMs: 100, finishesInMs: 200 },
      { startsInMs: 200, finishesInMs: 300 },
    ]);
  });

  it('treats an overdue slot as free now', () => {
    expect(projectEtas([-50], [10])).toEqual([{ startsInMs: 0, finishesInMs: 10 }]);
  });
});

describe('DurationAverage', () => {
  it('answers the initial guess until something is recorded', () => {
    expect(new DurationAverage(3, 1000).value).toBe(1000);
  });

  it('averages only the most recent durations', () => {
    const average = new DurationAverage(3, 1000);
    for (const ms of [100, 200, 300]) average.record(ms);
    expect(average.value).toBe(200);
    average.record(600);
    expect(average.value).toBe((200 + 300 + 600) / 3);
  });

  it('rejects a window below 1 and a negative duration', () => {
    expect(() => new DurationAverage(0, 1)).toThrow('Expected `window` to be an integer from 1 and up, got `0` (number)');
    expect(() => new DurationAverage(1, 1).record(-1)).toThrow(
      'Expected a duration to be a finite number >= 0, got `-1` (number)',
    );
  });
});
