/**
 * Zoom Out and Pan end to end: the real bot and model, discord.js against the local
 * Discord-compatible server. A single image carries the six buttons; each starts a job of its
 * kind and size, charged once like a variation, recorded with its parent; the buttons keep
 * working after a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonIds, buttonsOf, hasImage, jobOf, reservations, startHarness, type Harness } from '../support/bot-harness.ts';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { decodeImage } from '../../src/diffusion/png.ts';
import { meanAbsDiff } from '../support/model.ts';
import type { MessageRecord } from '../../src/sandbox/discord-server/index.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ MAX_JOBS_PER_USER: '10' });
});
afterAll(async () => {
  await h?.close();
});

const imageOf = (m: MessageRecord) => decodeImage(m.attachments.find((a) => a.filename.startsWith('job-'))!.bytes);

describe('Zoom Out and Pan on a single image', () => {
  let single: MessageRecord;
  let parentId: number;
  let parentSize: { width: number; height: number };
  beforeAll(async () => {
    single = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'a yellow circle', seed: 3, steps: 6, count: 1 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const parent = await jobOf(h, single.id);
    parentId = parent.id;
    parentSize = { width: parent.width, height: parent.height };
  });

  it('a count:1 result shows Zoom Out 2x, Zoom Out 1.5x and the four pans, labelled exactly, at most 5 to a row', async () => {
    const labels = buttonsOf(single).map((b) => b.label);
    for (const label of ['Zoom Out 2x', 'Zoom Out 1.5x', '⬅️', '➡️', '⬆️', '⬇️']) expect(labels).toContain(label);
    const rows = single.components as Array<{ components: ReturnType<typeof buttonsOf> }>;
    expect(rows.length).toBeLessThanOrEqual(5);
    for (const r of rows) expect(r.components.length).toBeLessThanOrEqual(5);
    const ids = buttonIds(single.components).flat();
    expect(ids).toEqual(expect.arrayContaining([`z:${parentId}:0:2`, `z:${parentId}:0:1.5`, `p:${parentId}:0:left`, `p:${parentId}:0:right`, `p:${parentId}:0:up`, `p:${parentId}:0:down`]));
    const grid = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'two dots', steps: 1, count: 2 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(buttonsOf(grid).map((b) => b.label)).not.toContain('Zoom Out 2x');
    expect(buttonsOf(grid).map((b) => b.label)).not.toContain('➡️');
  });

  it('Zoom Out 2x makes a zoom job of the same size for the presser, with its parent, charged once', async () => {
    const presser = h.discord.newMember({ username: 'zoomer' });
    const result = await h.discord.clickButton(single, `z:${parentId}:0:2`, presser).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const job = await jobOf(h, result.id);
    expect(job).toMatchObject({ kind: 'zoom', canvas: 'zoom:2', userId: presser.id, parentJobId: parentId, parentImageIndex: 0, count: 1, ...parentSize, status: 'done', cost: 1 });
    expect(result.content).toContain(`(zoom of job ${parentId} image 1)`);
    const img = await imageOf(result);
    expect([img.width, img.height]).toEqual([parentSize.width, parentSize.height]);
    const reserved = await reservations(h, presser);
    expect(reserved).toHaveLength(1);
    expect(reserved[0]).toMatchObject({ jobId: job.id, delta: -1 });
    // Its result is a single image, so it can be zoomed again.
    expect(buttonsOf(result).map((b) => b.label)).toContain('Zoom Out 2x');
  });

  it('➡️ makes a pan job half as wide again, charged once', async () => {
    const presser = h.discord.newMember({ username: 'panner' });
    const result = await h.discord.clickButton(single, `p:${parentId}:0:right`, presser).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const job = await jobOf(h, result.id);
    const width = parentSize.width + parentSize.width / 2;
    expect(job).toMatchObject({ kind: 'pan', canvas: 'pan:right', userId: presser.id, parentJobId: parentId, parentImageIndex: 0, width, height: parentSize.height, status: 'done', cost: 1 });
    const img = await imageOf(result);
    expect([img.width, img.height]).toEqual([width, parentSize.height]);
    const reserved = await reservations(h, presser);
    expect(reserved).toHaveLength(1);
    expect(reserved[0]).toMatchObject({ jobId: job.id, delta: -1 });
  });

  it('a pan past the largest size the model allows is refused naming the size, queuing and charging nothing', async () => {
    const presser = h.discord.newMember({ username: 'wide' });
    // Two pans right: 1.5x, then 2.25x the width, beyond the model's 2x native limit.
    const once = await h.discord.clickButton(single, `p:${parentId}:0:right`, presser).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const wide = await jobOf(h, once.id);
    const before = (await reservations(h, presser)).length;
    const jobsBefore = (await h.bot.store.jobs.listRecentByUser(presser.id, { limit: 100 })).length;
    const [refusal] = await h.discord.clickButton(once, `p:${wide.id}:0:right`, presser).waitForFollowups(1, { timeoutMs: 60_000 });
    expect(refusal.flags & 64).toBe(64);
    expect(refusal.content).toMatch(new RegExp(`would make (\\d+)x${wide.height}, which .* cannot: size \\1x${wide.height} is not allowed: width and height must be multiples of \\d+ from \\d+ to \\d+`));
    expect(refusal.content).toContain('Nothing was queued or charged.');
    expect(await reservations(h, presser)).toHaveLength(before);
    expect((await h.bot.store.jobs.listRecentByUser(presser.id, { limit: 100 })).length).toBe(jobsBefore);
  });

  it('the buttons keep working after a restart: the id alone names the job, the image and the action', async () => {
    await h.restart();
    const presser = h.discord.newMember({ username: 'after-restart' });
    const result = await h.discord.clickButton(single, `p:${parentId}:0:down`, presser).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(await jobOf(h, result.id)).toMatchObject({ kind: 'pan', canvas: 'pan:down', parentJobId: parentId, height: parentSize.height + parentSize.height / 2 });
  });

  it('a pan of a zoom whose file is gone regenerates the zoom from its own parent, giving the same picture', async () => {
    const presser = h.discord.newMember({ username: 'chain' });
    const zoomed = await h.discord.clickButton(single, `z:${parentId}:0:1.5`, presser).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const zoomJob = await jobOf(h, zoomed.id);
    const before = await imageOf(await h.discord.clickButton(zoomed, `p:${zoomJob.id}:0:up`, presser).waitForOriginal(hasImage, { timeoutMs: 120_000 }));
    rmSync(path.join(h.config.imageDir, (await h.bot.store.images.get(zoomJob.id, 0))!.path));
    const after = await imageOf(await h.discord.clickButton(zoomed, `p:${zoomJob.id}:0:up`, presser).waitForOriginal(hasImage, { timeoutMs: 120_000 }));
    expect(h.logs.join('\n')).toContain(`image 1 of job ${zoomJob.id} missing from the image store; regenerating it`);
    expect([after.width, after.height]).toEqual([before.width, before.height]);
    expect(meanAbsDiff(after, before)).toBeLessThan(0.5);
  });
});
