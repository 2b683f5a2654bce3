/** FairScheduler: fair order across users and guilds, slots, limits, cancel, pause, errors, positions and ETAs. */
import { describe, expect, it } from 'vitest';
import { FairScheduler } from '../../src/queue/fair-scheduler.ts';
import type { QueueSnapshot } from '../../src/queue/scheduler-types.ts';
import {
  JobCancelledError,
  JobRefusedError,
  QueueClosedError,
} from '../../src/queue/queue-errors.ts';
import { JobBench, predictedOrder } from './job-bench.ts';

describe('fair order', () => {
  it('lets two light users in between the jobs of a heavy user, each user in submission order', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submitMany('h', 5, 'g', 'heavy');
    bench.submit('a1', 'g', 'light-a');
    bench.submit('a2', 'g', 'light-a');
    bench.submit('b1', 'g', 'light-b');
    expect(bench.started).toEqual(['h1']);
    await bench.runOut();
    expect(bench.started).toEqual(['h1', 'a1', 'b1', 'h2', 'a2', 'h3', 'h4', 'h5']);
  });

  it('runs a later guild\'s single job right after the busy guild\'s current one', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submitMany('a', 10, 'guild-a', 'alice');
    bench.submit('b1', 'guild-b', 'bob');
    expect(bench.tickets.get('b1')!.position).toBe(1);
    await bench.finish('a1');
    expect(bench.started).toEqual(['a1', 'b1']);
  });

  it('interleaves two busy guilds that share one slot', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submitMany('a', 3, 'guild-a', 'alice');
    bench.submitMany('b', 3, 'guild-b', 'bob');
    await bench.runOut();
    expect(bench.started).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
  });
});

describe('several slots', () => {
  it('gives a lone guild every slot but hands the next free one to a guild that starts waiting', async () => {
    const bench = new JobBench(new FairScheduler({ slots: 2 }));
    bench.submitMany('a', 3, 'guild-a', 'alice');
    expect(bench.started).toEqual(['a1', 'a2']);
    bench.submit('b1', 'guild-b', 'bob');
    await bench.finish('a1');
    expect(bench.started).toEqual(['a1', 'a2', 'b1']);
    await bench.finish('a2');
    expect(bench.started).toEqual(['a1', 'a2', 'b1', 'a3']);
    expect(bench.scheduler.running).toBe(2);
  });

  it('gives a freed slot to the guild holding fewer slots, whichever job finished', async () => {
    const bench = new JobBench(new FairScheduler({ slots: 2 }));
    bench.submitMany('a', 3, 'guild-a', 'alice');
    bench.submitMany('b', 3, 'guild-b', 'bob');
    expect(bench.started).toEqual(['a1', 'a2']);
    await bench.finish('a2');
    expect(bench.started.at(-1)).toBe('b1');
    // a1 still runs, so A holds a slot and B none: B goes again.
    await bench.finish('b1');
    expect(bench.started.at(-1)).toBe('b2');
    await bench.finish('a1');
    expect(bench.started.at(-1)).toBe('a3');
  });

  it('never runs more jobs than there are slots', async () => {
    const scheduler = new FairScheduler({ slots: 3 });
    let running = 0;
    let most = 0;
    const jobs = Array.from({ length: 12 }, (_, i) =>
      scheduler.submit({
        id: `j${i}`,
        guildId: `g${i % 4}`,
        userId: `u${i % 5}`,
        run: async () => {
          most = Math.max(most, ++running);
          await new Promise((resolve) => setImmediate(resolve));
          running--;
        },
      }),
    );
    await Promise.all(jobs.map((job) => job.done));
    expect(most).toBe(3);
  });
});

describe('submit', () => {
  it('takes any number of jobs: limits are the job service\'s, with each server\'s settings', () => {
    const scheduler = new FairScheduler();
    for (let i = 0; i < 50; i++) scheduler.submit({ id: `j${i}`, guildId: 'g', userId: 'u', run: () => new Promise(() => {}) });
    expect([scheduler.running, scheduler.size]).toEqual([1, 49]);
  });

  it('refuses a job whose id is already waiting or running', () => {
    const bench = new JobBench(new FairScheduler());
    bench.submit('x', 'g', 'alice');
    expect(() => bench.submit('x', 'g', 'bob')).toThrow('Job x is already waiting or running');
    expect(bench.scheduler.size).toBe(0);
  });
});

describe('cancel', () => {
  it('takes a waiting job out: it never starts, its done rejects with an AbortError, the rest move up', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submitMany('a', 4, 'g', 'alice');
    expect(predictedOrder(bench.scheduler)).toEqual(['a2', 'a3', 'a4']);
    expect(bench.scheduler.cancel('a3')).toBe('dequeued');
    const error = await bench.tickets.get('a3')!.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobCancelledError);
    expect(error).toMatchObject({ name: 'AbortError', jobId: 'a3' });
    expect(predictedOrder(bench.scheduler)).toEqual(['a2', 'a4']);
    await bench.runOut();
    expect(bench.started).toEqual(['a1', 'a2', 'a4']);
  });

  it('aborts a running job\'s signal, rejects its done and starts the next job', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submit('a1', 'g', 'alice');
    bench.submit('b1', 'g', 'bob');
    expect(bench.scheduler.cancel('a1')).toBe('aborted');
    expect(bench.signals.get('a1')!.aborted).toBe(true);
    expect(bench.signals.get('a1')!.reason).toBeInstanceOf(JobCancelledError);
    await expect(bench.tickets.get('a1')!.done).rejects.toMatchObject({ name: 'AbortError', jobId: 'a1' });
    expect(bench.started).toEqual(['a1', 'b1']);
  });

  it('keeps the slot of a cancelled job that ignores its signal until the job really ends', async () => {
    const bench = new JobBench(new FairScheduler(), false);
    bench.submit('a1', 'g', 'alice');
    bench.submit('b1', 'g', 'bob');
    expect(bench.scheduler.cancel('a1')).toBe('aborted');
    expect(bench.scheduler.cancel('a1')).toBe('aborted');
    await new Promise((resolve) => setImmediate(resolve));
    expect(bench.started).toEqual(['a1']);
    expect(bench.scheduler.snapshot().running).toMatchObject([{ id: 'a1', cancelled: true }]);
    // It finished after all; the caller asked to cancel, so done still rejects.
    await expect(bench.finish('a1')).rejects.toBeInstanceOf(JobCancelledError);
    expect(bench.started).toEqual(['a1', 'b1']);
  });

  it('answers unknown for ids it does not hold, including finished jobs', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submit('a1', 'g', 'alice');
    await bench.finish('a1');
    expect(bench.scheduler.cancel('a1')).toBe('unknown');
    expect(bench.scheduler.cancel('nope')).toBe('unknown');
  });
});

describe('pause and resume', () => {
  it('lets the running job finish, starts nothing more in the paused guild, and serves the others', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submitMany('a', 3, 'guild-a', 'alice');
    bench.submitMany('b', 2, 'guild-b', 'bob');
    bench.scheduler.pause('guild-a');
    expect(bench.scheduler.isPaused('guild-a')).toBe(true);
    expect(bench.isRunning('a1')).toBe(true);
    await bench.runOut();
    expect(bench.started).toEqual(['a1', 'b1', 'b2']);
    expect(bench.scheduler.positions('guild-a')).toMatchObject([
      { id: 'a2', position: null },
      { id: 'a3', position: null },
    ]);
  });

  it('accepts jobs while paused without starting them, and starts them on resume', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.scheduler.pause('g');
    expect(bench.submit('a1', 'g', 'alice').position).toBeNull();
    expect(bench.started).toEqual([]);
    expect(bench.scheduler.eta('a1')).toBeUndefined();
    bench.scheduler.resume('g');
    expect(bench.started).toEqual(['a1']);
    expect(bench.scheduler.snapshot().pausedGuilds).toEqual([]);
  });
});

describe('failures', () => {
  it('rejects done with the job\'s error and hands the slot to the next job', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submit('a1', 'g', 'alice');
    bench.submit('b1', 'g', 'bob');
    const boom = new Error('out of memory');
    const outcome = bench.tickets.get('a1')!.done.catch((e: unknown) => e);
    await bench.fail('a1', boom);
    expect(await outcome).toBe(boom);
    expect(bench.started).toEqual(['a1', 'b1']);
    expect(bench.scheduler.running + bench.scheduler.size).toBe(1);
  });

  it('releases the slot when run throws before returning a promise', async () => {
    const scheduler = new FairScheduler();
    const bench = new JobBench(scheduler);
    const broken = scheduler.submit<string>({
      id: 'broken',
      guildId: 'g',
      userId: 'alice',
      run: () => {
        throw new Error('bad request');
      },
    });
    bench.submit('next', 'g', 'bob');
    await expect(broken.done).rejects.toThrow('bad request');
    expect(bench.started).toEqual(['next']);
  });
});

describe('positions and ETA', () => {
  it('tells listeners the new positions as jobs finish, once per change', async () => {
    const bench = new JobBench(new FairScheduler());
    const seen: QueueSnapshot[] = [];
    const unsubscribe = bench.scheduler.onChange((snapshot) => seen.push(snapshot));
    bench.submitMany('a', 3, 'g', 'alice');
    await Promise.resolve();
    expect(seen).toHaveLength(1);
    expect(seen[0].waiting.map((job) => [job.id, job.position])).toEqual([
      ['a2', 1],
      ['a3', 2],
    ]);
    await bench.finish('a1');
    await Promise.resolve();
    expect(seen.at(-1)!.running.map((job) => job.id)).toEqual(['a2']);
    expect(seen.at(-1)!.waiting.map((job) => [job.id, job.position])).toEqual([['a3', 1]]);
    unsubscribe();
    const count = seen.length;
    await bench.finish('a2');
    await Promise.resolve();
    expect(seen).toHaveLength(count);
  });

  it('sends an exception thrown by a listener to onListenerError and still calls the others', async () => {
    const errors: unknown[] = [];
    const scheduler = new FairScheduler({ onListenerError: (error) => errors.push(error) });
    const bench = new JobBench(scheduler);
    let called = false;
    scheduler.onChange(() => {
      throw new Error('listener broke');
    });
    scheduler.onChange(() => {
      called = true;
    });
    bench.submit('a1', 'g', 'alice');
    await Promise.resolve();
    expect(errors).toMatchObject([{ message: 'listener broke' }]);
    expect(called).toBe(true);
    await bench.finish('a1');
  });

  it('estimates starts from the slot\'s remaining time, and from measured durations once jobs finish', async () => {
    let clock = 0;
    const bench = new JobBench(new FairScheduler({ initialJobMs: 1000, now: () => clock }));
    bench.submitMany('a', 3, 'g', 'alice');
    clock = 400;
    expect(bench.scheduler.eta('a1')).toEqual({ startsInMs: 0, finishesInMs: 600 });
    expect(bench.scheduler.eta('a2')).toEqual({ startsInMs: 600, finishesInMs: 1600 });
    expect(bench.scheduler.eta('a3')).toEqual({ startsInMs: 1600, finishesInMs: 2600 });
    // Per-job estimates, e.g. from image size and step count.
    expect(bench.scheduler.eta('a3', (job) => (job.id === 'a2' ? 100 : 1000))).toEqual({
      startsInMs: 700,
      finishesInMs: 1700,
    });
    clock = 500;
    await bench.finish('a1');
    expect(bench.scheduler.averageJobMs).toBe(500);
    clock = 700;
    expect(bench.scheduler.eta('a3')).toEqual({ startsInMs: 300, finishesInMs: 800 });
    expect(bench.scheduler.eta('gone')).toBeUndefined();
  });

  it('spreads ETAs over several slots', () => {
    const bench = new JobBench(new FairScheduler({ slots: 2, now: () => 0 }));
    bench.submitMany('a', 5, 'g', 'alice');
    expect(['a3', 'a4', 'a5'].map((id) => bench.scheduler.eta(id, 100)!.startsInMs)).toEqual([100, 100, 200]);
  });

  it('does not count cancelled or failed runs in the measured average', async () => {
    let clock = 0;
    const bench = new JobBench(new FairScheduler({ initialJobMs: 1000, now: () => clock }));
    bench.submitMany('a', 3, 'g', 'alice');
    clock = 10;
    bench.scheduler.cancel('a1');
    await bench.tickets.get('a1')!.done.catch(() => {});
    clock = 20;
    await bench.fail('a2', new Error('boom'));
    expect(bench.scheduler.averageJobMs).toBe(1000);
    clock = 320;
    await bench.finish('a3');
    expect(bench.scheduler.averageJobMs).toBe(300);
  });
});

describe('idle and close', () => {
  it('resolves idle once every job has ended', async () => {
    const bench = new JobBench(new FairScheduler());
    await bench.scheduler.idle();
    bench.submit('a1', 'g', 'alice');
    bench.submit('b1', 'g', 'bob');
    let idle = false;
    const waiting = bench.scheduler.idle().then(() => (idle = true));
    await bench.finish('a1');
    expect(idle).toBe(false);
    await bench.finish('b1');
    await waiting;
    expect(bench.scheduler.size + bench.scheduler.running).toBe(0);
  });

  it('stops accepting on close, runs what it has, and resolves when done', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submit('a1', 'g', 'alice');
    bench.submit('b1', 'g', 'bob');
    const closing = bench.scheduler.close();
    expect(bench.scheduler.closed).toBe(true);
    expect(() => bench.submit('c1', 'g', 'carol')).toThrow(QueueClosedError);
    expect(() => bench.submit('c1', 'g', 'carol')).toThrow('The queue is closed and accepts no new jobs');
    await bench.runOut();
    await closing;
    expect(bench.started).toEqual(['a1', 'b1']);
  });

  it('cancels everything on close with cancel: true, starting nothing new', async () => {
    const bench = new JobBench(new FairScheduler());
    bench.submitMany('a', 3, 'g', 'alice');
    await bench.scheduler.close({ cancel: true });
    expect(bench.started).toEqual(['a1']);
    for (const id of ['a1', 'a2', 'a3']) {
      await expect(bench.tickets.get(id)!.done).rejects.toBeInstanceOf(JobCancelledError);
    }
  });
});

describe('options and arguments', () => {
  it.each([
    [{ slots: 0 }, 'Expected `slots` to be an integer from 1 and up, got `0` (number)'],
    [{ slots: 1.5 }, 'Expected `slots` to be an integer from 1 and up, got `1.5` (number)'],
    [{ initialJobMs: Number.NaN }, 'Expected `initialJobMs` to be a finite number >= 0, got `NaN` (number)'],
    [{ durationWindow: 0 }, 'Expected `durationWindow` to be an integer from 1 and up, got `0` (number)'],
  ])('rejects %o', (options, message) => {
    expect(() => new FairScheduler(options)).toThrow(new TypeError(message));
  });

  it('rejects a job without a guild', () => {
    const scheduler = new FairScheduler();
    expect(() => scheduler.submit({ id: 'x', guildId: '', userId: 'u', run: async () => 1 })).toThrow(
      'Expected `guildId` to be a non-empty string, got `` (string)',
    );
    expect(scheduler.size).toBe(0);
  });
});
