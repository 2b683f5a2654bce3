/**
 * Results over Discord's upload limit: the real bot and model against the local server, whose
 * interactions carry a small attachment_size_limit and whose routes refuse larger uploads (413, 40005).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobOf, startHarness, type Harness } from '../support/bot-harness.ts';
import type { MessageRecord } from '../../src/sandbox/discord-server/index.ts';

/** Below the embedded model's 2x2 grids (75-95 KB as PNG), above what a WebP copy of one needs. */
const LIMIT = 40_000;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ MAX_JOBS_PER_USER: '10' }, { discord: { uploadLimitBytes: LIMIT } });
});
afterAll(async () => {
  await h?.close();
});

const resultOf = (m: MessageRecord) => m.attachments.some((a) => a.filename.startsWith('job-'));

async function expectReducedGrid(message: MessageRecord, jobId: number) {
  const [file] = message.attachments;
  expect(file.filename).toBe(`job-${jobId}.webp`);
  expect(file.size).toBeLessThanOrEqual(LIMIT);
  expect(await sharp(file.bytes).metadata()).toMatchObject({ format: 'webp', width: 256, height: 256 });
  expect(message.content).toMatch(/\nShown as a compressed copy \(WebP, \d+ KB\) to fit this server's 39 KB upload limit; the bot keeps the full PNG\.$/);
  // The full-size PNG stays in the image store, over the limit.
  const stored = await h.bot.context.jobs.getJob(jobId);
  expect(stored?.status).toBe('done');
  const png = readFileSync(path.join(h.bot.context.config.imageDir, String(jobId), 'grid.png'));
  expect(png.length).toBeGreaterThan(LIMIT);
  expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 256, height: 256 });
}

describe('results over the upload limit', () => {
  it('a grid over the interaction\'s attachment_size_limit is posted as a smaller copy that says so, and charged once', async () => {
    const member = h.discord.newMember({ username: 'big-grid' });
    const cmd = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a red circle and a blue square', steps: 2, count: 4 } });
    expect(cmd.record.payload.attachment_size_limit).toBe(LIMIT);
    const result = await cmd.waitForOriginal(resultOf, { timeoutMs: 90_000 });
    const job = await jobOf(h, result.id);
    expect(job.attachmentSizeLimit).toBe(LIMIT);
    await expectReducedGrid(result, job.id);
    const grid = await h.bot.context.jobs.getJob(job.id);
    expect(grid?.cost).toBe(4);
    expect((await h.bot.context.quota.balance(h.discord.guild.id, member.id)).available).toBe(36);
    // Nothing was refused on the way: every upload fitted.
    expect(h.discord.requests.filter((r) => r.status === 413)).toEqual([]);
  });

  it('after the interaction token, the channel post keeps to the limit the job recorded', async () => {
    await h.restart({ tokenLifetimeMs: 1 }); // every token is already too old to use: results go to the channel
    const member = h.discord.newMember({ username: 'channel-grid' });
    h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a green ring and a yellow star', steps: 2, count: 4 } });
    const posted = await h.discord.waitFor(() => h.discord.messages().find((m) => m.content.startsWith(`<@${member.id}>`) && resultOf(m)), { timeoutMs: 90_000 });
    const job = await jobOf(h, posted.id);
    await expectReducedGrid(posted, job.id);
    expect(h.discord.requests.filter((r) => r.status === 413)).toEqual([]);
  });
});
