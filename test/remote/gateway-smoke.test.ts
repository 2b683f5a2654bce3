/** A gateway (the real bot with REDIS_URL) and an in-process worker on a throwaway Redis: /imagine end to end. */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../../src/remote/worker.ts';
import { ModelRegistry } from '../../src/services/model-registry.ts';
import { imagineOutcome, jobOf, reservations, startHarness, type Harness } from '../support/bot-harness.ts';
import { embeddedPipeline } from '../support/model.ts';
import { redisRequirement, startRedis, type RedisServer } from '../support/redis.ts';

const needs = redisRequirement();
let redis: RedisServer | undefined;
let worker: RunningWorker | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await worker?.stop();
  await redis?.stop();
  h = worker = redis = undefined;
});

describe.skipIf(needs.missing)(`gateway and worker ${needs.title}`, () => {
  beforeAll(async () => void (await embeddedPipeline()));

  it('serves /imagine through a worker: previews, the picture, charged once', async () => {
    redis = await startRedis();
    const pipeline = await embeddedPipeline();
    const models = new ModelRegistry({ models: [{ name: 'tiny-shapes', dir: pipeline.info.dir }], defaultName: 'tiny-shapes', load: async () => pipeline, unload: async () => undefined });
    worker = await startWorker({ redisUrl: redis.url, prefix: 'test', name: 'w1', models, lockMs: 2000 });
    h = await startHarness({ REDIS_URL: redis.url, REDIS_PREFIX: 'test' }, { bot: { workerPollMs: 50 } });
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a red circle', steps: 6, count: 2, seed: 5 } });
    const { result } = await imagineOutcome(h, cmd);
    expect(result).toBeDefined();
    const job = await jobOf(h, result!.id);
    expect(job?.status).toBe('done');
    expect(await reservations(h, h.discord.user)).toHaveLength(1);
    expect(worker.done).toBe(1);
  });
});
