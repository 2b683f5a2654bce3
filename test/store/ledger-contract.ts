// The ledger's behaviour, written once and run against SQLite (ledger.test.ts) and PostgreSQL
// (postgres.test.ts): the balance rule of src/store/ledger.ts, idempotent closing of
// reservations, and races.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { ALICE, BOB, DAY, GUILD, HOUR, MOD, TestClock, newJob } from './fixtures.ts';

// Quota periods start at midnight UTC in these tests; the clock starts at noon.
const DAY1 = new Date('2025-03-01T00:00:00Z');
const DAY2 = new Date(DAY1.getTime() + DAY);

export function ledgerContract(freshDatabaseUrl: () => Promise<string>): void {
  let store: Store;
  let clock: TestClock;
  const member = (periodStart = DAY1, defaultAllowance = 3) => ({ guildId: GUILD, userId: ALICE, periodStart, defaultAllowance });

  beforeEach(async () => {
    clock = new TestClock(new Date(DAY1.getTime() + 12 * HOUR));
    store = await openStore(await freshDatabaseUrl(), { now: clock.now });
  });
  afterEach(async () => {
    await store.close();
  });

  async function reserveNewJob(amount: number, periodStart = DAY1, defaultAllowance = 3) {
    const job = await store.jobs.create(newJob({ cost: amount }));
    const result = await store.ledger.reserve({ ...member(periodStart, defaultAllowance), jobId: job.id, amount });
    return { job, result };
  }

  async function ledgerSum(): Promise<{ delta: number; bonusDelta: number; rows: number }> {
    const rows = await store.ledger.history(GUILD, ALICE, { limit: 1000 });
    return {
      delta: rows.reduce((sum, row) => sum + row.delta, 0),
      bonusDelta: rows.reduce((sum, row) => sum + row.bonusDelta, 0),
      rows: rows.length,
    };
  }

  it('gives a member with no charges the allowance of the first source set: personal, then guild, then the default', async () => {
    expect(await store.ledger.balance(member(DAY1, 3))).toEqual({
      allowance: 3,
      allowanceSource: 'default',
      dailyUsed: 0,
      daily: 3,
      bonus: 0,
      available: 3,
    });
    await store.guilds.update(GUILD, { defaultDailyQuota: 5 });
    expect(await store.ledger.balance(member(DAY1, 3))).toMatchObject({ allowance: 5, allowanceSource: 'guild', available: 5 });
    await store.quotas.setPersonalAllowance(GUILD, ALICE, 8);
    expect(await store.ledger.balance(member(DAY1, 3))).toMatchObject({ allowance: 8, allowanceSource: 'personal', available: 8 });
    await store.quotas.setPersonalAllowance(GUILD, ALICE, null);
    expect(await store.ledger.balance(member(DAY1, 3))).toMatchObject({ allowanceSource: 'guild', available: 5 });
  });

  it('reserves from the daily allowance first, then from bonus credits, and refuses what both together do not cover', async () => {
    await store.ledger.grant({ guildId: GUILD, userId: ALICE, amount: 2, actorId: MOD, note: 'event prize' });

    const first = await reserveNewJob(2);
    expect(first.result).toMatchObject({ ok: true, fromDaily: 2, fromBonus: 0 });
    const second = await reserveNewJob(2);
    expect(second.result).toMatchObject({ ok: true, fromDaily: 1, fromBonus: 1 });
    expect(second.result.balance).toEqual({ allowance: 3, allowanceSource: 'default', dailyUsed: 3, daily: 0, bonus: 1, available: 1 });

    const refused = await reserveNewJob(2);
    expect(refused.result).toMatchObject({ ok: false, reason: 'insufficient', balance: { available: 1 } });
    expect(await store.ledger.entriesForJob(refused.job.id)).toEqual([]);
    expect((await store.jobs.get(second.job.id))?.cost).toBe(2);
  });

  it('renews the daily allowance at the next period while unspent bonus credits carry over', async () => {
    await store.ledger.grant({ guildId: GUILD, userId: ALICE, amount: 3 });
    expect((await reserveNewJob(5)).result).toMatchObject({ ok: true, fromDaily: 3, fromBonus: 2 });
    expect(await store.ledger.balance(member(DAY1))).toMatchObject({ daily: 0, bonus: 1, available: 1 });

    clock.set(new Date(DAY2.getTime() + HOUR));
    expect(await store.ledger.balance(member(DAY2))).toEqual({
      allowance: 3,
      allowanceSource: 'default',
      dailyUsed: 0,
      daily: 3,
      bonus: 1,
      available: 4,
    });
  });

  it('returns a refund to the pools it came from, counted in the period of the reservation', async () => {
    await store.ledger.grant({ guildId: GUILD, userId: ALICE, amount: 1 });
    const { job } = await reserveNewJob(4); // 3 from the allowance, 1 bonus
    clock.set(new Date(DAY2.getTime() + HOUR));
    const today = await reserveNewJob(1, DAY2);
    expect(today.result).toMatchObject({ ok: true, fromDaily: 1 });

    const refund = await store.ledger.refund(job.id, 'job failed: out of memory');
    expect(refund).toEqual({ refunded: true, amount: 4, toDaily: 3, toBonus: 1 });
    // Yesterday's allowance is the one that got 3 back: today's stays as it was.
    expect(await store.ledger.balance(member(DAY2))).toMatchObject({ dailyUsed: 1, daily: 2, bonus: 1, available: 3 });
    expect(await store.ledger.balance(member(DAY1))).toMatchObject({ dailyUsed: 1 });
    const [, refundRow] = await store.ledger.entriesForJob(job.id);
    expect(refundRow).toMatchObject({ reason: 'refund', note: 'job failed: out of memory' });
    expect(refundRow.periodAt).toEqual(new Date(DAY1.getTime() + 12 * HOUR));
    expect(refundRow.createdAt).toEqual(new Date(DAY2.getTime() + HOUR));
  });

  it('refunds a job at most once and never after it was settled', async () => {
    const refunded = (await reserveNewJob(2)).job;
    expect(await store.ledger.refund(refunded.id)).toMatchObject({ refunded: true, amount: 2 });
    expect(await store.ledger.refund(refunded.id)).toEqual({ refunded: false, because: 'already-refunded' });
    expect(await store.ledger.settle(refunded.id)).toEqual({ settled: false, because: 'refunded' });

    const settled = (await reserveNewJob(1)).job;
    expect(await store.ledger.settle(settled.id)).toEqual({ settled: true, amount: 1 });
    expect(await store.ledger.settle(settled.id)).toEqual({ settled: false, because: 'already-settled' });
    expect(await store.ledger.refund(settled.id)).toEqual({ refunded: false, because: 'settled' });

    const never = await store.jobs.create(newJob());
    expect(await store.ledger.refund(never.id)).toEqual({ refunded: false, because: 'not-reserved' });
    expect(await store.ledger.settle(never.id)).toEqual({ settled: false, because: 'not-reserved' });

    expect(await store.ledger.balance(member())).toMatchObject({ dailyUsed: 1, available: 2 });
    expect(await ledgerSum()).toEqual({ delta: -1, bonusDelta: 0, rows: 4 });
  });

  it('reserves a job once and only for the member and guild the job belongs to', async () => {
    const { job } = await reserveNewJob(1);
    expect(await store.ledger.reserve({ ...member(), jobId: job.id, amount: 1 })).toMatchObject({
      ok: false,
      reason: 'already-reserved',
    });
    await expect(store.ledger.reserve({ ...member(), userId: BOB, jobId: job.id, amount: 1 })).rejects.toThrow(
      `expected job ${job.id} to belong to user ${BOB} in guild ${GUILD}, it belongs to user ${ALICE} in guild ${GUILD}`,
    );
    await expect(store.ledger.reserve({ ...member(), jobId: 999_999, amount: 1 })).rejects.toThrow(
      'expected job 999999 to exist before reserving credits for it, found none',
    );
    await expect(store.ledger.reserve({ ...member(), jobId: job.id, amount: 0 })).rejects.toThrow(
      'expected amount to reserve to be a whole number > 0, got 0',
    );
  });

  it('resets the period usage, after which refunding an earlier job returns only its bonus part', async () => {
    await store.ledger.grant({ guildId: GUILD, userId: ALICE, amount: 1 });
    const early = (await reserveNewJob(4)).job; // 3 daily + 1 bonus
    const reset = await store.ledger.resetDaily({ ...member(), actorId: MOD, note: 'sorry for the outage' });
    expect(reset).toMatchObject({ restored: 3, balance: { dailyUsed: 0, daily: 3, bonus: 0, available: 3 } });

    expect(await store.ledger.refund(early.id)).toEqual({ refunded: true, amount: 1, toDaily: 0, toBonus: 1 });
    expect(await store.ledger.balance(member())).toMatchObject({ dailyUsed: 0, daily: 3, bonus: 1, available: 4 });
    expect(await store.ledger.resetDaily(member())).toMatchObject({ restored: 0 });

    const late = (await reserveNewJob(2)).job;
    expect(await store.ledger.refund(late.id)).toEqual({ refunded: true, amount: 2, toDaily: 2, toBonus: 0 });
    expect(await store.ledger.balance(member())).toMatchObject({ dailyUsed: 0, available: 4 });
  });

  it('lets exactly one of many concurrent reservations take the last credit, never going below zero', async () => {
    await reserveNewJob(2); // 1 credit left of 3
    const jobs = await Promise.all(Array.from({ length: 25 }, () => store.jobs.create(newJob())));
    const results = await Promise.all(
      jobs.map((job) => store.ledger.reserve({ ...member(), jobId: job.id, amount: 1 })),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.filter((result) => !result.ok && result.reason === 'insufficient')).toHaveLength(24);
    for (const result of results) expect(result.balance.available).toBeGreaterThanOrEqual(0);
    expect(await store.ledger.balance(member())).toEqual({
      allowance: 3,
      allowanceSource: 'default',
      dailyUsed: 3,
      daily: 0,
      bonus: 0,
      available: 0,
    });
    expect(await ledgerSum()).toEqual({ delta: -3, bonusDelta: 0, rows: 2 });
  });

  it('grants exactly as many concurrent reservations as there are credits, across allowance and bonus', async () => {
    await store.ledger.grant({ guildId: GUILD, userId: ALICE, amount: 4 });
    const jobs = await Promise.all(Array.from({ length: 20 }, () => store.jobs.create(newJob())));
    const results = await Promise.all(
      jobs.map((job) => store.ledger.reserve({ ...member(), jobId: job.id, amount: 1 })),
    );
    const granted = results.filter((result) => result.ok);
    expect(granted).toHaveLength(7);
    expect(granted.filter((result) => result.ok && result.fromDaily === 1)).toHaveLength(3);
    expect(granted.filter((result) => result.ok && result.fromBonus === 1)).toHaveLength(4);
    expect(await store.ledger.balance(member())).toMatchObject({ dailyUsed: 3, daily: 0, bonus: 0, available: 0 });
    expect(await ledgerSum()).toEqual({ delta: 4 - 7, bonusDelta: 0, rows: 8 });
  });

  it('lets exactly one of concurrent refunds and settles close a job', async () => {
    const { job } = await reserveNewJob(2);
    const results = await Promise.all([
      store.ledger.refund(job.id, 'cancelled'),
      store.ledger.settle(job.id),
      store.ledger.refund(job.id, 'cancelled again'),
      store.ledger.settle(job.id),
      store.ledger.refund(job.id),
    ]);
    const winners = results.filter((result) => ('refunded' in result ? result.refunded : result.settled));
    expect(winners).toHaveLength(1);
    const rows = await store.ledger.entriesForJob(job.id);
    expect(rows.map((row) => row.reason).sort()).toEqual(['reserve', 'refunded' in winners[0] ? 'refund' : 'settle'].sort());
  });

  it('reports credits and jobs used per member in a period, refunds deducted, most first', async () => {
    await reserveNewJob(2);
    const refunded = (await reserveNewJob(1)).job;
    await store.ledger.refund(refunded.id);
    const bobJob = await store.jobs.create(newJob({ userId: BOB, cost: 3 }));
    await store.ledger.reserve({ ...member(), userId: BOB, jobId: bobJob.id, amount: 3 });
    await store.ledger.grant({ guildId: GUILD, userId: BOB, amount: 5 });
    expect(await store.quotaReports.usageSince(GUILD, DAY1)).toEqual([
      { userId: BOB, credits: 3, jobs: 1 },
      { userId: ALICE, credits: 2, jobs: 1 },
    ]);
    expect(await store.quotaReports.usageSince(GUILD, DAY2)).toEqual([]);
  });

  it('creates a job together with its reservation, or, when the credits fall short, neither', async () => {
    const period = { periodStart: DAY1, defaultAllowance: 3 };
    const made = await store.jobs.createReserved(newJob({ cost: 0 }), { ...period, amount: 2 });
    expect(made).toMatchObject({ ok: true, job: { status: 'queued', cost: 2 }, balance: { available: 1 } });
    if (!made.ok) return;
    expect((await store.ledger.entriesForJob(made.job.id)).map((row) => [row.reason, row.delta])).toEqual([['reserve', -2]]);
    const jobsBefore = await store.jobs.listRecentByUser(ALICE, { limit: 50 });
    const refused = await store.jobs.createReserved(newJob(), { ...period, amount: 2 });
    expect(refused).toEqual({ ok: false, balance: expect.objectContaining({ available: 1 }) });
    expect(await store.jobs.listRecentByUser(ALICE, { limit: 50 })).toEqual(jobsBefore);
    expect(await ledgerSum()).toEqual({ delta: -2, bonusDelta: 0, rows: 1 });
    // A free job reserves nothing.
    expect(await store.jobs.createReserved(newJob({ cost: 0 }))).toMatchObject({ ok: true, job: { cost: 0 } });
  });

  it('gives the last credit to exactly one of many jobs created at once, and leaves no job unpaid', async () => {
    await reserveNewJob(2); // 1 credit left of 3
    const results = await Promise.all(
      Array.from({ length: 12 }, () => store.jobs.createReserved(newJob(), { periodStart: DAY1, defaultAllowance: 3, amount: 1 })),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    const jobs = await store.jobs.listRecentByUser(ALICE, { limit: 50 });
    expect(jobs).toHaveLength(2);
    for (const job of jobs) expect((await store.ledger.entriesForJob(job.id)).map((row) => row.reason)).toEqual(['reserve']);
  });

  it('lists delivered jobs whose settle is missing, so a restart settles them (never refunds them)', async () => {
    const unsettled = (await reserveNewJob(1)).job;
    const settled = (await reserveNewJob(1)).job;
    const free = await store.jobs.create(newJob({ cost: 0 }));
    for (const job of [unsettled, settled, free]) {
      await store.jobs.markRunning(job.id);
      await store.jobs.markGenerated(job.id);
      await store.jobs.markDelivered(job.id);
    }
    await store.ledger.settle(settled.id);
    expect((await store.jobs.listDeliveredUnsettled()).map((job) => job.id)).toEqual([unsettled.id]);
  });

  it('keeps members and guilds apart', async () => {
    await reserveNewJob(3);
    expect(await store.ledger.balance({ ...member(), userId: BOB })).toMatchObject({ dailyUsed: 0, available: 3 });
    expect(await store.ledger.balance({ ...member(), guildId: '300000000000000009' })).toMatchObject({ available: 3 });
  });
}
