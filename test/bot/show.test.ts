/**
 * /show end to end: the real bot and model, a real SQLite file, discord.js against the local
 * Discord-compatible server. A re-post carries the job's stored picture and working buttons and
 * reactions, and costs nothing; what cannot be shown is refused privately, naming the job and why.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonIds, hasImage, jobOf, startHarness, type Harness } from '../support/bot-harness.ts';
import type { MessageRecord, UserRecord } from '../../src/sandbox/discord-server/index.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ MAX_JOBS_PER_USER: '10' });
});
afterAll(async () => {
  await h?.close();
});

const EPHEMERAL = 64;
const imageOf = (m: MessageRecord) => m.attachments.find((a) => a.filename.startsWith('job-'))!.bytes;
const ledger = (user: UserRecord) => h.bot.store.ledger.history(h.discord.guild.id, user.id, { limit: 100 });
const jobsOf = (user: UserRecord) => h.bot.store.jobs.listRecentByUser(user.id, { limit: 100 });

async function imagine(user: UserRecord, options: Record<string, string | number>) {
  const result = await h.discord.slashCommand({ name: 'imagine', user, options }).waitForOriginal(hasImage, { timeoutMs: 90_000 });
  return { result, job: (await jobOf(h, result.id))! };
}

async function refusalOf(options: Record<string, number>, user: UserRecord) {
  const cmd = h.discord.slashCommand({ name: 'show', user, options });
  const [refusal] = await cmd.waitForFollowups(1, { timeoutMs: 30_000 });
  expect(refusal.flags & EPHEMERAL).toBe(EPHEMERAL);
  return refusal.content;
}

describe('/show', () => {
  it('re-posts a grid publicly with its stored picture, text and buttons, costing and generating nothing; U1 on the re-post upscales', async () => {
    const owner = h.discord.newMember({ username: 'owner' });
    const { result: original, job } = await imagine(owner, { prompt: 'a green triangle', seed: 11, steps: 4 });
    const viewer = h.discord.newMember({ username: 'viewer' });
    const ledgerBefore = await ledger(viewer);
    const ownerLedgerBefore = await ledger(owner);

    const cmd = h.discord.slashCommand({ name: 'show', user: viewer, options: { job: job.id } });
    const shown = await cmd.waitForOriginal(hasImage, { timeoutMs: 30_000 });
    expect(shown.flags & EPHEMERAL).toBe(0);
    expect(shown.id).not.toBe(original.id);
    expect(imageOf(shown).equals(imageOf(original))).toBe(true);
    expect(shown.content).toBe(original.content);
    expect(buttonIds(shown.components)).toEqual(buttonIds(original.components));
    // Nothing generated, nothing charged, no job recorded for the viewer; the original stays the job's result.
    expect(await jobsOf(viewer)).toEqual([]);
    expect(await ledger(viewer)).toEqual(ledgerBefore);
    expect(await ledger(owner)).toEqual(ownerLedgerBefore);
    expect((await h.bot.store.jobs.get(job.id))!.resultMessageId).toBe(original.id);

    const up = h.discord.clickButton(shown, buttonIds(shown.components)[0][0], viewer);
    const upscaled = await up.waitForOriginal(hasImage, { timeoutMs: 90_000 });
    const upJob = (await jobOf(h, upscaled.id))!;
    expect(upJob).toMatchObject({ kind: 'upscale', parentJobId: job.id, parentImageIndex: 0, userId: viewer.id, status: 'done' });
  });

  it('re-posts a single image with 🔍 🔀 🔁, and a 🔁 on the re-post rerolls that job', async () => {
    const owner = h.discord.newMember({ username: 'single' });
    const { job } = await imagine(owner, { prompt: 'a yellow dot', seed: 5, steps: 3, count: 1 });
    const reactor = h.discord.newMember({ username: 'reactor' });
    const shown = await h.discord.slashCommand({ name: 'show', user: reactor, options: { job: job.id } }).waitForOriginal(hasImage, { timeoutMs: 30_000 });
    await h.discord.waitFor(() => ['🔍', '🔀', '🔁'].every((e) => h.discord.reactionUsers(shown, e).includes(h.discord.botUser.id)));

    h.discord.react(shown, '🔁', reactor);
    const reroll = await h.discord.waitFor(async () => (await jobsOf(reactor)).find((j) => j.kind === 'reroll' && j.status === 'done'), { timeoutMs: 90_000 });
    expect(reroll).toMatchObject({ parentJobId: job.id, prompt: 'a yellow dot', steps: 3, count: 1 });
  });

  it("refuses another server's job as unknown here, showing nothing of it", async () => {
    const other = h.discord.addGuild({ name: 'Elsewhere' });
    const stranger = h.discord.newMember({ username: 'stranger', guild: other });
    const theirs = await h.discord
      .slashCommand({ name: 'imagine', guild: other, user: stranger, options: { prompt: 'a private hexagon', steps: 2, count: 1 } })
      .waitForOriginal(hasImage, { timeoutMs: 90_000 });
    const theirJob = (await jobOf(h, theirs.id))!;
    const curious = h.discord.newMember({ username: 'curious' });
    const publicMessages = () => h.discord.messages().filter((m) => (m.flags & EPHEMERAL) === 0).length;
    const before = publicMessages();

    expect(await refusalOf({ job: theirJob.id }, curious)).toBe(
      `There is no job ${theirJob.id} in this server, so there is nothing to show. /history lists your jobs.`,
    );
    expect(await refusalOf({ job: 999_999 }, curious)).toMatch(/^There is no job 999999 in this server/);
    expect(h.discord.messages().filter((m) => m.content.includes('hexagon'))).toEqual([]);
    // The public "thinking…" went away: only the member saw the refusal.
    expect(publicMessages()).toBe(before);
  });

  it('refuses a job that is not finished, naming it and its status', async () => {
    const owner = h.discord.newMember({ username: 'waiter' });
    const held = h.engine.hold({ prompt: 'a slow spiral' });
    const cmd = h.discord.slashCommand({ name: 'imagine', user: owner, options: { prompt: 'a slow spiral', steps: 3, count: 1 } });
    await held.reached;
    const [running] = await jobsOf(owner);
    expect(await refusalOf({ job: running.id }, owner)).toBe(`Job ${running.id} is running, not finished; /show shows finished jobs only.`);
    held.release();
    await cmd.waitForOriginal(hasImage, { timeoutMs: 90_000 });
  });

  it('says the picture is gone when its files were deleted, rather than generating it again', async () => {
    const owner = h.discord.newMember({ username: 'forgetful' });
    const { job } = await imagine(owner, { prompt: 'a faded square', steps: 2, count: 1 });
    rmSync(path.join(h.config.imageDir, String(job.id)), { recursive: true, force: true });
    const jobsBefore = await jobsOf(owner);
    expect(await refusalOf({ job: job.id }, owner)).toMatch(new RegExp(`^The picture of job ${job.id} is no longer in the image store, so it cannot be shown\\.`));
    expect(await jobsOf(owner)).toEqual(jobsBefore);
  });
});
