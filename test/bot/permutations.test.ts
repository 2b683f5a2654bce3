/**
 * Prompt permutations end to end: the real bot and model, discord.js against the local
 * Discord-compatible server. `{red, blue} {circle, star}` becomes four jobs, each shown in its own
 * message and charged; too many combinations, or too few credits for all, queue nothing. Each job
 * has its message before it is queued, so after a restart each still lands in its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasImage, jobOf, startHarness, type Harness } from '../support/bot-harness.ts';
import type { InteractionHandle, MessageRecord, UserRecord } from '../../src/sandbox/discord-server/index.ts';

let h: Harness;
const DAILY = 9;
beforeAll(async () => {
  h = await startHarness({ DEFAULT_DAILY_QUOTA: String(DAILY), MAX_JOBS_PER_USER: '10' });
});
afterAll(async () => {
  await h?.close();
});

const EPHEMERAL = 64;
const ledger = (user: UserRecord) => h.bot.store.ledger.history(h.discord.guild.id, user.id, { limit: 50 });
const jobsOf = (user: UserRecord) => h.bot.store.jobs.listRecentByUser(user.id, { guildId: h.discord.guild.id, limit: 50 });
/** The refusal only the member sees (the jobs' waiting messages, deleted, come before it). */
const privateAnswer = (cmd: InteractionHandle) => h.discord.waitFor(() => cmd.followups.find((m) => m.flags & EPHEMERAL), { timeoutMs: 60_000, label: 'a private answer' });
/** What of an interaction's messages everyone still sees. */
const publicLeft = (cmd: InteractionHandle) => [cmd.original, ...cmd.followups].filter((m) => m && m.deletedAt === null && !(m.flags & EPHEMERAL));

describe('/imagine with {a, b} permutations', () => {
  it('{red, blue} {circle, star} starts four jobs, each with its own result message, charged 4 × count', async () => {
    const member = h.discord.newMember({ username: 'permuter' });
    const cmd = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a {red, blue} {circle, star}', steps: 1, count: 2, seed: 5 } });
    const messages = await h.discord.waitFor(
      () => {
        const all = [cmd.original, ...cmd.followups].filter((m): m is MessageRecord => !!m && hasImage(m));
        return all.length === 4 ? all : undefined;
      },
      { timeoutMs: 240_000, label: 'four permutation results' },
    );
    expect(cmd.followups).toHaveLength(3); // the reply and three followups, no stray messages
    const jobs = await Promise.all(messages.map((m) => jobOf(h, m.id)));
    expect(new Set(jobs.map((j) => j.id)).size).toBe(4);
    expect(jobs.map((j) => j.prompt).sort()).toEqual(['a blue circle', 'a blue star', 'a red circle', 'a red star']);
    for (const job of jobs) expect(job).toMatchObject({ kind: 'imagine', userId: member.id, count: 2, status: 'done', cost: 2 });
    for (const [i, m] of messages.entries()) expect(m.content).toContain(jobs[i].prompt);
    const reserved = (await ledger(member)).filter((e) => e.reason === 'reserve');
    expect(reserved.map((e) => e.delta)).toEqual([-2, -2, -2, -2]);
    expect((await h.bot.context.quota.balance(h.discord.guild.id, member.id)).available).toBe(DAILY - 8);
  });

  it('five combinations with the default limit of 4 are refused privately, naming both; nothing is queued or charged', async () => {
    const member = h.discord.newMember({ username: 'too-many' });
    const cmd = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a {red, blue, green, pink, grey} star', steps: 1 } });
    const ack = await cmd.waitForAck();
    const reply = cmd.original ?? (await cmd.waitForFollowups(1))[0];
    expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(reply.content).toContain('expands to 5 combinations; at most 4');
    expect(ack.type).toBe(4);
    expect(await jobsOf(member)).toEqual([]);
    expect(await ledger(member)).toEqual([]);
  });

  it('four jobs where the per-member limit (3, the bot default) allows three are refused whole, naming the room left', async () => {
    await h.bot.store.guilds.update(h.discord.guild.id, { maxJobsPerUser: 3 });
    try {
      const member = h.discord.newMember({ username: 'over-the-limit' });
      const cmd = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a {red, blue} {circle, star}', steps: 1, count: 1 } });
      const refusal = await privateAnswer(cmd);
      expect(refusal.content).toContain('These 4 jobs do not fit: only 3 more fit now');
      expect(publicLeft(cmd)).toEqual([]);
      expect(await jobsOf(member)).toEqual([]);
      expect(await ledger(member)).toEqual([]);
    } finally {
      await h.bot.store.guilds.update(h.discord.guild.id, { maxJobsPerUser: null });
    }
  });

  it('a member with credits for 2 of the 4 jobs is refused, with nothing queued or charged', async () => {
    const member = h.discord.newMember({ username: 'short-of-credits' });
    // count 4: each job costs 4, all four 16; the member has 9, enough for two.
    const cmd = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a {red, blue} {circle, star}', steps: 1, count: 4 } });
    const refusal = await privateAnswer(cmd);
    expect(refusal.content).toContain('This needs 16 credits and you have 9 left');
    expect(publicLeft(cmd)).toEqual([]);
    expect(await jobsOf(member)).toEqual([]);
    expect(await ledger(member)).toEqual([]);
    expect(cmd.original?.deletedAt).not.toBeNull(); // the public "thinking…" went away
  });
});

describe('a permutation across a restart', () => {
  it('stopped while the second job waits, the bot started again posts that job in its own followup, not in the first job\'s reply', async () => {
    const member = h.discord.newMember({ username: 'restarted-permuter' });
    // The first job stays at its first step, so the second waits behind it; its first preview stays
    // unanswered, so the reply has shown nothing of the jobs when the bot stops.
    const running = h.engine.hold({ prompt: 'a red square' });
    const preview = h.discord.holdRequests({ method: 'PATCH', path: /^\/webhooks\//, where: (r) => r.files.some((f) => f.filename === 'preview.png') });
    const cmd = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a {red, blue} square', steps: 2, count: 1, seed: 11 } });
    await running.reached;
    await preview.arrived;
    const waiting = (await jobsOf(member)).find((j) => j.prompt === 'a blue square')!;
    expect(waiting.status).toBe('queued');

    await h.restart();
    preview.release(); // the stopped bot's preview lands now, before anything of the new start

    const [reply, own] = await h.discord.waitFor(
      () => {
        const followup = cmd.followups.find((m) => m.deletedAt === null && hasImage(m));
        return cmd.original && hasImage(cmd.original) && followup ? [cmd.original, followup] : undefined;
      },
      { timeoutMs: 60_000, label: 'both results after the restart' },
    );
    const first = await jobOf(h, reply.id);
    const second = await jobOf(h, own.id);
    expect(first.prompt).toBe('a red square');
    expect(second).toMatchObject({ id: waiting.id, prompt: 'a blue square', status: 'done', replyMessageId: own.id });
    expect(reply.content).toContain('a red square');
    expect(reply.content).not.toContain('a blue square');
    expect(own.content).toContain('a blue square');
    // One reply and one followup: nothing posted twice, nothing left over.
    expect(cmd.followups.filter((m) => m.deletedAt === null)).toHaveLength(1);
  });
});
