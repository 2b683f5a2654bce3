/**
 * Fair sharing end to end: jobs submitted through Discord run round-robin across the members of a
 * server and across servers, and what /queue and the job service show (order, positions, ETAs)
 * is the order the jobs really start in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/store/index.ts';
import { startHarness, type Harness } from '../support/bot-harness.ts';
import type { GuildRecord, UserRecord } from '../../src/sandbox/discord-server/index.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ MAX_JOBS_PER_USER: '10', MAX_QUEUE_PER_GUILD: '50' });
});
afterAll(async () => {
  await h?.close();
});

/** Submits an /imagine and waits until it waits in its guild's queue, so arrival order is exact. */
async function submit(user: UserRecord, prompt: string, guild: GuildRecord = h.discord.guild): Promise<JobRecord> {
  const before = h.bot.jobs.queueOf(guild.id).waiting.length;
  h.discord.slashCommand({ name: 'imagine', user, guild, options: { prompt, steps: 2, count: 1 } });
  await h.discord.waitFor(() => h.bot.jobs.queueOf(guild.id).waiting.length === before + 1);
  return h.bot.jobs.queueOf(guild.id).waiting.find((w) => w.job.prompt === prompt)!.job;
}

/** Prompts of the jobs in the order they really started, from the database. */
async function startOrder(jobs: JobRecord[]): Promise<string[]> {
  const rows = await Promise.all(jobs.map((j) => h.bot.store.jobs.get(j.id)));
  expect(rows.map((r) => r?.status)).toEqual(jobs.map(() => 'done'));
  return rows.sort((a, b) => a!.startedAt!.getTime() - b!.startedAt!.getTime() || a!.id - b!.id).map((r) => r!.prompt);
}

/** Prompts of a /queue reply's job lines, top to bottom. */
function queueLines(content: string, prompts: string[]): string[] {
  return content.split('\n').flatMap((line) => prompts.filter((p) => line.includes(` · ${p}`)));
}

describe('fair sharing', () => {
  it('within a server, one heavy and two light members take turns: the light ones do not wait behind the heavy one', async () => {
    const guildId = h.discord.guild.id;
    const heavy = h.discord.newMember({ username: 'heavy' });
    const light1 = h.discord.newMember({ username: 'light1' });
    const light2 = h.discord.newMember({ username: 'light2' });
    h.bot.jobs.pause(guildId); // hold everything until all five are in line
    const jobs = [
      await submit(heavy, 'heavy 1'),
      await submit(heavy, 'heavy 2'),
      await submit(heavy, 'heavy 3'),
      await submit(light1, 'light one'),
      await submit(light2, 'light two'),
    ];
    const fair = ['heavy 1', 'light one', 'light two', 'heavy 2', 'heavy 3'];
    const prompts = jobs.map((j) => j.prompt);
    // While paused, /queue lists them in the order they will run, without positions.
    const paused = h.discord.slashCommand({ name: 'queue', user: light2 });
    const pausedReply = await paused.waitForOriginal();
    expect(queueLines(pausedReply.content, prompts)).toEqual(fair);
    expect(pausedReply.content).toContain('Your next job is number – (paused) in line.');

    h.bot.jobs.resume(guildId);
    const q = h.bot.jobs.queueOf(guildId);
    const shown = [...q.running.map((j) => j.prompt), ...q.waiting.map((w) => w.job.prompt)];
    expect(shown).toEqual(fair);
    expect(q.waiting.map((w) => w.position)).toEqual(q.waiting.map((_, k) => k + 1));
    const etas = q.waiting.map((w) => w.etaMs!);
    expect(etas.every((eta, k) => eta !== undefined && (k === 0 || eta >= etas[k - 1]))).toBe(true);

    await h.bot.jobs.idle();
    expect(await startOrder(jobs)).toEqual(fair);
  });

  it('across servers, the slot alternates between servers with work, and positions count both', async () => {
    const a = h.discord.guild;
    const b = h.discord.addGuild({ name: 'Second Guild' });
    const heavy = h.discord.newMember({ username: 'a-heavy' });
    const other = h.discord.newMember({ username: 'b-member', guild: b });
    h.bot.jobs.pause(a.id);
    h.bot.jobs.pause(b.id);
    const jobs = [
      await submit(heavy, 'a one'),
      await submit(heavy, 'a two'),
      await submit(heavy, 'a three'),
      await submit(other, 'b one', b),
      await submit(other, 'b two', b),
    ];
    // /queue shows a member only their own server's line.
    const queue = await h.discord.slashCommand({ name: 'queue', user: other, guild: b }).waitForOriginal();
    expect(queueLines(queue.content, ['a one', 'a two', 'a three', 'b one', 'b two'])).toEqual(['b one', 'b two']);

    h.bot.jobs.resume(a.id);
    h.bot.jobs.resume(b.id);
    const fair = ['a one', 'b one', 'a two', 'b two', 'a three'];
    const qa = h.bot.jobs.queueOf(a.id);
    const qb = h.bot.jobs.queueOf(b.id);
    const byPosition = [...qa.waiting, ...qb.waiting].sort((x, y) => x.position! - y.position!);
    const running = [...qa.running, ...qb.running].map((j) => j.prompt);
    expect([...running, ...byPosition.map((w) => w.job.prompt)]).toEqual(fair);
    // Positions count the jobs of both servers: one line, shared fairly.
    expect(byPosition.map((w) => w.position)).toEqual(byPosition.map((_, k) => k + 1));
    const etas = byPosition.map((w) => w.etaMs!);
    expect(etas.every((eta, k) => eta !== undefined && (k === 0 || eta >= etas[k - 1]))).toBe(true);


    await h.bot.jobs.idle();
    expect(await startOrder(jobs)).toEqual(fair);
  });
});
