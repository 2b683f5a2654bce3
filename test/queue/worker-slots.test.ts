/**
 * Slots that come and go (workers joining and leaving a gateway) and slots that are not alike
 * (workers serving some models only): the fair order still decides, among the jobs that can run.
 */
import { describe, expect, it } from 'vitest';
import { FairScheduler } from '../../src/queue/fair-scheduler.ts';
import type { JobInfo } from '../../src/queue/scheduler-types.ts';
import { JobBench } from './job-bench.ts';

/** Two workers: one serving model A only, one serving model B only. */
function onePerModel(job: JobInfo, running: readonly JobInfo[]): boolean {
  return !running.some((r) => r.pool === job.pool);
}

describe('slots that come and go', () => {
  it('holds every job while there is no slot, and starts them in fair order when slots appear', async () => {
    const scheduler = new FairScheduler();
    const bench = new JobBench(scheduler);
    scheduler.setSlots(0);
    bench.submitMany('a', 3, 'guild-a', 'alice');
    bench.submit('b1', 'guild-b', 'bob');
    expect(bench.started).toEqual([]);
    expect(bench.tickets.get('b1')!.position).toBe(2);
    expect(scheduler.eta('b1')).toBeUndefined();
    scheduler.setSlots(2);
    expect(bench.started).toEqual(['a1', 'b1']);
    await bench.runOut();
    expect(bench.started).toEqual(['a1', 'b1', 'a2', 'a3']);
  });

  it('lets running jobs finish when slots go away, and starts nothing more until one comes back', async () => {
    const scheduler = new FairScheduler({ slots: 2 });
    const bench = new JobBench(scheduler);
    bench.submitMany('a', 4, 'guild-a', 'alice');
    expect(bench.started).toEqual(['a1', 'a2']);
    scheduler.setSlots(1);
    await bench.finish('a1');
    expect(bench.started).toEqual(['a1', 'a2']);
    await bench.finish('a2');
    expect(bench.started).toEqual(['a1', 'a2', 'a3']);
    expect(() => scheduler.setSlots(-1)).toThrow(/integer from 0/);
  });
});

describe('slots that serve some models only', () => {
  it('gives a free B slot to the fairest B job while the fairer A job waits for the A slot', async () => {
    const scheduler = new FairScheduler({ slots: 2, canStart: onePerModel });
    const bench = new JobBench(scheduler);
    bench.submit('a1', 'guild-a', 'alice', 'A');
    bench.submit('a2', 'guild-a', 'alice', 'A');
    bench.submit('c1', 'guild-c', 'carol', 'A');
    bench.submit('b1', 'guild-b', 'bob', 'B');
    // a2 and c1 would be next in fair order, but only the B slot is free.
    expect(bench.started).toEqual(['a1', 'b1']);
    await bench.finish('a1');
    // The A slot goes by turn: guild C has not been served, so c1 before alice's second job.
    expect(bench.started).toEqual(['a1', 'b1', 'c1']);
    await bench.finish('b1');
    expect(bench.started).toEqual(['a1', 'b1', 'c1']);
    await bench.finish('c1');
    expect(bench.started).toEqual(['a1', 'b1', 'c1', 'a2']);
  });

  it('keeps a member\'s own jobs in order even when a later one could start elsewhere', async () => {
    const scheduler = new FairScheduler({ slots: 2, canStart: onePerModel });
    const bench = new JobBench(scheduler);
    bench.submit('a1', 'guild-a', 'alice', 'A');
    bench.submit('a2', 'guild-a', 'alice', 'A');
    bench.submit('a3', 'guild-a', 'alice', 'B');
    expect(bench.started).toEqual(['a1']);
    scheduler.wake();
    expect(bench.started).toEqual(['a1']);
    // a3 (model B) could have run on the idle B slot, but alice's a2 comes first; once a2 has
    // started, a3 is the head of her line and takes the B slot.
    await bench.finish('a1');
    expect(bench.started).toEqual(['a1', 'a2', 'a3']);
  });
});
