// Shared test material for the store: temporary SQLite files, a movable clock, job inputs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewJob } from '../../src/store/index.ts';

export const GUILD = '300000000000000001';
export const OTHER_GUILD = '300000000000000002';
export const ALICE = '400000000000000001';
export const BOB = '400000000000000002';
export const MOD = '400000000000000099';

// A folder per test, removed afterwards; the database file sits one level down so that the
// store has to create its folder, as on a first start.
export async function tempSqliteUrl(): Promise<{ url: string; dir: string; file: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'store-test-'));
  const file = join(dir, 'data', 'bot.db');
  return { url: `file:${file}`, dir, file, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export class TestClock {
  constructor(private current: Date) {}
  now = (): Date => new Date(this.current);
  set(at: string | Date): void {
    this.current = new Date(at);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    kind: 'imagine',
    guildId: GUILD,
    channelId: '500000000000000001',
    userId: ALICE,
    userName: 'alice',
    prompt: 'a lighthouse at dusk',
    negativePrompt: 'blurry',
    steps: 20,
    guidance: 7.5,
    sampler: 'euler-a',
    width: 512,
    height: 512,
    count: 4,
    seed: 4_000_000_000,
    model: 'tiny-shapes',
    cost: 1,
    interactionId: '600000000000000001',
    interactionToken: 'token-abc',
    tokenExpiresAt: new Date('2025-03-01T12:15:00Z'),
    ...overrides,
  };
}
