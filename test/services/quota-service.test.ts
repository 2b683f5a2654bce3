// What jobs cost: `image` mode (every image alike) and `compute` mode (steps × pixels against the
// model's default job), and a compute-mode refusal on a real SQLite ledger that names the price.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { computePrice, QuotaService, type ReferenceJob } from '../../src/services/quota-service.ts';
import { UserError } from '../../src/services/user-error.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { ALICE, GUILD, TestClock, newJob, tempSqliteUrl } from '../store/fixtures.ts';

/** The embedded model's default job: 20 steps at 128x128 (its largest size is 256x256). */
const REFERENCE: ReferenceJob = { steps: 20, width: 128, height: 128 };
const DEFAULT_JOB = { n: 4, ...REFERENCE };

describe('compute price arithmetic', () => {
  it('a default job costs one credit per image, as in image mode', () => {
    expect(computePrice(1, DEFAULT_JOB, REFERENCE)).toBe(4);
    expect(computePrice(1, { ...DEFAULT_JOB, n: 1 }, REFERENCE)).toBe(1);
  });

  it('a 150-step image at the largest size (256x256) costs 30 default images: 7.5x the steps, 4x the pixels', () => {
    expect(computePrice(1, { n: 1, steps: 150, width: 256, height: 256 }, REFERENCE)).toBe(30);
    expect(computePrice(1, { n: 4, steps: 150, width: 256, height: 256 }, REFERENCE)).toBe(120);
  });

  it('rounds up once for the whole job: 4 images of 11.25 default images each cost 45, one alone 12', () => {
    expect(computePrice(1, { n: 4, steps: 150, width: 192, height: 128 }, REFERENCE)).toBe(45);
    expect(computePrice(1, { n: 1, steps: 150, width: 192, height: 128 }, REFERENCE)).toBe(12);
  });

  it('an exact multiple is not rounded up, and the smallest job still costs a credit', () => {
    expect(computePrice(1, { n: 3, steps: 40, width: 128, height: 128 }, REFERENCE)).toBe(6);
    expect(computePrice(1, { n: 1, steps: 1, width: 64, height: 64 }, REFERENCE)).toBe(1);
  });

  it('image-to-image pays for the steps it runs: a 2x upscale at strength 0.35 runs 7 of 20 steps on 4x the pixels', () => {
    expect(computePrice(1, { n: 1, steps: 20, width: 256, height: 256, strength: 0.35 }, REFERENCE)).toBe(2); // 1.4
    expect(computePrice(1, { n: 1, steps: 20, width: 128, height: 128, strength: 0.6 }, REFERENCE)).toBe(1); // 0.6
  });

  it('the price per image scales the whole price', () => {
    expect(computePrice(3, { n: 4, steps: 150, width: 192, height: 128 }, REFERENCE)).toBe(135);
  });
});

describe('QuotaService prices by mode', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const clock = new TestClock(new Date('2025-03-01T12:00:00Z'));

  beforeEach(async () => {
    const db = await tempSqliteUrl();
    cleanup = db.cleanup;
    store = await openStore(db.url, { now: clock.now });
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  const heavy = { n: 4, steps: 150, width: 192, height: 128 };

  it('image mode (the default) charges per image whatever the steps and size', () => {
    const quota = new QuotaService(store, { defaultDaily: 10, resetHourUtc: 0, referenceJob: REFERENCE }, clock.now);
    expect(quota.creditMode).toBe('image');
    expect(quota.costOf('imagine', heavy)).toBe(4);
    expect(quota.costOf('imagine', DEFAULT_JOB)).toBe(4);
  });

  it('compute mode charges the heavy job 11.25x a default one', () => {
    const quota = new QuotaService(store, { defaultDaily: 10, resetHourUtc: 0, creditMode: 'compute', referenceJob: REFERENCE }, clock.now);
    expect(quota.costOf('imagine', DEFAULT_JOB)).toBe(4);
    expect(quota.priceOf('imagine', heavy)).toEqual({ credits: 45, mode: 'compute', computePerImage: 11.25 });
  });

  it('compute mode without the model\'s default job is a programming error, not a silent image mode', () => {
    expect(() => new QuotaService(store, { defaultDaily: 10, resetHourUtc: 0, creditMode: 'compute' })).toThrow(/referenceJob/);
  });

  it('a compute-mode refusal names the job, its price and why, and charges nothing', async () => {
    const quota = new QuotaService(store, { defaultDaily: 10, resetHourUtc: 0, creditMode: 'compute', referenceJob: REFERENCE }, clock.now);
    const job = await store.jobs.create(newJob({ userId: ALICE, guildId: GUILD, count: 4, steps: 150, width: 192, height: 128 }));
    const cost = quota.costOf(job.kind, { n: job.count, steps: job.steps, width: job.width, height: job.height });
    const err = await quota.reserve(job, cost, null).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(
      /^This job \(4 images, 150 steps, 192x128\) costs 45 credits \(each image is 11\.25x the compute of a default 20-step 128x128 image\) and you have 10 left today\./,
    );
    expect((await quota.balance(GUILD, ALICE)).available).toBe(10);
  });
});

describe('CREDIT_MODE', () => {
  it('is image unless set, accepts compute, and refuses anything else naming the value', () => {
    expect(loadConfig({}).quota.creditMode).toBe('image');
    expect(loadConfig({ CREDIT_MODE: 'compute' }).quota.creditMode).toBe('compute');
    expect(() => loadConfig({ CREDIT_MODE: 'gpu-minutes' })).toThrow(/CREDIT_MODE must be image or compute, got "gpu-minutes"/);
  });
});
