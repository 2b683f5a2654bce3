import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasImage, jobOf, startHarness, type Harness } from '../support/bot-harness.ts';
import { TestClock } from '../support/test-clock.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the bot under Discord failures', () => {
  it('survives a 429 storm on preview edits: previews are dropped, never queued, and the result arrives', async () => {
    const clock = new TestClock();
    h = await startHarness({ PREVIEW_INTERVAL_MS: '250' }, { bot: { clock: clock.now } });
    // Every step ends a preview interval, so the bot offers a preview at each step whatever the machine's speed.
    h.engine.onEveryStep(() => clock.advance(250));
    const storm = h.discord.rateLimit({ method: 'PATCH', path: /^\/webhooks\//, count: 12, retryAfterMs: 200 });
    const held = h.engine.hold({ prompt: 'a yellow star' });
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a yellow star', steps: 30, seed: 3 } });
    // The job waits after step 1 until its preview has met the storm.
    await held.reached;
    await h.discord.waitFor(() => storm.hits > 0);
    held.release();
    const result = await cmd.waitForOriginal(hasImage);
    const patches = h.discord.requestsTo('PATCH', /^\/webhooks\//);
    const previews = patches.filter((p) => p.files.some((f) => f.filename === 'preview.png'));
    expect(previews.filter((p) => p.rateLimited).length).toBeGreaterThan(0);
    // A limited preview is dropped, not retried: no step's preview was sent twice...
    const steps = previews.map((p) => (p.body as { content: string }).content);
    expect(new Set(steps).size).toBe(steps.length);
    // ...and nothing was left queued to go out after the result.
    const resultAt = result.revisions.find((r) => r.attachments.some((a) => a.filename.startsWith('job-')))!.at;
    expect(patches.filter((p) => p.at > resultAt)).toEqual([]);
    const job = await jobOf(h, result.id);
    expect(job?.status).toBe('done');
  });

  it('continues past the interaction token lifetime in a channel message addressed to the requester', async () => {
    const clock = new TestClock();
    h = await startHarness({}, { bot: { clock: clock.now } });
    const held = h.engine.hold({ prompt: 'a purple circle' });
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a purple circle', steps: 8, seed: 9 } });
    await held.reached;
    const preview = await cmd.waitForOriginal((m) => m.attachments.some((a) => a.filename === 'preview.png'));
    const revisionsWhileAlive = preview.revisions.length;
    // Mid-job, 15 minutes pass: Discord refuses the token from now on, and the bot's clock says so too.
    cmd.expireToken();
    clock.advance(15 * 60_000);
    held.release();
    const posted = await h.discord.waitFor(() => h!.discord.messages().find((m) => !m.interactionId && hasImage(m)));
    expect(posted.content).toMatch(new RegExp(`^<@${h.discord.user.id}> `));
    expect(posted.pings.users).toEqual([h.discord.user.id]);
    expect(posted.components.length).toBe(3);
    const job = await jobOf(h, posted.id);
    expect(job).toMatchObject({ status: 'done', seed: 9 });
    // Nothing was sent with the dead token: the reply still shows the last preview made while it lived.
    expect(h.discord.requests.filter((r) => r.status === 401)).toEqual([]);
    expect(cmd.original!.revisions.length).toBe(revisionsWhileAlive);
  });

  it('keeps posting with the bot token after Discord refuses an interaction token earlier than expected (401)', async () => {
    h = await startHarness();
    const held = h.engine.hold({ prompt: 'a green circle' });
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a green circle', steps: 8, seed: 4 } });
    await held.reached;
    await cmd.waitForOriginal((m) => m.attachments.some((a) => a.filename === 'preview.png'));
    // Discord ends the token while the bot's clock still thinks it lives: the next edit gets a 401.
    cmd.expireToken();
    held.release();
    const posted = await h.discord.waitFor(() => h!.discord.messages().find((m) => !m.interactionId && hasImage(m)));
    expect(h.discord.requests.filter((r) => r.status === 401).length).toBeGreaterThan(0);
    expect(posted.content).toMatch(new RegExp(`^<@${h.discord.user.id}> `));
    expect((await jobOf(h, posted.id))?.status).toBe('done');
  });

  it('posts the result anew when the reply was deleted mid-job', async () => {
    h = await startHarness();
    const held = h.engine.hold({ prompt: 'an orange square' });
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'an orange square', steps: 8, seed: 1 } });
    await held.reached;
    const withPreview = await cmd.waitForOriginal((m) => m.attachments.some((a) => a.filename === 'preview.png'));
    h.discord.deleteMessage(withPreview.channelId, withPreview.id);
    held.release();
    const posted = await h.discord.waitFor(() => h!.discord.messages().find((m) => m.id !== withPreview.id && hasImage(m)));
    expect(posted.content).toMatch(/an orange square/);
    expect((await jobOf(h, posted.id))?.status).toBe('done');
  });

  it('keeps buttons on old results working after a restart, regenerating the source image when its file is gone', async () => {
    h = await startHarness();
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a black star', steps: 8, seed: 77 } });
    const grid = await cmd.waitForOriginal(hasImage);
    const job = (await jobOf(h, grid.id))!;
    const bot = await h.restart();
    // The image store lost the file: U3 must still start from image 3, regenerated from its seed.
    rmSync(path.join(h.config.imageDir, (await bot.store.images.get(job.id, 2))!.path));
    const up = h.discord.clickButton(grid, `u:${job.id}:2`);
    const result = await up.waitForOriginal(hasImage);
    expect(await jobOf(h, result.id)).toMatchObject({ kind: 'upscale', parentJobId: job.id, parentImageIndex: 2, seed: 79 });
    expect(h.logs.join('\n')).toMatch(/image 3 of job \d+ missing from the image store; regenerating it from seed 79/);
  });

  it('resumes queued and running jobs after a restart, each delivered exactly once and charged once', async () => {
    h = await startHarness();
    const users = [h.discord.user, h.discord.newMember({ username: 'b' }), h.discord.newMember({ username: 'c' })];
    // The first job to run stays at step 1 until the restart stops it, so one runs while two wait.
    const held = h.engine.hold({ prompt: 'a red heart' });
    const cmds = users.map((user, k) => h!.discord.slashCommand({ name: 'imagine', user, options: { prompt: `a red heart ${k}`, steps: 8, seed: 10 + k } }));
    await held.reached;
    await h.discord.waitFor(async () => (await h!.bot.store.jobs.listByStatus(['running'])).length === 1 && (await h!.bot.store.jobs.listByStatus(['queued'])).length === 2);
    const bot = await h.restart();
    expect(bot.recovered).toEqual({ resumed: 3, failed: 0 });
    const results = await Promise.all(cmds.map((c) => c.waitForOriginal(hasImage)));
    await bot.jobs.idle();
    const jobs = await Promise.all(results.map((r) => jobOf(h!, r.id)));
    expect(jobs.map((j) => j?.status)).toEqual(['done', 'done', 'done']);
    for (const job of jobs) {
      const rows = await bot.store.ledger.entriesForJob(job!.id);
      expect(rows.map((r) => r.reason).sort()).toEqual(['reserve', 'settle']);
      // One result message per job, however many times the process started.
      expect(h.discord.messages().filter((m) => hasImage(m) && m.content.includes(`Job ${job!.id} `))).toHaveLength(1);
    }
  });
});
