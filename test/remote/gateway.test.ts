/**
 * The gateway (the real bot with REDIS_URL, in this process) and two workers (startWorker, each
 * with the real model behind an engine gate) on a throwaway Redis: members see exactly what the
 * single process shows (live previews, U/V buttons, reactions, /cancel), moderators see the workers.
 * Process deaths are tested in scale-out.test.ts with separate processes.
 */
import { PermissionFlagsBits } from 'discord.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../../src/remote/worker.ts';
import { ModelRegistry } from '../../src/services/model-registry.ts';
import { buttonIds, hasImage, jobOf, reservations, startHarness, type Harness } from '../support/bot-harness.ts';
import { EngineGate } from '../support/engine-gate.ts';
import { embeddedPipeline } from '../support/model.ts';
import { redisRequirement, startRedis, type RedisServer } from '../support/redis.ts';

const needs = redisRequirement();
const LONG = { timeoutMs: 90_000 };

describe.skipIf(needs.missing)(`a gateway with two workers ${needs.title}`, () => {
  let redis: RedisServer;
  let h: Harness;
  const gates: EngineGate[] = [];
  const workers: RunningWorker[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const pipeline = await embeddedPipeline();
    for (const name of ['w1', 'w2']) {
      const gate = new EngineGate(pipeline);
      gates.push(gate);
      const models = new ModelRegistry({ models: [{ name: 'tiny-shapes', dir: pipeline.info.dir }], defaultName: 'tiny-shapes', load: async () => gate.pipeline, unload: async () => undefined });
      workers.push(await startWorker({ redisUrl: redis.url, prefix: 'gw', name, models, lockMs: 5000, log: () => undefined }));
    }
    h = await startHarness({ REDIS_URL: redis.url, REDIS_PREFIX: 'gw', PREVIEW_INTERVAL_MS: '250' }, { bot: { workerPollMs: 50 } });
    await h.discord.waitFor(() => h.bot.context.inferenceStatus().mode === 'workers' && (h.bot.context.inferenceStatus() as { workers: readonly unknown[] }).workers.length === 2);
  });
  afterAll(async () => {
    await h?.close();
    for (const w of workers) await w.stop();
    await redis?.stop();
  });

  /** Holds the next job whose prompt has `prompt`, on whichever worker takes it. */
  function hold(prompt: string, step = 1) {
    const holds = gates.map((g) => g.hold({ prompt, step }));
    return { reached: Promise.race(holds.map((x) => x.reached)), release: () => holds.forEach((x) => x.release()) };
  }

  it('shows live previews while a worker makes the picture, then the grid with U and V buttons, charged once', async () => {
    const held = hold('a red circle', 2);
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a red circle', seed: 42, steps: 8, count: 4 } });
    await held.reached;
    const preview = await cmd.waitForOriginal((m) => m.attachments.some((a) => a.filename === 'preview.png'), LONG);
    expect(preview.content).toMatch(/^Step \d\/8$/);
    held.release();
    const grid = await cmd.waitForOriginal(hasImage, LONG);
    expect(grid.content).toMatch(/tiny-shapes · seeds 42–45 · 8 steps/);
    const job = await jobOf(h, grid.id);
    expect(job).toMatchObject({ status: 'done', count: 4 });
    expect(await reservations(h, h.discord.user)).toHaveLength(1);

    const [u, v] = buttonIds(grid.components);
    const upscale = await h.discord.clickButton(grid, u[0]).waitForOriginal(hasImage, LONG);
    expect(await jobOf(h, upscale.id)).toMatchObject({ kind: 'upscale', parentJobId: job!.id, status: 'done' });
    const variation = await h.discord.clickButton(grid, v[1]).waitForOriginal(hasImage, LONG);
    expect(await jobOf(h, variation.id)).toMatchObject({ kind: 'vary', parentJobId: job!.id, parentImageIndex: 1, status: 'done' });
    expect(await reservations(h, h.discord.user)).toHaveLength(3);
  });

  it('starts a reroll from a 🔁 reaction on a single image, made by a worker', async () => {
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a single star', steps: 3, count: 1 } });
    const single = await cmd.waitForOriginal(hasImage, LONG);
    await h.discord.waitFor(() => h.discord.reactionUsers(single, '🔁').includes(h.discord.botUser.id), LONG);
    const before = workers.reduce((n, w) => n + w.done, 0);
    h.discord.react(single, '🔁', h.discord.user);
    const rerolled = await h.discord.waitFor(() => h.discord.messages().find((m) => m.id !== single.id && hasImage(m) && m.content.includes('reroll')), LONG);
    expect(await jobOf(h, rerolled.id)).toMatchObject({ kind: 'reroll', status: 'done' });
    expect(workers.reduce((n, w) => n + w.done, 0)).toBe(before + 1);
  });

  it('/cancel stops the job on its worker: refunded, and the worker takes the next job', async () => {
    const member = h.discord.newMember({ username: 'canceller' });
    const held = hold('a cancelled square', 1);
    const cmd = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a cancelled square', steps: 6, count: 1 } });
    await held.reached;
    const admin = h.discord.newMember({ username: 'admin', permissions: PermissionFlagsBits.ManageGuild });
    // The worker's sign of life says it is busy within one read of the directory.
    await h.discord.waitFor(() => {
      const status = h.bot.context.inferenceStatus();
      return status.mode === 'workers' && status.workers.some((w) => w.job !== null);
    });
    const listed = await h.discord.slashCommand({ name: 'mod', subcommand: 'workers', user: admin }).waitForOriginal((m) => m.content.length > 0);
    expect(listed.content).toMatch(/\*\*Workers\*\* \(2 alive, 1 busy\)/);
    expect(listed.content).toMatch(/running job \d+/);
    const done = workers.reduce((n, w) => n + w.done, 0);
    const cancel = h.discord.slashCommand({ name: 'cancel', user: member });
    const reply = cancel.waitForOriginal((m) => m.content.length > 0, LONG);
    held.release();
    expect((await reply).content).toMatch(/^Cancelled job \d+/);
    await cmd.waitForOriginal((m) => /cancel/i.test(m.content), LONG);
    expect(workers.reduce((n, w) => n + w.done, 0)).toBe(done);
    const ledger = await h.bot.store.ledger.history(h.discord.guild.id, member.id, { limit: 10 });
    expect(ledger.reduce((s, e) => s + e.delta, 0)).toBe(0);
    const next = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'after the cancel', steps: 2, count: 1 } });
    await next.waitForOriginal(hasImage, LONG);
  });

  it('/diffuse image: sends the uploaded picture to a worker, and the film comes back', async () => {
    const bytes = await sharp({ create: { width: 192, height: 128, channels: 3, background: { r: 200, g: 40, b: 40 } } }).png().toBuffer();
    const before = workers.reduce((n, w) => n + w.done, 0);
    const cmd = h.discord.slashCommand({ name: 'diffuse', options: { image: { filename: 'red.png', bytes } } });
    const result = await cmd.waitForOriginal(hasImage, LONG);
    const film = result.attachments.find((a) => a.filename.endsWith('.webp'))!;
    expect((await sharp(film.bytes, { pages: -1 }).metadata()).pages).toBe(20);
    expect(workers.reduce((n, w) => n + w.done, 0)).toBe(before + 1);
  });

  it('/info says the workers serve the model', async () => {
    const info = await h.discord.slashCommand({ name: 'info' }).waitForOriginal((m) => m.content.length > 0);
    expect(info.content).toContain('**Workers** 2 alive');
    expect(info.content).toMatch(/\*\*tiny-shapes\*\* · served by w1, w2/);
  });
});

describe.skipIf(needs.missing)(`a gateway with a GPU of its own (INFERENCE_SLOTS=1) ${needs.title}`, () => {
  it('runs jobs on its own worker when no other worker is up, and /mod workers lists it', async () => {
    const redis = await startRedis();
    const h = await startHarness({ REDIS_URL: redis.url, REDIS_PREFIX: 'own', INFERENCE_SLOTS: '1', ORT_THREADS: '1' }, { bot: { workerPollMs: 50 } });
    try {
      const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'made at the gateway', steps: 2, count: 1 } });
      const result = await cmd.waitForOriginal(hasImage, LONG);
      expect(await jobOf(h, result.id)).toMatchObject({ status: 'done' });
      const admin = h.discord.newMember({ username: 'admin', permissions: PermissionFlagsBits.ManageGuild });
      // Its sign of life counts the job within one read of the directory.
      await h.discord.waitFor(() => {
        const status = h.bot.context.inferenceStatus();
        return status.mode === 'workers' && status.workers[0]?.done === 1;
      });
      const listed = await h.discord.slashCommand({ name: 'mod', subcommand: 'workers', user: admin }).waitForOriginal((m) => m.content.length > 0);
      expect(listed.content).toMatch(/\*\*Workers\*\* \(1 alive, 0 busy\)\n• \*\*gateway-\d+-1\*\* · tiny-shapes · idle · 1 job\(s\) done/);
    } finally {
      await h.close();
      await redis.stop();
    }
  });
});
