// The moderators' services on a real SQLite file: credit administration and usage reports, queue
// limits, the persisted pause and the moderator role, each with its audit record.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModerationService, type Actor } from '../../src/services/moderation-service.ts';
import { QuotaService } from '../../src/services/quota-service.ts';
import { UserError } from '../../src/services/user-error.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { ALICE, BOB, GUILD, MOD, OTHER_GUILD, TestClock, newJob, tempSqliteUrl } from '../store/fixtures.ts';

let store: Store;
let clock: TestClock;
let quota: QuotaService;
let moderation: ModerationService;
let cleanup: () => Promise<void>;

const admin: Actor = { userId: MOD, guildId: GUILD, canManageGuild: true, roleIds: [] };
const LIMIT_DEFAULTS = { maxJobsPerUser: 3, maxQueuePerGuild: 20 };

beforeEach(async () => {
  const db = await tempSqliteUrl();
  cleanup = db.cleanup;
  clock = new TestClock(new Date('2025-03-01T12:00:00Z'));
  store = await openStore(db.url, { now: clock.now });
  quota = new QuotaService(store, { defaultDaily: 10, resetHourUtc: 6 }, clock.now);
  moderation = new ModerationService(store);
});
afterEach(async () => {
  await store.close();
  await cleanup();
});

/** A job of `userId` with `amount` credits reserved. */
async function charged(userId: string, amount: number, guildId = GUILD) {
  const job = await store.jobs.create(newJob({ userId, guildId, count: amount }));
  await quota.reserve(job, amount, null);
  return job;
}

async function refusal(promise: Promise<unknown>): Promise<UserError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe('quota administration', () => {
  it('counts usage of the quota day as credits reserved less refunded, leaving out grants, resets and other servers', async () => {
    const settledJob = await charged(ALICE, 4);
    await quota.settle(settledJob.id);
    const refundedJob = await charged(ALICE, 2);
    await quota.refund(refundedJob.id, 'failed');
    await charged(ALICE, 3); // still waiting: reserved credits count as used
    await quota.admin.grant(admin, ALICE, 5);
    await charged(BOB, 1);
    await quota.admin.resetToday(admin, BOB);
    await charged(BOB, 1, OTHER_GUILD);
    expect(await quota.admin.top(GUILD)).toEqual([
      { userId: ALICE, credits: 7, jobs: 2 },
      { userId: BOB, credits: 1, jobs: 1 },
    ]);
    clock.set('2025-03-02T05:59:59Z');
    expect(await quota.admin.top(GUILD, 1)).toEqual([{ userId: ALICE, credits: 7, jobs: 2 }]);
    clock.set('2025-03-02T06:00:00Z');
    expect(await quota.admin.top(GUILD)).toEqual([]);
  });

  it('sets and clears a personal allowance, grants bonus credits and gives back the day, each audited', async () => {
    await charged(ALICE, 6);
    expect(await quota.admin.setAllowance(admin, ALICE, 8)).toMatchObject({ allowance: 8, allowanceSource: 'personal', daily: 2, available: 2 });
    expect(await quota.admin.grant(admin, ALICE, 5, 'event prize')).toMatchObject({ daily: 2, bonus: 5, available: 7 });
    expect(await quota.admin.resetToday(admin, ALICE)).toMatchObject({ restored: 6, balance: { daily: 8, bonus: 5, available: 13 } });
    expect(await quota.admin.setAllowance(admin, ALICE, null)).toMatchObject({ allowance: 10, allowanceSource: 'default' });
    expect(await quota.admin.setGuildDefault(admin, 4)).toEqual({ daily: 4, source: 'guild' });
    expect(await quota.balance(GUILD, ALICE)).toMatchObject({ allowance: 4, allowanceSource: 'guild' });
    const audit = await moderation.auditLog(GUILD);
    expect(audit.map((a) => [a.actorId, a.action, a.target, a.details])).toEqual([
      [MOD, 'set-default-quota', null, { daily: 4, before: 10 }],
      [MOD, 'set-quota', ALICE, { daily: null, before: 8 }],
      [MOD, 'reset-quota', ALICE, { restored: 6 }],
      [MOD, 'grant-credits', ALICE, { credits: 5, note: 'event prize' }],
      [MOD, 'set-quota', ALICE, { daily: 8, before: null }],
    ]);
    const grant = (await quota.admin.log(GUILD, ALICE)).find((e) => e.reason === 'grant');
    expect(grant).toMatchObject({ delta: 5, bonusDelta: 5, actorId: MOD, note: 'event prize' });
  });

  it('refuses allowances and grants outside their range, naming the value, and records nothing', async () => {
    expect((await refusal(quota.admin.setAllowance(admin, ALICE, -1))).message).toBe('daily must be a whole number from 0 to 1000000, got -1');
    expect((await refusal(quota.admin.grant(admin, ALICE, 0))).message).toBe('credits must be a whole number from 1 to 1000000, got 0');
    expect((await refusal(quota.admin.setGuildDefault(admin, 2.5))).message).toBe('daily must be a whole number from 0 to 1000000, got 2.5');
    expect(await moderation.auditLog(GUILD)).toEqual([]);
  });
});

describe('server settings', () => {
  it('queue limits fall back to the bot-wide defaults, change within their ranges, and are audited', async () => {
    expect(await moderation.limits.current(GUILD, LIMIT_DEFAULTS)).toEqual({
      maxJobsPerUser: { value: 3, custom: false },
      maxQueuePerGuild: { value: 20, custom: false },
    });
    expect((await refusal(moderation.limits.set(admin, { maxQueuePerGuild: 5000 }, LIMIT_DEFAULTS))).message).toBe(
      'queue must be a whole number from 1 to 1000, got 5000',
    );
    expect(await moderation.limits.set(admin, { maxJobsPerUser: 1 }, LIMIT_DEFAULTS)).toEqual({
      maxJobsPerUser: { value: 1, custom: true },
      maxQueuePerGuild: { value: 20, custom: false },
    });
    expect(await store.guilds.get(GUILD)).toMatchObject({ maxJobsPerUser: 1, maxQueuePerGuild: null });
    expect((await moderation.auditLog(GUILD)).map((a) => [a.action, a.details])).toEqual([
      ['set-limits', { maxJobsPerUser: 1, before: { maxJobsPerUser: 3, maxQueuePerGuild: 20 } }],
    ]);
  });

  it('records a pause once, lists paused servers for the next start, and forgets them on resume', async () => {
    expect(await moderation.setPaused(admin, true)).toBe(true);
    expect(await moderation.setPaused(admin, true)).toBe(false);
    expect(await moderation.pausedGuilds()).toEqual([GUILD]);
    expect(await moderation.setPaused(admin, false)).toBe(true);
    expect(await moderation.pausedGuilds()).toEqual([]);
    expect((await moderation.auditLog(GUILD)).map((a) => a.action)).toEqual(['resume', 'pause']);
  });

  it('lets only Manage Server choose the moderator role, and never @everyone', async () => {
    const roleModerator: Actor = { userId: BOB, guildId: GUILD, canManageGuild: false, roleIds: ['900000000000000001'] };
    await moderation.setModeratorRole(admin, '900000000000000001');
    expect(await moderation.isModerator(roleModerator)).toBe(true);
    expect((await refusal(moderation.setModeratorRole(roleModerator, '900000000000000002'))).identifier).toBe('mod.role-forbidden');
    expect((await refusal(moderation.setModeratorRole(admin, GUILD))).identifier).toBe('mod.role-everyone');
    await moderation.setModeratorRole(admin, null);
    expect(await moderation.isModerator(roleModerator)).toBe(false);
    expect((await moderation.auditLog(GUILD)).map((a) => [a.action, a.target])).toEqual([
      ['set-role', null],
      ['set-role', '900000000000000001'],
    ]);
  });
});
