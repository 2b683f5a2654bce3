// Moderator commands apply once per Discord interaction: the claim on the audit log, on SQLite
// and PostgreSQL, and ModerationService.applyOnce over the real store with the credit services.
import { userErrorText } from '../../src/discord/user-error-text.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModerationService, type Actor } from '../../src/services/moderation-service.ts';
import { QuotaService } from '../../src/services/quota-service.ts';
import { UserError } from '../../src/services/user-error.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { findPostgres, startPostgres, type PostgresCluster } from '../support/postgres.ts';
import { ALICE, GUILD, MOD, TestClock, tempSqliteUrl } from './fixtures.ts';

const INTERACTION = '1300000000000000001';

function claimContract(open: () => Promise<{ store: Store; close(): Promise<void> }>) {
  it('lets one claim of an interaction through, also when several race; the others see it', async () => {
    const { store, close } = await open();
    try {
      const claim = { guildId: GUILD, actorId: MOD, interactionId: INTERACTION, action: 'grant-credits', target: ALICE };
      const results = await Promise.all([store.modActions.claim(claim), store.modActions.claim(claim), store.modActions.claim(claim)]);
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
      for (const r of results.filter((r) => !r.claimed)) {
        expect(r).toMatchObject({ existing: { interactionId: INTERACTION, action: 'grant-credits', target: ALICE, pending: true } });
      }
      // Recording the outcome completes the claimed row instead of adding one.
      await store.modActions.record({ guildId: GUILD, actorId: MOD, action: 'grant-credits', target: ALICE, details: { credits: 5 }, interactionId: INTERACTION });
      expect(await store.modActions.listRecent(GUILD)).toMatchObject([
        { action: 'grant-credits', target: ALICE, details: { credits: 5 }, interactionId: INTERACTION, pending: false },
      ]);
      // A completed claim is kept: a later delivery still finds it, and release() leaves it.
      await store.modActions.release(INTERACTION);
      expect(await store.modActions.claim(claim)).toMatchObject({ claimed: false, existing: { pending: false } });
    } finally {
      await close();
    }
  });

  it('releases a pending claim, after which the interaction can be claimed again', async () => {
    const { store, close } = await open();
    try {
      const claim = { guildId: GUILD, actorId: MOD, interactionId: INTERACTION, action: 'pause' };
      expect(await store.modActions.claim(claim)).toEqual({ claimed: true });
      await store.modActions.release(INTERACTION);
      expect(await store.modActions.listRecent(GUILD)).toEqual([]);
      expect(await store.modActions.claim(claim)).toEqual({ claimed: true });
    } finally {
      await close();
    }
  });
}

describe('on SQLite', () => {
  claimContract(async () => {
    const db = await tempSqliteUrl();
    const store = await openStore(db.url);
    return { store, close: async () => (await store.close(), await db.cleanup()) };
  });
});

const found = await findPostgres();
if (!found.ok && process.env.REQUIRE_POSTGRES === '1') {
  throw new Error(`expected PostgreSQL for the claim tests (REQUIRE_POSTGRES=1), but ${found.reason}`);
}
describe.skipIf(!found.ok)(found.ok ? 'on PostgreSQL' : `on PostgreSQL (skipped: ${found.reason})`, () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  claimContract(async () => {
    const store = await openStore(await cluster.createDatabase());
    return { store, close: () => store.close() };
  });
});

describe('applyOnce', () => {
  async function services() {
    const db = await tempSqliteUrl();
    const clock = new TestClock(new Date('2025-03-01T12:00:00Z'));
    const store = await openStore(db.url, { now: clock.now });
    const quota = new QuotaService(store, { defaultDaily: 10, resetHourUtc: 6 }, clock.now);
    const moderation = new ModerationService(store);
    return { store, quota, moderation, close: async () => (await store.close(), await db.cleanup()) };
  }
  const admin: Actor = { userId: MOD, guildId: GUILD, canManageGuild: true, roleIds: [], interactionId: INTERACTION };

  it('grants once for one interaction, however often and however concurrently it runs', async () => {
    const { store, quota, moderation, close } = await services();
    try {
      const grant = () => moderation.applyOnce(admin, 'grant-credits', ALICE, () => quota.admin.grant(admin, ALICE, 5, 'prize'));
      const outcomes = await Promise.allSettled([grant(), grant(), grant()]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const refusals = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
      expect(refusals.every((e) => e instanceof UserError && e.identifier === 'mod.repeated')).toBe(true);
      const repeated = await grant().then(() => undefined, (e: unknown) => e as UserError);
      expect(repeated).toMatchObject({ identifier: 'mod.repeated', message: 'This command was already carried out; it is not applied a second time.', values: { pending: false } });
      // What the moderator reads names the command that shows it.
      expect(userErrorText(repeated!)).toBe('This command was already carried out; it is not applied a second time. /mod audit shows it.');
      expect((await store.ledger.history(GUILD, ALICE)).map((e) => [e.reason, e.delta])).toEqual([['grant', 5]]);
      expect(await store.modActions.listRecent(GUILD)).toMatchObject([{ action: 'grant-credits', interactionId: INTERACTION, pending: false, details: { credits: 5, note: 'prize' } }]);
      // Another interaction is another command.
      await moderation.applyOnce({ ...admin, interactionId: '1300000000000000002' }, 'grant-credits', ALICE, () => quota.admin.grant({ ...admin, interactionId: '1300000000000000002' }, ALICE, 5));
      expect((await store.ledger.history(GUILD, ALICE)).filter((e) => e.reason === 'grant')).toHaveLength(2);
    } finally {
      await close();
    }
  });

  it('lets a refused command be tried again under the same interaction, and leaves no audit line for a change that changed nothing', async () => {
    const { store, quota, moderation, close } = await services();
    try {
      await expect(moderation.applyOnce(admin, 'set-quota', ALICE, () => quota.admin.setAllowance(admin, ALICE, -1))).rejects.toThrow(/daily must be a whole number/);
      await moderation.applyOnce(admin, 'set-quota', ALICE, () => quota.admin.setAllowance(admin, ALICE, 4));
      expect(await store.modActions.listRecent(GUILD)).toMatchObject([{ action: 'set-quota', details: { daily: 4 }, pending: false }]);
      const resume = { ...admin, interactionId: '1300000000000000003' };
      expect(await moderation.applyOnce(resume, 'resume', null, () => moderation.setPaused(resume, false))).toBe(false);
      expect(await store.modActions.listRecent(GUILD)).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('keeps the claim of a command that failed unexpectedly, so it is never applied twice', async () => {
    const { store, moderation, close } = await services();
    try {
      await expect(moderation.applyOnce(admin, 'grant-credits', ALICE, async () => {
        throw new Error('database went away mid-command');
      })).rejects.toThrow('database went away');
      await expect(moderation.applyOnce(admin, 'grant-credits', ALICE, async () => 'again')).rejects.toThrow(
        'This command is already being carried out (or was interrupted); it is not applied a second time.',
      );
      expect(await store.modActions.listRecent(GUILD)).toMatchObject([{ action: 'grant-credits', target: ALICE, pending: true }]);
    } finally {
      await close();
    }
  });
});
