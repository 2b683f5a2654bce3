/**
 * The kill loop over a gateway and two workers (`npm run kill-loop -- --workers 2` is the long
 * one): each round SIGKILLs the gateway or a worker at a moment drawn from a fixed seed and starts
 * it again. Judged only by what members see on Discord and what the ledger holds.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatReport, runKillLoop } from '../support/kill-loop/kill-loop.ts';
import { redisRequirement } from '../support/redis.ts';

const needs = redisRequirement();

describe.skipIf(needs.missing)(`a gateway and two workers killed at random moments ${needs.title}`, () => {
  it('delivers every job exactly once, charges it once, whichever process dies', async () => {
    const report = await runKillLoop({ rounds: 6, seed: 7, maxKillDelayMs: 1500, workers: 2, strict: true });
    expect(report.jobs.length).toBeGreaterThan(0);
    // Both kinds of process were killed: the loop proves nothing otherwise.
    expect(new Set(report.kills.map((k) => (k.victim === 'the gateway' ? 'gateway' : 'worker')))).toEqual(new Set(['gateway', 'worker']));
    expect(report.violations, formatReport(report)).toEqual([]);
    rmSync(report.dir, { recursive: true, force: true });
  }, 300_000);
});
