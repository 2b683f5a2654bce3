// IMAGE_RETENTION_DAYS: the sweep deletes image files past retention by the injected clock, and
// never those of a job still to be posted; config parses the variable (0 or unset: forever).
import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { ImageRetention } from '../../src/services/image-retention.ts';
import { ImageFiles, openStore, type Store } from '../../src/store/index.ts';
import { newJob } from '../store/fixtures.ts';

let root: string;
let store: Store;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'retention-'));
  store = await openStore(`file:${path.join(root, 'bot.db')}`);
});
afterEach(async () => {
  await store.close();
  await rm(root, { recursive: true, force: true });
});

const DAY = 24 * 3_600_000;

describe('image retention', () => {
  it('deletes the files of results older than the retention, by the injected clock, but not a result still to be posted', async () => {
    const files = new ImageFiles(path.join(root, 'images'));
    const now = new Date('2031-06-30T12:00:00Z');
    const delivered = await store.jobs.create(newJob({ count: 1 }));
    const undelivered = await store.jobs.create(newJob({ count: 1 }));
    const fresh = await store.jobs.create(newJob({ count: 1 }));
    for (const job of [delivered, undelivered, fresh]) {
      await store.jobs.markRunning(job.id);
      await store.jobs.markGenerated(job.id);
    }
    await store.jobs.markDelivered(delivered.id);
    await store.jobs.markDelivered(fresh.id);
    for (const [job, ageDays] of [[delivered, 31], [undelivered, 31], [fresh, 29]] as const) {
      const stored = await files.saveImage(job.id, 0, Buffer.from('png'));
      const at = new Date(now.getTime() - ageDays * DAY);
      await utimes(files.absolute(stored), at, at);
    }
    const retention = new ImageRetention({ files, store, days: 30, now: () => now, log: () => undefined });
    expect(await retention.sweep()).toBe(1);
    await expect(stat(files.absolute(files.imagePath(delivered.id, 0)))).rejects.toThrow(/ENOENT/);
    expect(await files.load(files.imagePath(undelivered.id, 0))).toBeDefined();
    expect(await files.load(files.imagePath(fresh.id, 0))).toBeDefined();
    // A day later the clock has moved the fresh one past retention too.
    const later = new ImageRetention({ files, store, days: 30, now: () => new Date(now.getTime() + 2 * DAY), log: () => undefined });
    expect(await later.sweep()).toBe(1);
  });

  it('keeps images forever unless IMAGE_RETENTION_DAYS is a whole number of days', () => {
    expect(loadConfig({}).imageRetentionDays).toBeNull();
    expect(loadConfig({ IMAGE_RETENTION_DAYS: '0' }).imageRetentionDays).toBeNull();
    expect(loadConfig({ IMAGE_RETENTION_DAYS: '90' }).imageRetentionDays).toBe(90);
    expect(() => loadConfig({ IMAGE_RETENTION_DAYS: '1.5' })).toThrow('IMAGE_RETENTION_DAYS must be a whole number from 0 to 36500, got "1.5"');
    expect(loadConfig({}).delivery).toEqual({ concurrency: 4, shutdownWaitMs: 30_000 });
    expect(() => loadConfig({ DELIVERY_CONCURRENCY: '0' })).toThrow('DELIVERY_CONCURRENCY must be a whole number from 1 to 64, got "0"');
  });
});
