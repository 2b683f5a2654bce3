/**
 * The kill loop in short (`npm run kill-loop -- --rounds 20` is the long one): the real bot as a
 * child process, SIGKILLed at moments drawn from a fixed seed and started again on one database.
 * What is judged is only what members see on Discord and what the ledger holds.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatReport, runKillLoop } from '../support/kill-loop/kill-loop.ts';

describe('a bot killed at random moments', () => {
  it('delivers every job exactly once and leaves each member the allowance minus the images delivered', async () => {
    const report = await runKillLoop({ rounds: 6, seed: 20261130, maxKillDelayMs: 1500 });
    // Jobs were really queued and really interrupted: the loop proves nothing otherwise.
    expect(report.jobs.length).toBeGreaterThan(0);
    expect(report.violations, formatReport(report)).toEqual([]);
    rmSync(report.dir, { recursive: true, force: true }); // kept when the test fails, for its bot log
  }, 300_000);
});
