/**
 * What the scale-out and sharding end-to-end tests judge by: jobs found by their prompts, each
 * job shown once and charged once, and a release order that makes jobs finish in the order they
 * started (what the queue's predicted order assumes), whatever the machine's speed.
 */
import { expect } from 'vitest';
import type { FakeDiscord, MessageRecord } from '../../src/sandbox/discord-server/index.ts';
import type { JobRecord, Store } from '../../src/store/index.ts';
import type { WorkerProcess } from './worker-process.ts';

const LONG = { timeoutMs: 120_000 };

/** The jobs whose prompt is one of `prompts`, by id. */
export async function jobsWithPrompts(store: Store, prompts: string[]): Promise<JobRecord[]> {
  const rows: JobRecord[] = [];
  for (let id = 1; id < 1000; id++) {
    const job = await store.jobs.get(id);
    if (!job) break;
    if (prompts.includes(job.prompt)) rows.push(job);
  }
  return rows;
}

/** Exactly once: each job is done, its picture shows in one of `messages`, and it is charged its images once. */
export async function expectDeliveredOnce(store: Store, messages: MessageRecord[], jobIds: number[]): Promise<void> {
  for (const id of jobIds) {
    const job = await store.jobs.get(id);
    const shown = messages.filter((m) => m.attachments.some((a) => a.filename === `job-${id}.png`)).length;
    const charged = -(await store.ledger.entriesForJob(id)).reduce((s, e) => s + e.delta, 0);
    expect({ id, status: job?.status, shown, charged }).toEqual({ id, status: 'done', shown: 1, charged: job!.count });
  }
}

/**
 * Every job parks at its first step; the oldest parked job goes on once every worker is busy or
 * nothing else is left to start, then the freed worker takes the next job before the next oldest
 * goes. So jobs finish in the order they started, and the start order shows the fair rules alone.
 */
export async function releaseInStartOrder(discord: FakeDiscord, store: Store, workers: WorkerProcess[], prompts: string[]): Promise<void> {
  const holds = new Map(prompts.map((p) => [p, workers.map((wk) => wk.hold(p, 1))]));
  const reached = new Set<string>();
  for (const [p, hs] of holds) for (const h of hs) void h.reached.then(() => reached.add(p), () => undefined);
  await Promise.all(workers.map((wk) => wk.ready));
  const released = new Set<string>();
  while (released.size < prompts.length) {
    const next = await discord.waitFor(async () => {
      const parked = (await jobsWithPrompts(store, prompts)).filter((j) => reached.has(j.prompt) && !released.has(j.prompt) && j.startedAt);
      const notStarted = prompts.length - released.size - parked.length;
      if (parked.length === workers.length || (notStarted === 0 && parked.length > 0)) {
        return parked.sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime() || a.id - b.id)[0].prompt;
      }
      return undefined;
    }, LONG);
    released.add(next);
    for (const h of holds.get(next)!) h.release();
  }
}
