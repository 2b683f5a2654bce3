/**
 * The promise behind "position 3 in queue": the order snapshot() predicts is the order jobs really
 * start in, until something is submitted, cancelled, paused or resumed (and, with several slots,
 * as long as jobs finish in the order they started).
 */
import { describe, expect, it } from 'vitest';
import { FairScheduler } from '../../src/queue/fair-scheduler.ts';
import { JobRefusedError } from '../../src/queue/queue-errors.ts';
import { JobBench, predictedOrder } from './job-bench.ts';

/** Takes the prediction, finishes up to `count` jobs oldest first, and checks the starts followed it. */
async function finishAndCompare(bench: JobBench, count = Number.POSITIVE_INFINITY): Promise<string[]> {
  const predicted = predictedOrder(bench.scheduler);
  const mark = bench.started.length;
  for (let i = 0; i < count && (await bench.finishOldest()); i++);
  const started = bench.started.slice(mark);
  expect(started).toEqual(predicted.slice(0, started.length));
  if (count === Number.POSITIVE_INFINITY) expect(started).toEqual(predicted);
  return started;
}

describe('predicted order equals start order', () => {
  it('for one heavy and two light users in one guild', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submitMany('h', 6, 'g', 'heavy');
    bench.submitMany('a', 2, 'g', 'light-a');
    bench.submit('b1', 'g', 'light-b');
    expect(predictedOrder(bench.scheduler)).toEqual(['a1', 'b1', 'h2', 'a2', 'h3', 'h4', 'h5', 'h6']);
    await finishAndCompare(bench);
  });

  it('for two guilds with several users each, submitted in between finishes', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submitMany('a', 4, 'guild-a', 'alice');
    bench.submitMany('c', 2, 'guild-a', 'carol');
    bench.submitMany('b', 3, 'guild-b', 'bob');
    await finishAndCompare(bench, 3);
    bench.submitMany('d', 2, 'guild-b', 'dave');
    bench.submit('e1', 'guild-c', 'erin');
    await finishAndCompare(bench, 2);
    bench.submit('c3', 'guild-a', 'carol');
    await finishAndCompare(bench);
  });

  it('for two slots and three guilds when jobs finish in start order', async () => {
    const bench = new JobBench(new FairScheduler({ slots: 2 }));
    bench.submitMany('a', 5, 'guild-a', 'alice');
    bench.submitMany('b', 2, 'guild-b', 'bob');
    bench.submitMany('c', 3, 'guild-c', 'carol');
    bench.submit('x1', 'guild-a', 'xavier');
    await finishAndCompare(bench);
  });

  it('across a pause and a resume, jobs of the paused guild following the held order', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submitMany('a', 3, 'guild-a', 'alice');
    bench.submitMany('z', 2, 'guild-a', 'zoe');
    bench.submitMany('b', 3, 'guild-b', 'bob');
    bench.scheduler.pause('guild-a');
    const held = bench.scheduler.snapshot().waiting.filter((job) => job.position === null);
    expect(held.map((job) => job.guildId)).toEqual(['guild-a', 'guild-a', 'guild-a', 'guild-a']);
    await finishAndCompare(bench);
    bench.scheduler.resume('guild-a');
    const resumed = [bench.started.at(-1)!, ...(await finishAndCompare(bench))];
    expect(resumed).toEqual(held.map((job) => job.id));
  });

  it('when a waiting job in the middle is cancelled', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submitMany('a', 4, 'guild-a', 'alice');
    bench.submitMany('b', 4, 'guild-b', 'bob');
    await finishAndCompare(bench, 2);
    const before = predictedOrder(bench.scheduler);
    const middle = before[Math.floor(before.length / 2)];
    expect(bench.scheduler.cancel(middle)).toBe('dequeued');
    expect(predictedOrder(bench.scheduler)).not.toContain(middle);
    const rest = await finishAndCompare(bench);
    expect(rest).not.toContain(middle);
  });

  // A seeded mix of everything the bot does, checking after every finish that the jobs which
  // started are the head of the prediction taken just before.
  it.each([1, 2])('through a long random mix of submits, cancels, pauses and finishes with %i slot(s)', async (slots) => {
    let seed = 12345 + slots;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n);
    };
    const bench = new JobBench(new FairScheduler({ slots }));
    const guilds = ['g1', 'g2', 'g3'];
    let next = 0;
    let checks = 0;
    for (let step = 0; step < 300; step++) {
      const action = random(10);
      if (action < 4) {
        try {
          bench.submit(`j${next++}`, guilds[random(3)], `u${random(5)}`);
        } catch (error) {
          if (!(error instanceof JobRefusedError)) throw error;
        }
      } else if (action < 7) {
        const started = await finishAndCompare(bench, 1);
        if (started.length > 0) checks++;
      } else if (action === 7) {
        const waiting = bench.scheduler.snapshot().waiting;
        if (waiting.length > 0) bench.scheduler.cancel(waiting[random(waiting.length)].id);
      } else if (action === 8) {
        // Cancelling the oldest running job is a finish in start order, so the prediction holds.
        const predicted = predictedOrder(bench.scheduler);
        const oldest = bench.scheduler.snapshot().running[0];
        if (oldest) {
          const mark = bench.started.length;
          bench.scheduler.cancel(oldest.id);
          await bench.tickets.get(oldest.id)!.done.catch(() => {});
          const started = bench.started.slice(mark);
          expect(started).toEqual(predicted.slice(0, started.length));
        }
      } else {
        const guild = guilds[random(3)];
        if (bench.scheduler.isPaused(guild)) bench.scheduler.resume(guild);
        else bench.scheduler.pause(guild);
      }
    }
    for (const guild of guilds) bench.scheduler.resume(guild);
    await finishAndCompare(bench);
    await bench.scheduler.idle();
    expect(checks).toBeGreaterThan(20);
  });
});
