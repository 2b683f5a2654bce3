// Jobs and their images on SQLite: creation, status changes with timings, history, the
// messages a job's progress lives in, and what a restart finds.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { ALICE, BOB, GUILD, OTHER_GUILD, TestClock, newJob, tempSqliteUrl } from './fixtures.ts';

let store: Store;
let clock: TestClock;
let url: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  const db = await tempSqliteUrl();
  url = db.url;
  cleanup = db.cleanup;
  clock = new TestClock(new Date('2025-03-01T12:00:00Z'));
  store = await openStore(url, { now: clock.now });
});
afterEach(async () => {
  await store.close();
  await cleanup();
});

describe('jobs', () => {
  it('creates a queued job with every parameter, its guild and its user', async () => {
    const job = await store.jobs.create(newJob({ strength: 0.6, kind: 'reroll', parentJobId: null }));
    expect(job).toMatchObject({
      kind: 'reroll',
      status: 'queued',
      guildId: GUILD,
      userId: ALICE,
      prompt: 'a lighthouse at dusk',
      negativePrompt: 'blurry',
      steps: 20,
      guidance: 7.5,
      sampler: 'euler-a',
      width: 512,
      height: 512,
      count: 4,
      seed: 4_000_000_000,
      strength: 0.6,
      model: 'tiny-shapes',
      cost: 1,
      createdAt: new Date('2025-03-01T12:00:00Z'),
      startedAt: null,
      finishedAt: null,
      interactionToken: 'token-abc',
      tokenExpiresAt: new Date('2025-03-01T12:15:00Z'),
    });
    expect(await store.jobs.get(job.id)).toEqual(job);
    expect(await store.users.get(ALICE)).toMatchObject({ name: 'alice' });
    expect(await store.guilds.get(GUILD)).toMatchObject({ paused: false });
  });

  it('numbers jobs with small increasing integers that members can type', async () => {
    const first = await store.jobs.create(newJob());
    const second = await store.jobs.create(newJob({ userId: BOB, guildId: OTHER_GUILD }));
    expect(first.id).toBe(1);
    expect(second.id).toBe(2);
  });

  it('records start, finish and duration as a job runs to completion', async () => {
    const job = await store.jobs.create(newJob());
    clock.advance(2_000);
    const running = await store.jobs.markRunning(job.id);
    expect(running).toMatchObject({ ok: true, job: { status: 'running', startedAt: new Date('2025-03-01T12:00:02Z') } });
    clock.advance(7_250);
    const done = await store.jobs.markDone(job.id);
    expect(done).toMatchObject({
      ok: true,
      job: { status: 'done', finishedAt: new Date('2025-03-01T12:00:09.250Z'), durationMs: 7_250, error: null },
    });
  });

  it('refuses a status change from the wrong status and shows where the job is', async () => {
    const job = await store.jobs.create(newJob());
    expect(await store.jobs.markDone(job.id)).toMatchObject({ ok: false, job: { id: job.id, status: 'queued' } });
    await store.jobs.markRunning(job.id);
    expect(await store.jobs.markRunning(job.id)).toMatchObject({ ok: false, job: { status: 'running' } });
    await store.jobs.markDone(job.id);
    expect(await store.jobs.markCancelled(job.id, 'too late')).toMatchObject({ ok: false, job: { status: 'done' } });
    expect(await store.jobs.markFailed(job.id, 'too late')).toMatchObject({ ok: false, job: { status: 'done' } });
    expect(await store.jobs.markRunning(424_242)).toEqual({ ok: false, job: null });
  });

  it('records a generated job as such until its result is delivered, and only a delivery makes it done', async () => {
    const job = await store.jobs.create(newJob());
    await store.jobs.markRunning(job.id);
    clock.advance(3_000);
    expect(await store.jobs.markGenerated(job.id)).toMatchObject({ ok: true, job: { status: 'generated', durationMs: 3_000 } });
    expect((await store.jobs.listByStatus(['generated'])).map((j) => j.id)).toEqual([job.id]);
    // Past the engine, nobody can cancel it; it can still fail to be posted.
    expect(await store.jobs.markCancelled(job.id, 'too late')).toMatchObject({ ok: false, job: { status: 'generated' } });
    expect(await store.jobs.countUnfinished({ guildId: GUILD })).toBe(1);
    clock.advance(60_000);
    expect(await store.jobs.markDelivered(job.id, '700000000000000009')).toMatchObject({
      ok: true,
      job: { status: 'done', resultMessageId: '700000000000000009', durationMs: 3_000 },
    });
    expect(await store.jobs.markDelivered(job.id)).toMatchObject({ ok: false, job: { status: 'done' } });
    const refused = await store.jobs.create(newJob());
    await store.jobs.markRunning(refused.id);
    await store.jobs.markGenerated(refused.id);
    expect(await store.jobs.markFailed(refused.id, 'Missing Permissions')).toMatchObject({ ok: true, job: { status: 'failed' } });
  });

  it('keeps the reason of a failure or a cancellation, with the time it took', async () => {
    const failed = await store.jobs.create(newJob());
    await store.jobs.markRunning(failed.id);
    clock.advance(500);
    expect(await store.jobs.markFailed(failed.id, 'out of memory')).toMatchObject({
      ok: true,
      job: { status: 'failed', error: 'out of memory', durationMs: 500 },
    });
    const cancelled = await store.jobs.create(newJob());
    expect(await store.jobs.markCancelled(cancelled.id, `cancelled by moderator ${BOB}`)).toMatchObject({
      ok: true,
      job: { status: 'cancelled', error: `cancelled by moderator ${BOB}`, startedAt: null, durationMs: null },
    });
  });

  it('lets exactly one of a finish and a cancellation arriving together win', async () => {
    const job = await store.jobs.create(newJob());
    await store.jobs.markRunning(job.id);
    const [done, cancelled] = await Promise.all([store.jobs.markDone(job.id), store.jobs.markCancelled(job.id, 'mod')]);
    expect([done.ok, cancelled.ok].filter(Boolean)).toHaveLength(1);
    const final = await store.jobs.get(job.id);
    expect(final?.status).toBe(done.ok ? 'done' : 'cancelled');
  });

  it("lists a member's recent jobs newest first, optionally in one guild, up to a limit", async () => {
    for (const guildId of [GUILD, OTHER_GUILD, GUILD, GUILD]) {
      await store.jobs.create(newJob({ guildId }));
      clock.advance(1_000);
    }
    await store.jobs.create(newJob({ userId: BOB }));
    expect((await store.jobs.listRecentByUser(ALICE)).map((job) => job.id)).toEqual([4, 3, 2, 1]);
    expect((await store.jobs.listRecentByUser(ALICE, { guildId: GUILD, limit: 2 })).map((job) => job.id)).toEqual([4, 3]);
    expect((await store.jobs.listRecentByUser(BOB)).map((job) => job.id)).toEqual([5]);
  });

  it('counts the jobs waiting or running per guild and per member, for queue limits', async () => {
    const a = await store.jobs.create(newJob());
    await store.jobs.create(newJob());
    await store.jobs.create(newJob({ userId: BOB }));
    await store.jobs.create(newJob({ guildId: OTHER_GUILD }));
    await store.jobs.markRunning(a.id);
    expect(await store.jobs.countUnfinished({ guildId: GUILD })).toBe(3);
    expect(await store.jobs.countUnfinished({ guildId: GUILD, userId: ALICE })).toBe(2);
    await store.jobs.markDone(a.id);
    expect(await store.jobs.countUnfinished({ guildId: GUILD, userId: ALICE })).toBe(1);
  });

  it('finds the queued and running jobs after a restart, oldest first, with what is needed to resume them', async () => {
    const running = await store.jobs.create(newJob());
    const queued = await store.jobs.create(newJob({ guildId: OTHER_GUILD }));
    const done = await store.jobs.create(newJob());
    await store.jobs.markRunning(running.id);
    await store.jobs.setMessages(running.id, { replyMessageId: '700000000000000001' });
    await store.jobs.markRunning(done.id);
    await store.jobs.markDone(done.id);
    await store.close();

    store = await openStore(url, { now: clock.now });
    const unfinished = await store.jobs.listByStatus(['queued', 'running']);
    expect(unfinished.map((job) => [job.id, job.status])).toEqual([
      [running.id, 'running'],
      [queued.id, 'queued'],
    ]);
    expect(unfinished[0]).toMatchObject({
      interactionToken: 'token-abc',
      tokenExpiresAt: new Date('2025-03-01T12:15:00Z'),
      replyMessageId: '700000000000000001',
    });
    expect((await store.jobs.listByStatus(['queued'], { guildId: OTHER_GUILD })).map((job) => job.id)).toEqual([queued.id]);

    expect(await store.jobs.requeue(running.id)).toMatchObject({ ok: true, job: { status: 'queued', startedAt: null } });
    expect(await store.jobs.requeue(queued.id)).toMatchObject({ ok: false, job: { status: 'queued' } });
  });

  it('records where the messages of a job are and forgets an expired token', async () => {
    const job = await store.jobs.create(newJob());
    await store.jobs.setMessages(job.id, { replyMessageId: '700000000000000001', resultMessageId: '700000000000000002' });
    const updated = await store.jobs.setMessages(job.id, {
      interactionToken: null,
      tokenExpiresAt: null,
      fallbackMessageId: '700000000000000003',
    });
    expect(updated).toMatchObject({
      replyMessageId: '700000000000000001',
      resultMessageId: '700000000000000002',
      fallbackMessageId: '700000000000000003',
      interactionToken: null,
      tokenExpiresAt: null,
    });
    await expect(store.jobs.setMessages(999, { replyMessageId: '1' })).rejects.toThrow(
      'expected job 999 to exist to record its messages',
    );
  });

  it('finds the job behind a result message', async () => {
    const job = await store.jobs.create(newJob());
    await store.jobs.setMessages(job.id, { resultMessageId: '700000000000000042' });
    expect((await store.jobs.findByResultMessage('700000000000000042'))?.id).toBe(job.id);
    expect(await store.jobs.findByResultMessage('700000000000000043')).toBeNull();
  });

  it('discards a refused job that was never charged, and nothing that went further', async () => {
    const refused = await store.jobs.create(newJob());
    expect(await store.jobs.discard(refused.id)).toBe(true);
    expect(await store.jobs.get(refused.id)).toBeNull();

    const charged = await store.jobs.create(newJob());
    const member = { guildId: GUILD, userId: ALICE, periodStart: new Date(0), defaultAllowance: 3 };
    await store.ledger.reserve({ ...member, jobId: charged.id, amount: 1 });
    expect(await store.jobs.discard(charged.id)).toBe(false);
    const started = await store.jobs.create(newJob());
    await store.jobs.markRunning(started.id);
    expect(await store.jobs.discard(started.id)).toBe(false);
    expect((await store.jobs.listRecentByUser(ALICE)).map((job) => job.id)).toEqual([started.id, charged.id]);
  });

  it('links upscales and variations to the grid image they start from', async () => {
    const grid = await store.jobs.create(newJob());
    const upscale = await store.jobs.create(
      newJob({ kind: 'upscale', parentJobId: grid.id, parentImageIndex: 2, count: 1, strength: 0.3 }),
    );
    expect(await store.jobs.get(upscale.id)).toMatchObject({ kind: 'upscale', parentJobId: grid.id, parentImageIndex: 2 });
    await expect(store.jobs.create(newJob({ kind: 'vary', parentJobId: grid.id }))).rejects.toThrow(
      `expected a vary job to name its parent job and image, got parentJobId ${grid.id} and parentImageIndex undefined`,
    );
    await expect(store.jobs.create(newJob({ kind: 'paint' as never }))).rejects.toThrow(
      'expected job kind to be one of imagine, upscale, vary, reroll, zoom, pan, film, diffuse, got "paint"',
    );
    await expect(store.jobs.create(newJob({ steps: 0 }))).rejects.toThrow('expected job steps to be a whole number > 0, got 0');
  });

  it('keeps what a zoom or pan job did (its canvas) with its parent image, and refuses a canvas that does not fit the kind', async () => {
    const grid = await store.jobs.create(newJob({ count: 1 }));
    const pan = await store.jobs.create(newJob({ kind: 'pan', canvas: 'pan:left', parentJobId: grid.id, parentImageIndex: 0, count: 1, width: 192 }));
    expect(await store.jobs.get(pan.id)).toMatchObject({ kind: 'pan', canvas: 'pan:left', parentJobId: grid.id, parentImageIndex: 0, width: 192 });
    await expect(store.jobs.create(newJob({ kind: 'zoom', parentJobId: grid.id, parentImageIndex: 0 }))).rejects.toThrow(
      'expected a canvas (zoom:2, zoom:1.5, pan:left, pan:right, pan:up, pan:down) on zoom and pan jobs only, got undefined on a zoom job',
    );
    await expect(store.jobs.create(newJob({ kind: 'zoom', canvas: 'pan:up', parentJobId: grid.id, parentImageIndex: 0 }))).rejects.toThrow('expected a zoom canvas, got pan:up');
    await expect(store.jobs.create(newJob({ kind: 'zoom', canvas: 'zoom:3' as never, parentJobId: grid.id, parentImageIndex: 0 }))).rejects.toThrow('zoom:3');
  });

  it('keeps the uploaded picture a diffuse job starts from, with no parent, and refuses one on any other job', async () => {
    const film = await store.jobs.create(newJob({ kind: 'diffuse', inputPath: 'uploads/1300000000000000001.png', count: 1 }));
    expect(await store.jobs.get(film.id)).toMatchObject({ kind: 'diffuse', inputPath: 'uploads/1300000000000000001.png', parentJobId: null, parentImageIndex: null });
    expect((await store.jobs.create(newJob())).inputPath).toBeNull();
    await expect(store.jobs.create(newJob({ kind: 'imagine', inputPath: 'uploads/1.png' }))).rejects.toThrow('expected an uploaded picture on a diffuse job without a parent only, got one on a job of kind imagine');
    await expect(store.jobs.create(newJob({ kind: 'diffuse', inputPath: 'uploads/1.png', parentJobId: film.id, parentImageIndex: 0 }))).rejects.toThrow(`with parent ${film.id}`);
    await expect(store.jobs.create(newJob({ kind: 'diffuse' }))).rejects.toThrow('expected a diffuse job to name its parent job and image');
  });
});

describe('images', () => {
  it('keeps the images of a job by grid position and lists them in order', async () => {
    const job = await store.jobs.create(newJob());
    for (const index of [2, 0, 3, 1]) {
      await store.images.save(job.id, { index, seed: 4_000_000_000 + index, path: `images/${job.id}/${index}.png`, width: 512, height: 512 });
    }
    const images = await store.images.listByJob(job.id);
    expect(images.map((image) => image.index)).toEqual([0, 1, 2, 3]);
    expect(images[3]).toMatchObject({ jobId: job.id, seed: 4_000_000_003, path: `images/${job.id}/3.png`, width: 512 });
    expect(await store.images.get(job.id, 1)).toMatchObject({ path: `images/${job.id}/1.png` });
    expect(await store.images.get(job.id, 7)).toBeNull();
  });

  it('saves an image again at the same position by replacing it, as a job resumed after a crash does', async () => {
    const job = await store.jobs.create(newJob());
    await store.images.save(job.id, { index: 0, seed: 1, path: 'a.png', width: 64, height: 64 });
    clock.advance(1_000);
    await store.images.save(job.id, { index: 0, seed: 1, path: `${job.id}/0.png`, width: 64, height: 64 });
    expect(await store.images.listByJob(job.id)).toEqual([
      expect.objectContaining({ index: 0, path: `${job.id}/0.png`, createdAt: new Date('2025-03-01T12:00:01Z') }),
    ]);
    await expect(store.images.save(9_999, { index: 0, seed: 1, path: 'a.png', width: 64, height: 64 })).rejects.toThrow(
      'expected to save image 0 of job 9999',
    );
  });
});
