/**
 * `chaos` end to end: the real bot and model, discord.js against the local Discord-compatible server.
 * The value is kept on the job row and in the PNG, so a reroll (after a restart too) keeps it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngText } from '../../src/diffusion/png.ts';
import { buttonIds, hasImage, jobOf, startHarness, type Harness } from '../support/bot-harness.ts';
import type { MessageRecord } from '../../src/sandbox/discord-server/index.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ MAX_JOBS_PER_USER: '10' });
});
afterAll(async () => {
  await h?.close();
});

const png = (m: MessageRecord) => m.attachments.find((a) => a.filename.startsWith('job-'))!.bytes;

describe('/imagine chaos', () => {
  it('--chaos inline is recorded on the job, in the PNG parameters and the message, and a reroll keeps it', async () => {
    const grid = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'a red circle --chaos 40', seed: 9, steps: 2, count: 2 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const job = await jobOf(h, grid.id);
    expect(job).toMatchObject({ kind: 'imagine', prompt: 'a red circle', chaos: 40 });
    expect(readPngText(png(grid)).parameters).toMatch(/Seed: 9, Size: 128x128, Model: [^,]+, Chaos: 40$/);
    expect(grid.content).toContain('CFG 7 · chaos 40 ·');

    const rerolled = await h.discord.clickButton(grid, buttonIds(grid.components)[2][0]).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(await jobOf(h, rerolled.id)).toMatchObject({ kind: 'reroll', chaos: 40 });
    expect(readPngText(png(rerolled)).parameters).toMatch(/, Chaos: 40$/);
  });

  it('a reroll pressed after a restart keeps the grid\'s chaos', async () => {
    const grid = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'a green square', chaos: 0, steps: 2, count: 2 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const job = await jobOf(h, grid.id);
    await h.restart();
    const rerolled = await h.discord.clickButton(grid, `r:${job.id}`).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(await jobOf(h, rerolled.id)).toMatchObject({ kind: 'reroll', parentJobId: job.id, chaos: 0 });
    expect(readPngText(png(rerolled)).parameters).toMatch(/, Chaos: 0$/);
  });

  it('the chaos option wins over the inline value; without either, nothing about chaos is recorded', async () => {
    const grid = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'a blue star --chaos 90', chaos: 5, steps: 2, count: 2 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(await jobOf(h, grid.id)).toMatchObject({ chaos: 5 });
    const plain = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'a blue star', steps: 2, count: 2 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(await jobOf(h, plain.id)).toMatchObject({ chaos: null });
    expect(readPngText(png(plain)).parameters).not.toContain('Chaos');
    expect(plain.content).not.toContain('chaos');
  });

  it('--chaos 101 is refused privately, naming the flag and its range; nothing is queued or charged', async () => {
    const before = await h.bot.store.jobs.listRecentByUser(h.discord.user.id, { limit: 100 });
    const credits = await h.bot.context.quota.balance(h.discord.guild.id, h.discord.user.id);
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a cat --chaos 101' } });
    const refusal = await h.discord.waitFor(() => (cmd.original?.content ? cmd.original : cmd.followups[0]));
    expect(refusal.flags & 64).toBe(64);
    expect(refusal.content).toContain('`chaos` (`--chaos`) must be a whole number from 0 to 100, got 101');
    expect(await h.bot.store.jobs.listRecentByUser(h.discord.user.id, { limit: 100 })).toHaveLength(before.length);
    expect(await h.bot.context.quota.balance(h.discord.guild.id, h.discord.user.id)).toEqual(credits);
  });
});
