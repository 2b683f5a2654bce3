/**
 * Credits end to end: the real bot, a real SQLite file, discord.js against the local server. What
 * a member is charged, refused and refunded, what moderators change, and the day rolling over.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobObserver } from '../../src/services/job-observer.ts';
import { UserError } from '../../src/services/user-error.ts';
import type { LedgerEntry } from '../../src/store/index.ts';
import { imagineOutcome, startHarness, type Harness } from '../support/bot-harness.ts';
import type { InteractionHandle, MessageRecord, SlashCommandInput, UserRecord } from '../../src/sandbox/discord-server/index.ts';

const DAILY = 3;
let clock = new Date('2030-03-10T12:00:00Z');
let h: Harness;
let moderator: UserRecord;

beforeAll(async () => {
  h = await startHarness(
    { DEFAULT_DAILY_QUOTA: String(DAILY), QUOTA_RESET_HOUR_UTC: '6', MAX_JOBS_PER_USER: '50', MAX_QUEUE_PER_GUILD: '200' },
    { bot: { now: () => clock } },
  );
  moderator = h.discord.newMember({ username: 'moderator', permissions: PermissionFlagsBits.ManageGuild });
});
afterAll(async () => {
  await h?.close();
});

const EPHEMERAL = 64;

/** The first thing the member reads: a direct reply, or the followup that replaced a deferral. */
function answer(cmd: InteractionHandle): Promise<MessageRecord> {
  return h.discord.waitFor(() => cmd.followups[0] ?? (cmd.original?.content ? cmd.original : undefined));
}

async function run(input: SlashCommandInput): Promise<MessageRecord> {
  return answer(h.discord.slashCommand(input));
}

function imagine(user: UserRecord, count: number, prompt = 'a red circle'): InteractionHandle {
  return h.discord.slashCommand({ name: 'imagine', user, options: { prompt, steps: 1, count } });
}

/** Every prefix of the ledger leaves the member at zero or above: the balance was never negative. */
function lowestBalance(entries: LedgerEntry[], allowance: number): number {
  let balance = allowance;
  let lowest = allowance;
  for (const e of [...entries].sort((a, b) => a.id - b.id)) {
    balance += e.delta;
    lowest = Math.min(lowest, balance);
  }
  return lowest;
}

/** The job behind a posted result (its message id is recorded just after posting). */
const jobOf = (result: MessageRecord) => h.discord.waitFor(() => h.bot.store.jobs.findByResultMessage(result.id));
const balance = (user: UserRecord) => h.bot.context.quota.balance(h.discord.guild.id, user.id);
const ledger = (user: UserRecord) => h.bot.store.ledger.history(h.discord.guild.id, user.id, { limit: 500 });
const quiet: JobObserver = { queued() {}, progress() {}, async done() {}, async failed() {}, async cancelled() {} };

describe('credits for members', () => {
  it('/quota me shows what is left, when it renews, whom to ask, and recent charges', async () => {
    clock = new Date('2030-03-10T12:00:00Z');
    const member = h.discord.newMember({ username: 'me-user' });
    const { result } = await imagineOutcome(h, imagine(member, 2));
    const job = await jobOf(result!);
    const me = await run({ name: 'quota', subcommand: 'me', user: member });
    expect(me.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(me.content).toContain('You have **1 credit left**: 1 of 3 daily (bot default)');
    expect(me.content).toContain('Daily credits renew in 18 h 0 min (06:00 UTC)');
    expect(me.content).toContain('ask a server moderator (Manage Server)');
    expect(me.content).toContain(`-2 charged for job ${job.id}`);
    expect(me.pings.users).toEqual([]);
  });

  it('refuses a job beyond the balance with how much is left, when it renews and whom to ask; nothing is queued or charged', async () => {
    clock = new Date('2030-03-10T12:00:00Z');
    const member = h.discord.newMember({ username: 'short' });
    await run({ name: 'quota', subcommand: 'set', user: moderator, options: { user: member, daily: 1 } });
    const { refusal } = await imagineOutcome(h, imagine(member, 2));
    expect(refusal!.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(refusal!.content).toBe(
      'This needs 2 credits and you have 1 left today. Your 1 daily credits renew in 18 h 0 min (06:00 UTC). For more, ask a server moderator (Manage Server).',
    );
    expect(await h.bot.store.jobs.listRecentByUser(member.id, { limit: 10 })).toEqual([]);
    expect(await ledger(member)).toEqual([]);
    // With a moderator role configured, the refusal names it (without pinging it).
    const role = h.discord.addRole(h.discord.guild, { name: 'helpers' });
    await run({ name: 'mod', subcommand: 'role', user: moderator, options: { role } });
    try {
      const again = await imagineOutcome(h, imagine(member, 2));
      expect(again.refusal!.content).toMatch(new RegExp(`For more, ask a moderator \\(<@&${role.id}>\\)\\.$`));
      expect(again.refusal!.pings.roles).toEqual([]);
    } finally {
      await run({ name: 'mod', subcommand: 'role', user: moderator, options: { clear: true } });
    }
  });

  it('rolls the day over at QUOTA_RESET_HOUR_UTC: the allowance renews, bonus credits carry over', async () => {
    clock = new Date('2030-03-12T20:00:00Z');
    const member = h.discord.newMember({ username: 'night-owl' });
    expect((await imagineOutcome(h, imagine(member, 3))).result).toBeDefined();
    const spent = await imagineOutcome(h, imagine(member, 1));
    expect(spent.refusal!.content).toContain('you have 0 left today. Your 3 daily credits renew in 10 h 0 min (06:00 UTC)');
    await run({ name: 'quota', subcommand: 'grant', user: moderator, options: { user: member, credits: 2, reason: 'contest prize' } });
    expect((await imagineOutcome(h, imagine(member, 1))).result).toBeDefined(); // from the bonus

    clock = new Date('2030-03-13T05:59:00Z');
    expect(await balance(member)).toMatchObject({ daily: 0, bonus: 1, available: 1 });
    const stillSpent = await imagineOutcome(h, imagine(member, 2));
    expect(stillSpent.refusal!.content).toContain('This needs 2 credits and you have 1 left today. Your 3 daily credits renew in 1 min (06:00 UTC)');

    clock = new Date('2030-03-13T06:00:00Z');
    const me = await run({ name: 'quota', subcommand: 'me', user: member });
    expect(me.content).toContain('You have **4 credits left**: 3 of 3 daily (bot default) + 1 bonus');
    expect(me.content).toContain('+2 bonus by <@' + moderator.id + '> (contest prize)');
    expect((await imagineOutcome(h, imagine(member, 4))).result).toBeDefined();
    expect(await balance(member)).toMatchObject({ daily: 0, bonus: 0, available: 0 });
  });
});

describe('simultaneous requests', () => {
  it('with one credit left, two requests at once give one job and one clear refusal', async () => {
    clock = new Date('2030-03-10T12:00:00Z');
    const member = h.discord.newMember({ username: 'last-credit' });
    await imagineOutcome(h, imagine(member, 2));
    const both = await Promise.all([imagine(member, 1, 'a blue star'), imagine(member, 1, 'a green star')].map((c) => imagineOutcome(h, c)));
    expect(both.filter((o) => o.result)).toHaveLength(1);
    const refusals = both.flatMap((o) => o.refusal ?? []);
    expect(refusals).toHaveLength(1);
    expect(refusals[0].content).toMatch(/^This needs 1 credit and you have 0 left today\. .*renew in .* For more, ask /);
    await h.bot.jobs.idle();
    expect(await balance(member)).toMatchObject({ available: 0 });
    expect(lowestBalance(await ledger(member), DAILY)).toBe(0);
  });

  it('many /imagine at once from a member with 3 credits give exactly 3 jobs and an exact ledger', async () => {
    clock = new Date('2030-03-10T12:00:00Z');
    const member = h.discord.newMember({ username: 'racer' });
    const cmds = Array.from({ length: 8 }, (_, k) => imagine(member, 1, `a yellow square ${k}`));
    const outcomes = await Promise.all(cmds.map((c) => imagineOutcome(h, c)));
    await h.bot.jobs.idle();
    expect(outcomes.filter((o) => o.result)).toHaveLength(3);
    for (const o of outcomes.flatMap((x) => x.refusal ?? [])) expect(o.content).toMatch(/^This needs 1 credit and you have 0 left today\./);
    const jobs = await h.bot.store.jobs.listRecentByUser(member.id, { limit: 50 });
    expect(jobs.map((j) => j.status)).toEqual(['done', 'done', 'done']);
    const rows = await ledger(member);
    expect(rows.filter((r) => r.reason === 'reserve').map((r) => r.delta)).toEqual([-1, -1, -1]);
    expect(rows.filter((r) => r.reason === 'settle')).toHaveLength(3);
    expect(rows.filter((r) => r.reason === 'refund')).toEqual([]);
    expect(lowestBalance(rows, DAILY)).toBe(0);
    expect(await balance(member)).toMatchObject({ dailyUsed: 3, available: 0 });
  });

  it('36 submissions at once for three members are each charged exactly once, within each balance', async () => {
    clock = new Date('2030-03-10T12:00:00Z');
    const members = [h.discord.newMember({ username: 'r1' }), h.discord.newMember({ username: 'r2' }), h.discord.newMember({ username: 'r3' })];
    await run({ name: 'quota', subcommand: 'grant', user: moderator, options: { user: members[2], credits: 2 } });
    const submit = (user: UserRecord, k: number) =>
      h.bot.jobs.submit(
        { guildId: h.discord.guild.id, channelId: h.discord.channel.id, userId: user.id },
        { kind: 'imagine', options: { prompt: `a white heart ${k}`, steps: 1, count: 1 } },
        () => quiet,
      );
    const settled = await Promise.allSettled(members.flatMap((user) => Array.from({ length: 12 }, (_, k) => submit(user, k))));
    await h.bot.jobs.idle();
    const refused = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
    expect(refused.every((e) => e instanceof UserError && e.identifier === 'quota.spent')).toBe(true);
    const accepted = members.map((_, m) => settled.slice(m * 12, m * 12 + 12).filter((s) => s.status === 'fulfilled').length);
    expect(accepted).toEqual([3, 3, 5]);
    for (const [m, user] of members.entries()) {
      const rows = await ledger(user);
      expect(rows.filter((r) => r.reason === 'reserve')).toHaveLength(accepted[m]);
      expect(rows.filter((r) => r.reason === 'settle')).toHaveLength(accepted[m]);
      expect(lowestBalance(rows.filter((r) => r.reason !== 'grant'), DAILY + (m === 2 ? 2 : 0))).toBe(0);
      expect(await balance(user)).toMatchObject({ available: 0, bonus: 0 });
    }
  });
});

describe('refunds', () => {
  it('returns the credits of a job cancelled while it waits, by its owner or by a moderator', async () => {
    clock = new Date('2030-03-10T12:00:00Z');
    const owner = h.discord.newMember({ username: 'canceller' });
    const guildId = h.discord.guild.id;
    h.bot.jobs.pause(guildId); // keeps the jobs waiting; not recorded, so nothing else sees it
    try {
      const first = imagine(owner, 2, 'a pink cloud');
      const second = imagine(owner, 1, 'a grey cloud');
      await h.discord.waitFor(() => h.bot.jobs.queueOf(guildId).waiting.filter((w) => w.job.userId === owner.id).length === 2);
      expect(await balance(owner)).toMatchObject({ available: 0 });
      const [a, b] = h.bot.jobs.queueOf(guildId).waiting.filter((w) => w.job.userId === owner.id).map((w) => w.job);
      const own = await run({ name: 'cancel', user: owner, options: { job: a.id } });
      expect(own.content).toMatch(/; 2 credits returned\.$/);
      const byMod = await run({ name: 'mod', subcommand: 'cancel', user: moderator, options: { job: b.id } });
      expect(byMod.content).toContain(`Cancelled job ${b.id} of <@${owner.id}>`);
      await first.waitForOriginal((m) => m.content.startsWith('Cancelled: cancelled by you'));
      await second.waitForOriginal((m) => m.content.startsWith('Cancelled: cancelled by a moderator'));
      expect((await h.bot.store.ledger.entriesForJob(a.id)).map((r) => [r.reason, r.delta, r.note])).toEqual([
        ['reserve', -2, null],
        ['refund', 2, 'cancelled by you'],
      ]);
      expect((await h.bot.store.ledger.entriesForJob(b.id)).map((r) => [r.reason, r.delta, r.note])).toEqual([
        ['reserve', -1, null],
        ['refund', 1, 'cancelled by a moderator'],
      ]);
      expect(await balance(owner)).toMatchObject({ dailyUsed: 0, available: DAILY });
    } finally {
      h.bot.jobs.resume(guildId);
    }
  });

  it('returns the credits of a job lost to a crash, once, when the restart cannot resume it', async () => {
    clock = new Date('2030-03-10T12:00:00Z');
    const member = h.discord.newMember({ username: 'crashed' });
    const { store, context } = h.bot;
    // A job the process was running when it died, with parameters this model no longer takes.
    const job = await store.jobs.create({
      kind: 'imagine', guildId: h.discord.guild.id, channelId: h.discord.channel.id, userId: member.id, prompt: 'a lost square',
      steps: 500, guidance: 7, sampler: 'euler-a', width: 128, height: 128, count: 2, seed: 1, model: 'old-model', cost: 2,
    });
    await context.quota.reserve(job, 2, null);
    await store.jobs.markRunning(job.id);
    expect(await balance(member)).toMatchObject({ available: DAILY - 2 });
    const bot = await h.restart();
    expect(bot.recovered).toEqual({ resumed: 0, failed: 1 });
    expect(await bot.store.jobs.get(job.id)).toMatchObject({ status: 'failed' });
    expect((await bot.store.ledger.entriesForJob(job.id)).map((r) => [r.reason, r.delta, r.note])).toEqual([
      ['reserve', -2, null],
      ['refund', 2, 'lost in a restart'],
    ]);
    expect(await bot.context.quota.balance(h.discord.guild.id, member.id)).toMatchObject({ available: DAILY });
    // A second restart finds nothing left to refund.
    expect((await h.restart()).recovered).toEqual({ resumed: 0, failed: 0 });
    expect(await h.bot.store.ledger.entriesForJob(job.id)).toHaveLength(2);
  });
});

describe('moderators and credits', () => {
  it('/quota set replaces the server default for one member, and leaving daily out gives it back', async () => {
    clock = new Date('2030-03-10T12:00:00Z');
    const member = h.discord.newMember({ username: 'vip' });
    const set = await run({ name: 'quota', subcommand: 'set', user: moderator, options: { user: member, daily: 10 } });
    expect(set.content).toBe(`<@${member.id}> now has 10 credits a day of their own. Now: **10 credits left**: 10 of 10 daily (personal allowance).`);
    expect(set.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(set.pings.users).toEqual([]);
    const view = await run({ name: 'quota', subcommand: 'view', user: moderator, options: { user: member } });
    expect(view.content).toContain(`<@${member.id}> has **10 credits left**`);
    const back = await run({ name: 'quota', subcommand: 'set', user: moderator, options: { user: member } });
    expect(back.content).toContain(`<@${member.id}> is back on the server default of ${DAILY} credits a day.`);
  });

  it('/quota default changes the allowance of everyone without their own, and shows it when left out', async () => {
    clock = new Date('2030-03-10T12:00:00Z');
    const member = h.discord.newMember({ username: 'ordinary' });
    expect((await run({ name: 'quota', subcommand: 'default', user: moderator })).content).toBe(
      `Members get ${DAILY} credits a day here (the bot's default); members with a personal allowance (/quota set) keep theirs.`,
    );
    try {
      const changed = await run({ name: 'quota', subcommand: 'default', user: moderator, options: { daily: 5 } });
      expect(changed.content).toBe(`Members without a personal allowance now get 5 credits a day (was ${DAILY}).`);
      expect(await balance(member)).toMatchObject({ allowance: 5, allowanceSource: 'guild', available: 5 });
    } finally {
      await h.bot.store.guilds.update(h.discord.guild.id, { defaultDailyQuota: null });
    }
  });

  it('/quota reset gives back what the member used today; bonus spent stays spent', async () => {
    clock = new Date('2030-03-10T12:00:00Z');
    const member = h.discord.newMember({ username: 'unlucky' });
    await run({ name: 'quota', subcommand: 'grant', user: moderator, options: { user: member, credits: 1 } });
    await imagineOutcome(h, imagine(member, 4));
    expect(await balance(member)).toMatchObject({ available: 0 });
    const reset = await run({ name: 'quota', subcommand: 'reset', user: moderator, options: { user: member } });
    expect(reset.content).toBe(`Gave <@${member.id}> back 3 of today's credits. Now: **3 credits left**: 3 of 3 daily (bot default).`);
    const again = await run({ name: 'quota', subcommand: 'reset', user: moderator, options: { user: member } });
    expect(again.content).toContain("had used none of today's allowance: nothing to give back");
  });

  it('/quota top ranks members by credits used this quota day and /quota log lists one member\'s ledger', async () => {
    clock = new Date('2030-04-01T12:00:00Z'); // a fresh quota day: only this test's members used credits
    const heavy = h.discord.newMember({ username: 'heavy' });
    const light = h.discord.newMember({ username: 'light' });
    await imagineOutcome(h, imagine(heavy, 3));
    const lightJob = await imagineOutcome(h, imagine(light, 1));
    const top = await run({ name: 'quota', subcommand: 'top', user: moderator });
    expect(top.content.split('\n').slice(1)).toEqual([`1. <@${heavy.id}> · 3 credits · 1 job`, `2. <@${light.id}> · 1 credit · 1 job`]);
    const jobId = (await jobOf(lightJob.result!)).id;
    const log = await run({ name: 'quota', subcommand: 'log', user: moderator, options: { user: light } });
    expect(log.content.split('\n')).toEqual([
      `**Credit ledger of <@${light.id}>**, newest first`,
      expect.stringMatching(new RegExp(`job ${jobId} finished: charge final$`)),
      expect.stringMatching(new RegExp(`-1 charged for job ${jobId}$`)),
    ]);
  });

  it('records every change of credits in the audit log with the moderator who made it', async () => {
    clock = new Date('2030-03-10T12:00:00Z');
    const auditor = h.discord.newMember({ username: 'auditor', permissions: PermissionFlagsBits.ManageGuild });
    const member = h.discord.newMember({ username: 'audited' });
    await imagineOutcome(h, imagine(member, 1));
    await run({ name: 'quota', subcommand: 'set', user: auditor, options: { user: member, daily: 7 } });
    await run({ name: 'quota', subcommand: 'grant', user: auditor, options: { user: member, credits: 4, reason: 'helped out' } });
    await run({ name: 'quota', subcommand: 'reset', user: auditor, options: { user: member } });
    await run({ name: 'quota', subcommand: 'default', user: auditor, options: { daily: DAILY } });
    await run({ name: 'quota', subcommand: 'set', user: auditor, options: { user: member } });
    const audit = await run({ name: 'mod', subcommand: 'audit', user: auditor, options: { count: 5 } });
    expect(audit.content.split('\n').map((l) => l.replace(/^<t:\d+:R> /, ''))).toEqual([
      '**Moderator actions**, newest first',
      `<@${auditor.id}> put <@${member.id}> back on the server's default allowance`,
      `<@${auditor.id}> set the server's daily allowance to ${DAILY}`,
      `<@${auditor.id}> gave <@${member.id}> back 1 of the day's credits`,
      `<@${auditor.id}> granted 4 bonus credits to <@${member.id}> (helped out)`,
      `<@${auditor.id}> set <@${member.id}>'s daily allowance to 7`,
    ]);
    expect(audit.pings.users).toEqual([]);
    await h.bot.store.guilds.update(h.discord.guild.id, { defaultDailyQuota: null });
  });
});

describe('a job that fails', () => {
  let failing: Harness;
  beforeAll(async () => {
    // The image folder is a file: every job fails when it saves its images, after generating them.
    const blocker = path.join(h.dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    failing = await startHarness({ IMAGE_DIR: blocker, DEFAULT_DAILY_QUOTA: String(DAILY) });
  });
  afterAll(async () => {
    await failing?.close();
  });

  it('gives its credits back and tells the member so', async () => {
    const cmd = failing.discord.slashCommand({ name: 'imagine', options: { prompt: 'a doomed circle', steps: 1, count: 2 } });
    const failed = await cmd.waitForOriginal((m) => m.content.startsWith('Failed:'), { timeoutMs: 120_000 });
    expect(failed.content).toContain('your credits were returned');
    const [job] = await failing.bot.store.jobs.listRecentByUser(failing.discord.user.id, { limit: 1 });
    expect(job.status).toBe('failed');
    expect((await failing.bot.store.ledger.entriesForJob(job.id)).map((r) => [r.reason, r.delta, r.note])).toEqual([
      ['reserve', -2, null],
      ['refund', 2, 'failed'],
    ]);
    expect(await failing.bot.context.quota.balance(failing.discord.guild.id, failing.discord.user.id)).toMatchObject({ available: DAILY });
  });
});
