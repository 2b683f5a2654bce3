// Guild settings, users, personal allowances, banned words and the moderation audit log on SQLite.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { normaliseBannedWord, openStore, type Store } from '../../src/store/index.ts';
import { ALICE, GUILD, MOD, OTHER_GUILD, TestClock, tempSqliteUrl } from './fixtures.ts';

let store: Store;
let clock: TestClock;
let cleanup: () => Promise<void>;
let file: string;

beforeEach(async () => {
  const db = await tempSqliteUrl();
  cleanup = db.cleanup;
  file = db.file;
  clock = new TestClock(new Date('2025-03-01T12:00:00Z'));
  store = await openStore(db.url, { now: clock.now });
});
afterEach(async () => {
  await store.close();
  await cleanup();
});

it('starts a guild unpaused with every limit left to the bot-wide defaults', async () => {
  expect(await store.guilds.get(GUILD)).toBeNull();
  expect(await store.guilds.ensure(GUILD)).toEqual({
    id: GUILD,
    paused: false,
    defaultDailyQuota: null,
    moderatorRoleId: null,
    maxQueuePerGuild: null,
    maxJobsPerUser: null,
    defaultModel: null,
    createdAt: new Date('2025-03-01T12:00:00Z'),
    updatedAt: new Date('2025-03-01T12:00:00Z'),
  });
});

it('changes only the settings given, clears those set to null, and refuses negative limits', async () => {
  await store.guilds.update(GUILD, { paused: true, defaultDailyQuota: 10, moderatorRoleId: '800000000000000001', maxJobsPerUser: 2 });
  clock.advance(60_000);
  const updated = await store.guilds.update(GUILD, { maxJobsPerUser: null, maxQueuePerGuild: 25 });
  expect(updated).toMatchObject({
    paused: true,
    defaultDailyQuota: 10,
    moderatorRoleId: '800000000000000001',
    maxQueuePerGuild: 25,
    maxJobsPerUser: null,
    updatedAt: new Date('2025-03-01T12:01:00Z'),
  });
  await expect(store.guilds.update(GUILD, { defaultDailyQuota: -1 })).rejects.toThrow(
    'expected defaultDailyQuota to be a whole number >= 0, got -1',
  );
});

it('lists the paused guilds so that a restart can pause their queues again', async () => {
  await store.guilds.update(OTHER_GUILD, { paused: true });
  await store.guilds.update(GUILD, { paused: true });
  await store.guilds.ensure('300000000000000003');
  expect(await store.pausedGuilds.list()).toEqual([GUILD, OTHER_GUILD]);
  await store.guilds.update(GUILD, { paused: false });
  expect(await store.pausedGuilds.list()).toEqual([OTHER_GUILD]);
});

it("keeps a user's last known name, and an interaction without a name keeps the old one", async () => {
  await store.users.upsert(ALICE, 'alice');
  clock.advance(1_000);
  expect(await store.users.upsert(ALICE, 'alice-renamed')).toMatchObject({ name: 'alice-renamed' });
  expect(await store.users.upsert(ALICE)).toMatchObject({ name: 'alice-renamed' });
});

it('stores a personal allowance per guild and clears it with null', async () => {
  expect(await store.quotas.getPersonalAllowance(GUILD, ALICE)).toBeNull();
  await store.quotas.setPersonalAllowance(GUILD, ALICE, 12);
  expect(await store.quotas.getPersonalAllowance(GUILD, ALICE)).toBe(12);
  expect(await store.quotas.getPersonalAllowance(OTHER_GUILD, ALICE)).toBeNull();
  await store.quotas.setPersonalAllowance(GUILD, ALICE, null);
  expect(await store.quotas.getPersonalAllowance(GUILD, ALICE)).toBeNull();
  await expect(store.quotas.setPersonalAllowance(GUILD, ALICE, 1.5)).rejects.toThrow(
    'expected daily allowance to be a whole number >= 0, got 1.5',
  );
});

it('normalises banned words so that case, width and spacing variants are one entry', async () => {
  expect(normaliseBannedWord('  ＧＯＲＥ ')).toBe('gore');
  expect(normaliseBannedWord('Blood\t  Bath')).toBe('blood bath');
  expect(() => normaliseBannedWord('   ')).toThrow('expected a banned word with letters in it, got "   "');
  expect(() => normaliseBannedWord('\u200b\u00ad')).toThrow('expected a banned word with letters in it, got "\u200b\u00ad"');

  expect(await store.bannedWords.add(GUILD, 'Gore', MOD)).toEqual({ word: 'gore', added: true });
  expect(await store.bannedWords.add(GUILD, 'ｇｏｒｅ')).toEqual({ word: 'gore', added: false });
  await store.bannedWords.add(GUILD, 'blood  bath');
  await store.bannedWords.add(OTHER_GUILD, 'spiders');
  expect(await store.bannedWords.list(GUILD)).toEqual(['blood bath', 'gore']);
  expect(await store.bannedWords.remove(GUILD, 'GORE')).toEqual({ word: 'gore', removed: true });
  expect(await store.bannedWords.remove(GUILD, 'gore')).toEqual({ word: 'gore', removed: false });
  expect(await store.bannedWords.list(GUILD)).toEqual(['blood bath']);
});

it('folds a banned word as prompts are folded: accents, look-alike letters and invisible characters make one entry', async () => {
  // Cyrillic о, Greek Ο, an accent, a zero-width space, a soft hyphen: all the word "gore".
  for (const spelling of ['g\u043ere', 'G\u039fRE', 'Gôre', 'go\u200bre', 'go\u00adre', 'ɢᴏʀᴇ']) {
    expect(normaliseBannedWord(spelling), JSON.stringify(spelling)).toBe('gore');
  }
  expect(await store.bannedWords.add(GUILD, 'g\u043ere', MOD)).toEqual({ word: 'gore', added: true });
  expect(await store.bannedWords.add(GUILD, 'GORE')).toEqual({ word: 'gore', added: false });
  expect(await store.bannedWords.add(GUILD, 'Gôre')).toEqual({ word: 'gore', added: false });
  expect(await store.bannedWords.list(GUILD)).toEqual(['gore']);
  expect(await store.bannedWords.remove(GUILD, 'G\u039fRE')).toEqual({ word: 'gore', removed: true });
  expect(await store.bannedWords.list(GUILD)).toEqual([]);
});

it('removes a word saved before the folding covered accents, by any spelling of it', async () => {
  await store.bannedWords.add(GUILD, 'gore', MOD);
  await store.bannedWords.add(GUILD, 'spiders', MOD);
  // As the earlier normalisation (NFKC and lower case only) saved "Gôre".
  const raw = new Database(file);
  raw.prepare(`UPDATE "BannedWord" SET "word" = 'gôre' WHERE "word" = 'gore'`).run();
  raw.close();
  expect(await store.bannedWords.list(GUILD)).toEqual(['gôre', 'spiders']);
  expect(await store.bannedWords.remove(GUILD, 'GORE')).toEqual({ word: 'gore', removed: true });
  expect(await store.bannedWords.list(GUILD)).toEqual(['spiders']);
});

it('keeps an audit log of moderator actions with their details, newest first', async () => {
  await store.modActions.record({ guildId: GUILD, actorId: MOD, action: 'cancel-job', target: '17', details: { reason: 'spam' } });
  clock.advance(1_000);
  await store.modActions.record({ guildId: GUILD, actorId: MOD, action: 'pause' });
  await store.modActions.record({ guildId: OTHER_GUILD, actorId: MOD, action: 'pause' });
  const log = await store.modActions.listRecent(GUILD);
  expect(log.map((entry) => entry.action)).toEqual(['pause', 'cancel-job']);
  expect(log[1]).toMatchObject({
    actorId: MOD,
    target: '17',
    details: { reason: 'spam' },
    createdAt: new Date('2025-03-01T12:00:00Z'),
  });
  expect(log[0]).toMatchObject({ target: null, details: null });
  expect(await store.modActions.listRecent(GUILD, { limit: 1 })).toHaveLength(1);
});
