/**
 * The 🎞️ button end to end: the real bot and model, discord.js against the local Discord-compatible
 * server. It posts the reverse process of that job as an animated WebP (one frame per step, then
 * the picture), made again from the stored seed, charged one credit, recorded with its parent, and
 * works after a restart.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonIds, buttonsOf, hasImage, jobOf, reservations, startHarness, type Harness } from '../support/bot-harness.ts';
import type { MessageRecord } from '../../src/sandbox/discord-server/index.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ MAX_JOBS_PER_USER: '10' });
});
afterAll(async () => {
  await h?.close();
});

const EPHEMERAL = 64;
/** The job's attachment: a film's WebP, or a picture's PNG. */
const filmOf = (m: MessageRecord) => m.attachments.find((a) => a.filename.startsWith('job-'))!;

describe('🎞️ posts the reverse process of a result', () => {
  let single: MessageRecord;
  let grid: MessageRecord;
  let singleId: number;
  let gridId: number;
  beforeAll(async () => {
    single = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'a yellow circle', seed: 3, steps: 5, count: 1 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    singleId = (await jobOf(h, single.id)).id;
    grid = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'two blue dots', seed: 9, steps: 4, count: 2 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    gridId = (await jobOf(h, grid.id)).id;
  });

  it('a single image and a grid both carry 🎞️, within five buttons a row', () => {
    expect(buttonIds(single.components)[1]).toEqual([`v:${singleId}:0:strong`, `v:${singleId}:0:subtle`, `f:${singleId}`]);
    expect(buttonIds(grid.components).at(-1)).toEqual([`r:${gridId}`, `f:${gridId}`]);
    expect(buttonsOf(grid).filter((b) => b.label === '🎞️')).toHaveLength(1);
    for (const row of [...buttonIds(single.components), ...buttonIds(grid.components)]) expect(row.length).toBeLessThanOrEqual(5);
  });

  it('pressing it posts an animated WebP with one frame per step plus the picture, charged one credit to the presser, recorded with its parent', async () => {
    const presser = h.discord.newMember({ username: 'film-fan' });
    const result = await h.discord.clickButton(single, `f:${singleId}`, presser).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const job = await jobOf(h, result.id);
    expect(job).toMatchObject({ kind: 'film', userId: presser.id, parentJobId: singleId, seed: 3, steps: 5, count: 1, status: 'done', cost: 1 });
    expect(result.content).toContain(`(film of job ${singleId})`);
    const file = filmOf(result);
    expect(file.filename).toBe(`job-${job.id}.webp`);
    const meta = await sharp(file.bytes).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.pages).toBe(5 + 1);
    expect(meta.delay!.at(-1)).toBeGreaterThan(meta.delay![0]);
    // The film is a finished thing: nothing to press under it.
    expect(result.components).toEqual([]);
    const reserved = await reservations(h, presser);
    expect(reserved).toHaveLength(1);
    expect(reserved[0]).toMatchObject({ jobId: job.id, delta: -1 });
  });

  it('the film of a grid shows all its pictures and costs one credit, not one per picture', async () => {
    const presser = h.discord.newMember({ username: 'grid-film' });
    const result = await h.discord.clickButton(grid, `f:${gridId}`, presser).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const job = await jobOf(h, result.id);
    expect(job).toMatchObject({ kind: 'film', parentJobId: gridId, count: 2, cost: 1 });
    const meta = await sharp(filmOf(result).bytes).metadata();
    expect(meta.pages).toBe(4 + 1);
    // The last frame is the grid the member saw, as posted.
    const posted = await sharp(filmOf(grid).bytes).metadata();
    expect(meta.width! / (meta.pageHeight ?? meta.height!)).toBeCloseTo(posted.width! / posted.height!, 2);
    expect((await reservations(h, presser)).map((e) => e.delta)).toEqual([-1]);
  });

  it('/show of a film re-posts the animated WebP, without buttons', async () => {
    const presser = h.discord.newMember({ username: 'shower' });
    const film = await h.discord.clickButton(single, `f:${singleId}`, presser).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const filmJob = await jobOf(h, film.id);
    const shown = await h.discord.slashCommand({ name: 'show', user: presser, options: { job: filmJob.id } }).waitForOriginal(hasImage, { timeoutMs: 60_000 });
    expect(filmOf(shown).filename).toBe(`job-${filmJob.id}.webp`);
    expect((await sharp(filmOf(shown).bytes).metadata()).pages).toBe(6);
    expect(shown.components).toEqual([]);
  });

  it('keeps working after a restart: the id alone names the job', async () => {
    await h.restart();
    const presser = h.discord.newMember({ username: 'after-restart' });
    const result = await h.discord.clickButton(single, `f:${singleId}`, presser).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(await jobOf(h, result.id)).toMatchObject({ kind: 'film', parentJobId: singleId, userId: presser.id });
    expect((await sharp(filmOf(result).bytes).metadata()).pages).toBe(6);
  });

  it("a forged 🎞️ naming a film, or another server's job, is refused privately, starting and charging nothing", async () => {
    const presser = h.discord.newMember({ username: 'forger' });
    const film = await h.discord.clickButton(single, `f:${singleId}`, presser).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const filmJob = await jobOf(h, film.id);
    const before = (await reservations(h, presser)).length;
    const [refusal] = await h.discord.forgeButtonClick(single, `f:${filmJob.id}`, presser).waitForFollowups(1, { timeoutMs: 30_000 });
    expect(refusal.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(refusal.content).toContain(`job ${filmJob.id} is a film of job ${singleId}`);
    const [missing] = await h.discord.forgeButtonClick(single, 'f:987654', presser).waitForFollowups(1, { timeoutMs: 30_000 });
    expect(missing.content).toBe('There is no job 987654 in this server, so this button cannot start anything. Nothing was queued or charged.');
    expect(await reservations(h, presser)).toHaveLength(before);
  });

  it('/diffuse job: index: posts the forward process of that picture, 20 frames ending in noise, charged one credit, recorded with its parent', async () => {
    const member = h.discord.newMember({ username: 'diffuser' });
    const result = await h.discord.slashCommand({ name: 'diffuse', user: member, options: { job: gridId, index: 2 } }).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const job = await jobOf(h, result.id);
    expect(job).toMatchObject({ kind: 'diffuse', userId: member.id, parentJobId: gridId, parentImageIndex: 1, seed: 10, count: 1, status: 'done', cost: 1 });
    expect(result.content).toContain(`(diffuse of job ${gridId} image 2)`);
    expect(result.components).toEqual([]);
    const meta = await sharp(filmOf(result).bytes).metadata();
    expect(filmOf(result).filename).toBe(`job-${job.id}.webp`);
    expect(meta.pages).toBe(20);
    expect(meta.delay!.at(-1)).toBeGreaterThan(meta.delay![0]);
    expect((await reservations(h, member)).map((e) => e.delta)).toEqual([-1]);
  });

  it('/diffuse of a missing job, a missing picture or a film is refused privately, starting and charging nothing', async () => {
    const member = h.discord.newMember({ username: 'bad-diffuser' });
    const film = await h.discord.clickButton(single, `f:${singleId}`, member).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const filmJob = await jobOf(h, film.id);
    const before = (await reservations(h, member)).length;
    for (const [options, message] of [
      [{ job: 987654 }, /^There is no job 987654 in this server/],
      [{ job: singleId, index: 3 }, new RegExp(`job ${singleId} has 1 image; there is no image 3`)],
      [{ job: filmJob.id }, new RegExp(`job ${filmJob.id} is a film of job ${singleId}`)],
    ] as const) {
      const [refusal] = await h.discord.slashCommand({ name: 'diffuse', user: member, options }).waitForFollowups(1, { timeoutMs: 30_000 });
      expect(refusal.flags & EPHEMERAL).toBe(EPHEMERAL);
      expect(refusal.content).toMatch(message);
    }
    expect(await reservations(h, member)).toHaveLength(before);
  });
});
