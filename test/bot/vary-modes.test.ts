/**
 * Vary (Strong) and Vary (Subtle) end to end: the real bot and model, discord.js against the local
 * Discord-compatible server. A single image carries both buttons; each starts a variation at its
 * configured strength, charged once; a forged one starts and charges nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonIds, buttonsOf, hasImage, jobOf, reservations, startHarness, type Harness } from '../support/bot-harness.ts';
import { readPngText } from '../../src/diffusion/png.ts';
import type { MessageRecord } from '../../src/sandbox/discord-server/index.ts';

let h: Harness;
// Strong left at its default; Subtle configured, so the configured value is the one used.
beforeAll(async () => {
  h = await startHarness({ VARY_SUBTLE_STRENGTH: '0.3', MAX_JOBS_PER_USER: '10' });
});
afterAll(async () => {
  await h?.close();
});

const EPHEMERAL = 64;

describe('Vary (Strong) and Vary (Subtle) on a single image', () => {
  let single: MessageRecord;
  let parentId: number;
  beforeAll(async () => {
    single = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'a yellow circle', seed: 3, steps: 10, count: 1 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    parentId = (await jobOf(h, single.id)).id;
  });

  it('a count:1 result shows both buttons, labelled exactly, next to Upscale / Vary / Reroll; a grid shows neither', async () => {
    expect(buttonsOf(single).map((b) => b.label).slice(0, 6)).toEqual(['🔍 Upscale', '🔀 Vary', '🔁 Reroll', 'Vary (Strong)', 'Vary (Subtle)', '🎞️']);
    expect(buttonIds(single.components)[1]).toEqual([`v:${parentId}:0:strong`, `v:${parentId}:0:subtle`, `f:${parentId}`]);
    // The reactions stay.
    await h.discord.waitFor(() => ['🔍', '🔀', '🔁'].every((e) => h.discord.reactionUsers(single, e).includes(h.discord.botUser.id)));
    const grid = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'two dots', steps: 1, count: 2 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(buttonsOf(grid).map((b) => b.label)).not.toContain('Vary (Strong)');
    expect(buttonsOf(grid).map((b) => b.label)).not.toContain('Vary (Subtle)');
  });

  for (const [label, row, strength] of [
    ['Vary (Strong)', 0, 0.75],
    ['Vary (Subtle)', 1, 0.3],
  ] as const) {
    it(`${label} starts a variation at strength ${strength} for the presser, charged once`, async () => {
      const presser = h.discord.newMember({ username: `presser-${row}` });
      const press = h.discord.clickButton(single, buttonIds(single.components)[1][row], presser);
      const result = await press.waitForOriginal(hasImage, { timeoutMs: 120_000 });
      const job = await jobOf(h, result.id);
      expect(job).toMatchObject({ kind: 'vary', userId: presser.id, parentJobId: parentId, parentImageIndex: 0, count: 1, strength, status: 'done', cost: 1 });
      expect(result.content).toContain(`(vary of job ${parentId} image 1)`);
      const png = result.attachments.find((a) => a.filename.startsWith('job-'))!;
      expect(readPngText(png.bytes).parameters).toMatch(new RegExp(`Denoising strength: ${strength}$`));
      const reserved = await reservations(h, presser);
      expect(reserved).toHaveLength(1);
      expect(reserved[0]).toMatchObject({ jobId: job.id, delta: -1 });
      // The result of a variation is a single image: it has the two buttons too.
      expect(buttonIds(result.components)[1]).toEqual([`v:${job.id}:0:strong`, `v:${job.id}:0:subtle`, `f:${job.id}`]);
    });
  }

  it('both buttons keep working after a restart: the id alone names the job, the image and the mode', async () => {
    await h.restart();
    const presser = h.discord.newMember({ username: 'after-restart' });
    const result = await h.discord.clickButton(single, `v:${parentId}:0:subtle`, presser).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(await jobOf(h, result.id)).toMatchObject({ kind: 'vary', parentJobId: parentId, strength: 0.3, userId: presser.id });
  });

  it("a forged Vary (Strong) / Vary (Subtle) naming another server's job, or no job, is refused privately, starting and charging nothing", async () => {
    const other = h.discord.addGuild({ name: 'Elsewhere' });
    const stranger = h.discord.newMember({ username: 'forger', guild: other });
    const theirs = await h.discord
      .slashCommand({ name: 'imagine', guild: other, user: stranger, options: { prompt: 'a plain square', steps: 1, count: 1 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const jobsBefore = (await h.bot.store.jobs.listRecentByUser(stranger.id, { limit: 100 })).map((j) => j.id);
    const reservedBefore = await (async () => (await h.bot.store.ledger.history(other.id, stranger.id, { limit: 100 })).filter((e) => e.reason === 'reserve'))();
    for (const [customId, jobId] of [
      [`v:${parentId}:0:strong`, parentId],
      [`v:${parentId}:0:subtle`, parentId],
      ['v:987654:0:subtle', 987654],
    ] as const) {
      const [refusal] = await h.discord.forgeButtonClick(theirs, customId, stranger).waitForFollowups(1, { timeoutMs: 30_000 });
      expect(refusal.flags & EPHEMERAL).toBe(EPHEMERAL);
      expect(refusal.content).toBe(`There is no job ${jobId} in this server, so this button cannot start anything. Nothing was queued or charged.`);
    }
    expect((await h.bot.store.jobs.listRecentByUser(stranger.id, { limit: 100 })).map((j) => j.id)).toEqual(jobsBefore);
    expect((await h.bot.store.ledger.history(other.id, stranger.id, { limit: 100 })).filter((e) => e.reason === 'reserve')).toEqual(reservedBefore);
  });
});
